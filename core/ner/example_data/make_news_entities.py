"""Generate news_entities.conll: 300 short, invented news sentences tagged with PER, ORG, LOC and MISC (BIO).

Every name comes from the word lists below, written for Tuneboard; the templates are hand-written news phrasing.
A fixed seed makes the output identical on every run:

    python core/ner/example_data/make_news_entities.py     # rewrites news_entities.conll beside this file

Standard library only (no project imports), so it runs from anywhere; importing it writes nothing.
"""

from __future__ import annotations

import random
from pathlib import Path

SEED = 21
SENTENCES = 300
OUT = Path(__file__).with_name("news_entities.conll")

# Invented people: common first names with surnames made up for this file.
FIRST = ["Maria", "Tomas", "Aiko", "Daniel", "Leila", "Oskar", "Priya", "Samuel", "Ines", "Kwame", "Hana", "Felix",
         "Nadia", "Rafael", "Greta", "Jonah", "Amara", "Viktor", "Elena", "Idris"]
LAST = ["Varnholt", "Okonji", "Brisette", "Calloway-Finch", "Morrowind", "Tesler", "Quillan", "Adebanjo", "Strand",
        "Halvorsen", "Delacroix-Moy", "Pemberly", "Ashgrove", "Kovanic", "Renwick", "Ostermann", "Yarrow", "Lindell"]
# Invented organisations (companies, banks, agencies, clubs, universities).
ORGS = ["Brightwell Analytics", "Northmere Bank", "Calder Rail", "Tessaly Motors", "Halvern Institute",
        "Greyfield Energy", "Orrin & Pell", "Saltmarsh United", "Kestrel Airways", "Meridian Water Board",
        "Fenwick Pharmaceuticals", "Luma Systems", "Ardent Mining Group", "Port Elsby Council", "Vantor Labs",
        "Corvan University", "Bluehaven Press", "Ironbridge Capital", "Westmoor Rovers", "Sable Logistics"]
# Invented places: towns, regions, rivers, countries.
LOCS = ["Port Elsby", "Varrow", "Kestrel Bay", "Lindmark", "Oskarvale", "Elsbia", "the Corran Valley", "Maberly",
        "North Tessaly", "Draymouth", "Halden Cross", "Renna", "Saltmarsh", "the Ivel River", "Westmoor",
        "Brannock Hills", "Quarry Point", "Ostrava Plains"]
# Invented nationalities, events, awards and products: all tagged MISC, each slot fitting its templates.
MISC = {
    "NAT": ["Elsbian", "Tessalian", "Varrowese", "Lindmarker"],
    "EVENT": ["Harvest Cup", "Winter Lantern Festival", "Northern Games", "Draymouth Marathon", "Orbis Summit"],
    "AWARD": ["Corvan Prize", "Golden Quill Award", "Ashby Medal"],
    "PRODUCT": ["Skylark X2", "Lumen 5", "Tessaly Roamer", "Halo Mini"],
}

