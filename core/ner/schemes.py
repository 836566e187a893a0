"""Tag schemes: which one a dataset uses, converting between them, malformed tags, and the entities a sequence holds.

A tag is ``"O"`` or ``"<prefix>-<TYPE>"`` (``B-PER``, ``I-WORK-OF-ART``: the type is everything after the first
hyphen).  The schemes told apart:

- ``BIO`` (IOB2): every entity starts with ``B-``, continues with ``I-``;
- ``IOB1``: an entity starts with ``I-``; ``B-`` only marks the start of an entity right after one of the same type;
- ``BIOES`` (IOBES): ``B-`` begin, ``I-`` inside, ``E-`` end, ``S-`` a one-token entity; BILOU's ``L-`` (last) and
  ``U-`` (unit) are read as ``E-`` and ``S-``, so BILOU data is "BIOES" here;
- ``IO``: only ``I-`` (adjacent entities of one type cannot be told apart).

**Which entities a sequence holds** (:func:`entities`) follows seqeval's default mode, which is conlleval's: an entity
starts at ``B-``/``S-``, at an ``I-``/``E-`` after ``O``, ``E-`` or ``S-``, and wherever the type changes; it ends
before ``B-``/``S-``/``O``, after ``E-``/``S-`` and where the type changes.  So an orphan ``I-X`` (after ``O`` or after
another type) *starts* an entity rather than being ignored, and the one reading covers BIO, IOB1, IO and BIOES alike
— which is why converting is "read the entities, write them in the other scheme".  ``strict=True`` instead follows
seqeval's ``mode="strict", scheme=IOB2``: an entity is a ``B-X`` and the ``I-X`` run after it; orphan ``I-`` tags
belong to no entity, and prefixes other than B/I/O are refused.

Entities are ``(type, start, end)`` with ``end`` exclusive (seqeval's ``get_entities`` gives the last index instead).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

BIO = "BIO"
IOB1 = "IOB1"
BIOES = "BIOES"
IO = "IO"
SCHEMES = (BIO, IOB1, BIOES, IO)
OUTSIDE = "O"
_PREFIXES = frozenset("BIESLU")
# BILOU's letters are BIOES's under other names: last = end, unit = single.
_BILOU = {"L": "E", "U": "S"}
_ALLOWED = {BIO: frozenset("BI"), IOB1: frozenset("BI"), IO: frozenset("I"), BIOES: frozenset("BIESLU")}

Entity = tuple[str, int, int]
"""``(type, start, end)``: tokens ``start`` to ``end - 1`` of one sentence."""

PROBLEMS = {
    "malformed": "is neither O nor a prefix (B-, I-, E-, S-, L-, U-) followed by a type",
    "prefix": "uses a prefix this scheme does not have",
    "orphan_inside": "continues an entity that was never begun (no B- or I- of the same type right before it)",
    "needless_begin": "begins with B- although no entity of the same type comes right before it (IOB1 uses I- there)",
    "unclosed": "begins or continues an entity that is never ended with E- (BIOES)",
}
"""What each problem code of :func:`scheme_errors` means, in words for the health report."""


class TagProblem(NamedTuple):
    """One malformed tag: where it is (token index in its sentence), the tag, and a code from :data:`PROBLEMS`."""

    position: int
    tag: str
    problem: str


def split_tag(tag: str) -> tuple[str, str]:
    """``"B-PER"`` → ``("B", "PER")``; ``"O"`` → ``("O", "")``.  Anything else raises ValueError naming the tag."""
    if tag == OUTSIDE:
        return OUTSIDE, ""
    prefix, sep, type_ = tag.partition("-")
    if not sep or prefix not in _PREFIXES or not type_:
        raise ValueError(f"The tag {tag!r} {PROBLEMS['malformed']}.")
    return prefix, type_


def _parse(tag: str) -> tuple[str, str]:
    """Like :func:`split_tag` with BILOU's L/U read as E/S: the reading every scheme shares."""
    prefix, type_ = split_tag(tag)
    return _BILOU.get(prefix, prefix), type_


def _ends(prev_prefix: str, prefix: str, prev_type: str, type_: str) -> bool:
    """Whether an entity ended between the previous token and this one (seqeval's ``end_of_chunk``)."""
    if prev_prefix in "ES":
        return True
    if prev_prefix in "BI" and prefix in "BSO":
        return True
    return prev_prefix != OUTSIDE and prev_type != type_