# "the" at the start of a place name is not part of the entity (CoNLL practice): see _entity().
TEMPLATES = [
    "{PER} , chief executive of {ORG} , said on Tuesday that the company would open an office in {LOC} .",
    "{ORG} shares rose 4 percent after strong sales of the {PRODUCT} .",
    "Police in {LOC} said {PER} was questioned and released without charge .",
    "{PER} won the {AWARD} for her reporting on flooding in {LOC} .",
    "{PER} won the {AWARD} for his work with {ORG} .",
    "The {EVENT} opens in {LOC} next week , organisers said .",
    "{ORG} agreed to buy {ORG} for an undisclosed sum .",
    "Talks between {ORG} and unions in {LOC} broke down on Friday .",
    "{PER} scored twice as {ORG} beat {ORG} 3 - 1 .",
    "Heavy rain closed roads between {LOC} and {LOC} overnight .",
    "{PER} , a spokeswoman for {ORG} , declined to comment .",
    "{PER} , a spokesman for {ORG} , declined to comment .",
    "The {NAT} government said exports to {LOC} fell sharply in March .",
    "{ORG} will launch the {PRODUCT} in {LOC} before the end of the year .",
    "Former minister {PER} joined the board of {ORG} .",
    "{PER} told reporters in {LOC} that the plan was \" not finished \" .",
    "A new bridge over {LOC} is due to open in June .",
    "{PER} and {PER} were named joint winners of the {AWARD} .",
    "{ORG} cut its forecast , blaming weak demand in {LOC} .",
    "Thousands of {NAT} fans travelled to {LOC} for the final .",
    "{PER} , who founded {ORG} in {LOC} , will step down in May .",
    "Researchers at {ORG} said the results surprised them .",
    "The mayor of {LOC} , {PER} , welcomed the decision .",
    "{ORG} recalled 2,000 units of the {PRODUCT} after a battery fault .",
    "Flights from {LOC} were delayed after a storm , {ORG} said .",
    "{PER} will lead the {NAT} delegation at the {EVENT} .",
    "Prices in {LOC} rose for the third month in a row .",
    "{PER} ( {ORG} ) finished second in the {EVENT} .",
    "Shares fell {NUM} percent on Monday as investors waited for news on interest rates .",
    "The council said the new library would open in {NUM} months .",
    "Ticket prices will rise by {NUM} percent from next month , the operator said .",
    "About {NUM} people were evacuated after a fire at a warehouse .",
]


def _person(rng: random.Random) -> list[str]:
    """A name of one to three tokens: a surname alone, first + last, or first + initial + last."""
    shape = rng.random()
    if shape < 0.15:
        return [rng.choice(LAST)]
    if shape < 0.25:
        return [rng.choice(FIRST), f"{rng.choice('ABCDEFGHJKLMNPRSTW')}.", rng.choice(LAST)]
    return [rng.choice(FIRST), rng.choice(LAST)]


def _entity(slot: str, rng: random.Random) -> list[tuple[str, str]]:
    """Tokens and BIO tags for one slot (MISC's slots are tagged MISC); a leading "the" of a place is untagged."""
    names = {"ORG": ORGS, "LOC": LOCS, **MISC}
    words = _person(rng) if slot == "PER" else rng.choice(names[slot]).split()
    tag = "MISC" if slot in MISC else slot
    pairs: list[tuple[str, str]] = []
    if words[0] == "the":
        pairs.append(("the", "O"))
        words = words[1:]
    pairs += [(w, f"{'B' if i == 0 else 'I'}-{tag}") for i, w in enumerate(words)]
    return pairs


def sentence(rng: random.Random) -> list[tuple[str, str]]:
    """One sentence from a random template, each slot filled with a random invented name."""
    pairs: list[tuple[str, str]] = []
    for word in rng.choice(TEMPLATES).split():
        if word == "{NUM}":
            pairs.append((str(rng.randint(2, 40)), "O"))
        elif word.startswith("{") and word.endswith("}"):
            pairs += _entity(word[1:-1], rng)
        else:
            pairs.append((word, "O"))
    return pairs


def build(seed: int = SEED, count: int = SENTENCES) -> str:
    """The whole file: a -DOCSTART- line, then ``count`` distinct sentences of ``token tag`` lines, blank-line
    separated (a repeated sentence is drawn again, so no sentence can sit in both a train and a test split)."""
    rng = random.Random(seed)
    blocks = ["-DOCSTART- O\n"]
    seen: set[str] = set()
    while len(seen) < count:
        block = "".join(f"{token} {tag}\n" for token, tag in sentence(rng))
        if block not in seen:
            seen.add(block)
            blocks.append(block)
    return "\n".join(blocks)


def main() -> None:
    """Write news_entities.conll beside this script."""
    OUT.write_text(build(), encoding="utf-8", newline="\n")
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