def _starts(prev_prefix: str, prefix: str, prev_type: str, type_: str) -> bool:
    """Whether an entity starts at this token (seqeval's ``start_of_chunk``; an orphan I- starts one)."""
    if prefix in "BS":
        return True
    if prev_prefix in "ESO" and prefix in "IE":
        return True
    return prefix != OUTSIDE and prev_type != type_


def entities(tags: Sequence[str], *, strict: bool = False) -> list[Entity]:
    """The entities of one sentence's tags, in order, as ``(type, start, end_exclusive)``.

    Default: seqeval's default (conlleval) reading, for any scheme (module docstring).  ``strict=True``: seqeval's
    strict IOB2 reading (``B-X I-X*`` only; orphan ``I-`` tags ignored; E/S/L/U prefixes raise ValueError).
    """
    if strict:
        return _strict_bio_entities(tags)
    found: list[Entity] = []
    prev_prefix, prev_type, begin = OUTSIDE, "", 0
    # A trailing "O" closes an entity that runs to the end of the sentence, as seqeval appends one.
    for i, tag in enumerate([*tags, OUTSIDE]):
        prefix, type_ = _parse(tag)
        if _ends(prev_prefix, prefix, prev_type, type_):
            found.append((prev_type, begin, i))
        if _starts(prev_prefix, prefix, prev_type, type_):
            begin = i
        prev_prefix, prev_type = prefix, type_
    return found


def _strict_bio_entities(tags: Sequence[str]) -> list[Entity]:
    """seqeval's ``Tokens(tags, IOB2).entities``: each ``B-X`` and the run of ``I-X`` after it."""
    found: list[Entity] = []
    parsed = [split_tag(tag) for tag in tags]
    for tag, (prefix, _) in zip(tags, parsed, strict=True):
        if prefix not in "BIO":
            raise ValueError(f"The tag {tag!r} is not allowed in strict BIO; only B-, I- and O are.")
    i = 0
    while i < len(parsed):
        prefix, type_ = parsed[i]
        if prefix != "B":
            i += 1
            continue
        end = i + 1
        while end < len(parsed) and parsed[end] == ("I", type_):
            end += 1
        found.append((type_, i, end))
        i = end
    return found


def to_bio(tags: Sequence[str]) -> list[str]:
    """The same entities written in BIO (from any scheme; an orphan ``I-X`` becomes ``B-X``)."""
    return render(len(tags), entities(tags), BIO)


def to_bioes(tags: Sequence[str]) -> list[str]:
    """The same entities written in BIOES (``S-`` for one-token entities, ``E-`` on the last token of longer ones)."""
    return render(len(tags), entities(tags), BIOES)


def convert(tags: Sequence[str], to: str = BIO) -> list[str]:
    """Convert one sentence's tags to ``"BIO"`` or ``"BIOES"``, whatever scheme they are in."""
    if to == BIO:
        return to_bio(tags)
    if to == BIOES:
        return to_bioes(tags)
    raise ValueError(f"Tags can be converted to BIO or BIOES, not {to!r}.")


def render(length: int, spans: Iterable[Entity], scheme: str = BIO) -> list[str]:
    """Tags for a sentence of ``length`` tokens holding ``spans`` (non-overlapping ``(type, start, end)``)."""
    if scheme not in (BIO, BIOES):
        raise ValueError(f"Entities can be written in BIO or BIOES, not {scheme!r}.")
    tags = [OUTSIDE] * length
    for type_, start, end in spans:
        if not 0 <= start < end <= length:
            raise ValueError(f"The entity {(type_, start, end)} does not fit a sentence of {length} tokens.")
        if any(tag != OUTSIDE for tag in tags[start:end]):
            raise ValueError(f"The entity {(type_, start, end)} overlaps another one.")
        tags[start:end] = [f"B-{type_}"] + [f"I-{type_}"] * (end - start - 1)
        if scheme == BIOES:
            tags[end - 1] = f"E-{type_}" if end - start > 1 else f"S-{type_}"
    return tags


def detect_scheme(sequences: Iterable[Sequence[str]]) -> str:
    """Which scheme a dataset's tag sequences use: ``"BIO"``, ``"IOB1"``, ``"BIOES"`` (BILOU too) or ``"IO"``.

    Decided on the whole dataset, since one sentence is often ambiguous.  E/S/L/U anywhere → BIOES; only I- → IO;
    I- that start entities while no B- ever starts one after ``O`` or another type → IOB1; otherwise BIO (orphan I-
    tags in data that also uses B- to start entities are BIO with errors — :func:`scheme_errors` counts them).  Data
    with no entity tags at all is called BIO.  A malformed tag raises ValueError naming it.
    """
    prefixes: set[str] = set()
    orphan_inside = fresh_begin = 0
    for tags in sequences:
        prev_prefix, prev_type = OUTSIDE, ""
        for tag in tags:
            prefix, type_ = split_tag(tag)
            prefixes.add(prefix)
            # "after the same type" is what separates IOB1's B- (between two adjacent entities) from BIO's.
            same_as_prev = prev_prefix != OUTSIDE and prev_type == type_
            orphan_inside += prefix == "I" and not same_as_prev
            fresh_begin += prefix == "B" and not same_as_prev
            prev_prefix, prev_type = prefix, type_
    if prefixes & set("ESLU"):
        return BIOES
    if "B" not in prefixes:
        return IO if "I" in prefixes else BIO
    if orphan_inside and not fresh_begin:
        return IOB1
    return BIO


def scheme_errors(tags: Sequence[str], scheme: str = BIO) -> list[TagProblem]:
    """Every tag of one sentence that breaks ``scheme``'s rules, as ``(position, tag, problem)`` (codes: PROBLEMS).

    BIO: an ``I-X`` not after ``B-X``/``I-X`` is ``orphan_inside``.  IOB1: a ``B-X`` not after an ``X`` tag is
    ``needless_begin``.  BIOES: ``I-X``/``E-X`` not after ``B-X``/``I-X`` is ``orphan_inside``; ``B-X``/``I-X`` not
    followed by ``I-X``/``E-X`` is ``unclosed``.  Any scheme: ``malformed`` tags and prefixes it lacks (``prefix``).
    A malformed tag counts as ``O`` for its neighbours, so one bad tag is reported once.
    """
    if scheme not in _ALLOWED:
        raise ValueError(f"Unknown tag scheme {scheme!r}; one of {', '.join(SCHEMES)}.")
    parsed: list[tuple[str, str]] = []
    problems: list[TagProblem] = []
    for i, tag in enumerate(tags):
        try:
            prefix, type_ = split_tag(tag)
        except ValueError:
            problems.append(TagProblem(i, tag, "malformed"))
            prefix, type_ = OUTSIDE, ""
        if prefix != OUTSIDE and prefix not in _ALLOWED[scheme]:
            problems.append(TagProblem(i, tag, "prefix"))
        parsed.append((_BILOU.get(prefix, prefix), type_))
    for i, (prefix, type_) in enumerate(parsed):
        prev = parsed[i - 1] if i else (OUTSIDE, "")
        nxt = parsed[i + 1] if i + 1 < len(parsed) else (OUTSIDE, "")
        problem = _problem(scheme, prefix, type_, prev, nxt)
        if problem:
            problems.append(TagProblem(i, tags[i], problem))
    return sorted(problems)


def _problem(scheme: str, prefix: str, type_: str, prev: tuple[str, str], nxt: tuple[str, str]) -> str | None:
    """The sequence rule one (well-formed) tag breaks given its neighbours, or None."""
    same_prev = prev[0] != OUTSIDE and prev[1] == type_
    if scheme == BIO and prefix == "I" and not same_prev:
        return "orphan_inside"
    if scheme == IOB1 and prefix == "B" and not same_prev:
        return "needless_begin"
    if scheme == BIOES:
        if prefix in "IE" and not (prev[0] in "BI" and prev[1] == type_):
            return "orphan_inside"
        if prefix in "BI" and not (nxt[0] in "IE" and nxt[1] == type_):
            return "unclosed"
    return None


def entity_types(sequences: Iterable[Sequence[str]]) -> list[str]:
    """The sorted entity types named by any tag of ``sequences`` (malformed tags raise ValueError)."""
    return sorted({split_tag(tag)[1] for tags in sequences for tag in tags} - {""})


def bio_labels(types: Iterable[str], scheme: str = BIO) -> list[str]:
    """The label list a token classifier needs: ``"O"`` then each type's tags in scheme order, types sorted.

    ``bio_labels(["PER", "LOC"])`` → ``["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]``; with ``scheme="BIOES"`` each type
    also gets ``E-`` and ``S-``.  Sorted, so the same types always give the same ids.
    """
    prefixes = {BIO: "BI", BIOES: "BIES"}.get(scheme)
    if prefixes is None:
        raise ValueError(f"Label lists are made for BIO or BIOES, not {scheme!r}.")
    return [OUTSIDE, *(f"{p}-{t}" for t in sorted(set(types)) for p in prefixes)]
