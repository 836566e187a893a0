"""Generate Tuneboard's built-in examples of the other task kinds: multi-label tags, sentence pairs and scores.

Usage::

    python tools/make_examples_tasks.py              # rewrites the three CSVs in core/data/example_data/
    python tools/make_examples_tasks.py --out DIR    # writes the same files into DIR

The three datasets:

- ``support_tags.csv`` (multi-label): support tickets, each tagged with every topic it raises (``billing|refund``);
- ``paraphrase_pairs.csv`` (a pair of texts, one label): does the second sentence say the same as the first?
- ``review_scores.csv`` (regression): product reviews and the average of several raters' 0–5 ratings.

Every template, product, company and name below was written for Tuneboard; nothing is copied from an existing
dataset.  The output is deterministic: each dataset has its own seeded ``random.Random``, nothing iterates over a
``set`` (whose order changes with hash randomisation) and the review scores are computed in integer tenths, so
re-running the script reproduces the committed CSVs byte for byte; ``tests/unit/test_examples.py`` checks exactly that.

None of them is meant to be learned perfectly: tickets mention topics in passing that their tags leave out (and the
odd tag is missed, as by a busy human tagger), urgency is often only implied, negative pairs share most of their
words (and some share all of them, in another order) while positive pairs reword a lot, and reviews are rated by
people who disagree with each other.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "core" / "data" / "example_data"

TAGS_FILE = "support_tags.csv"
PAIRS_FILE = "paraphrase_pairs.csv"
SCORES_FILE = "review_scores.csv"

# Separate seeds so that editing one dataset's templates does not reshuffle the others.
TAGS_SEED = 7_2024_18_1
PAIRS_SEED = 7_2024_18_2
SCORES_SEED = 7_2024_18_3

MIN_WORDS = 3
MAX_WORDS = 60

Ctx = dict[str, str]
Slot = Callable[[random.Random, Ctx], str]

_SLOT_RE = re.compile(r"\{(\w+)\}")


# =============================================================================================
# Shared helpers and vocabularies
# =============================================================================================


def pick(values: Sequence[str]) -> Slot:
    """A slot that picks uniformly from ``values``."""
    return lambda rng, _ctx: rng.choice(values)


def other(values: Sequence[str], slot: str) -> Slot:
    """A slot that picks from ``values`` but never repeats ``ctx[slot]`` ("swap the blue one for the black one")."""
    return lambda rng, ctx: rng.choice([v for v in values if v != ctx.get(slot)])


def slots_of(template: str) -> list[str]:
    """The slot names of a template, in order of first use."""
    return list(dict.fromkeys(_SLOT_RE.findall(template)))


def fill(template: str, slots: dict[str, Slot], rng: random.Random, ctx: Ctx) -> str:
    """Replace every ``{name}`` with a value from ``slots[name]``; a slot used twice (or in two templates filled with
    the same ``ctx``) keeps its value, so the two halves of a paraphrase talk about the same order and product.

    A value that starts a sentence gets a capital letter.
    """

    def _sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in ctx:
            ctx[name] = slots[name](rng, ctx)
        value = ctx[name]
        before = template[: match.start()].rstrip(" ")
        if not before or before[-1] in ".?!:":
            value = value[:1].upper() + value[1:]
        return value

    return _SLOT_RE.sub(_sub, template)


def word_count(text: str) -> int:
    return len(text.split())


def lower_first(text: str) -> str:
    """``Please refund it.`` → ``please refund it.`` for joining after "Also, ", but keep "I", "I'd" and shouting."""
    first = text.split(" ", 1)[0]
    if first == "I" or first.startswith("I'") or first.isupper() or first in PROPER_WORDS:
        return text
    return text[:1].lower() + text[1:]


def swap_letters(text: str, rng: random.Random) -> str:
    """One typing slip: two neighbouring letters of a longer word swapped."""
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def write_csv(path: Path, fieldnames: list[str], rows: list[dict[str, str]]) -> None:
    """UTF-8 CSV (no BOM) with ``\\n`` line endings on every platform, so the bytes are reproducible."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


# Invented names, in the style of the other built-in examples; a match with a real product is a coincidence.
# All singular, so "the {product} is ..." reads right wherever a product goes.
AUDIO_PRODUCTS = ["Orbit bluetooth speaker", "Echoline headset", "Cadence soundbar"]
WEARABLE_PRODUCTS = ["Pulse smartwatch", "Drift fitness tracker", "Tempo sports watch"]
TECH_PRODUCTS = [*AUDIO_PRODUCTS, *WEARABLE_PRODUCTS, "SnapCam webcam", "VoltDock charging stand"]
BATTERY_PRODUCTS = [*AUDIO_PRODUCTS[:2], *WEARABLE_PRODUCTS]
"""Things that run on a battery and could go near water (the webcam and the charging stand do not)."""
HEATING_PRODUCTS = ["AeroBrew kettle", "Sizzle Pro air fryer", "Copperline frying pan", "Hearth toaster"]
APPLIANCES = ["AeroBrew kettle", "Mistral blender", "Sizzle Pro air fryer", "BrewNest coffee grinder"]
COOKWARE = ["Copperline frying pan", "Fjord cast-iron pot", "Mistral blender jug", "Pantrio lunch box"]
KITCHEN_PRODUCTS = ["AeroBrew kettle", "Mistral blender", "Sizzle Pro air fryer", "Copperline frying pan",
                    "BrewNest coffee grinder", "Hearth toaster"]
CLOTHING_PRODUCTS = [
    "TrailLite rain jacket",
    "Harbor wool sweater",
    "Northline puffer coat",
    "Breeze linen shirt",
    "CozyKnit hoodie",
]
HOME_PRODUCTS = [
    "DreamCloud pillow",
    "Lumen desk lamp",
    "Aster floor rug",
    "Meadow duvet cover",
    "Willow bedside table",
]
ALL_PRODUCTS = TECH_PRODUCTS + KITCHEN_PRODUCTS + CLOTHING_PRODUCTS + HOME_PRODUCTS
FIRST_NAMES = ["Maria", "Sam", "Priya", "Tom", "Aisha", "Jonas", "Keiko", "Liam", "Fatima", "Daniel", "Chloe", "Mateo",
               "Hannah", "Ravi", "Sofia", "Ben", "Ingrid", "Marcus", "Grace", "Owen"]
COURIERS = ["UPS", "DHL", "FedEx", "Royal Mail", "the courier", "Evri", "DPD"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
COUNTRIES = ["Ireland", "Canada", "Norway", "Portugal", "New Zealand", "Mexico", "Japan", "Poland", "Kenya"]
STREETS = ["Maple Street", "Station Road", "Elm Avenue", "Harbour Lane", "Orchard Way", "Mill Road", "Cedar Drive"]
COLOURS = ["blue", "black", "green", "grey", "red", "beige", "navy", "white"]
SIZES = ["small", "medium", "large", "extra large"]
DAYS = ["three days", "five days", "a week", "ten days", "two weeks", "over a week", "nearly a month"]
DEVICES = ["my iPhone", "my Android phone", "the iPad app", "Chrome on Windows", "Safari on my Mac", "Firefox",
           "my Samsung tablet"]
SCREENS = ["order history", "checkout", "wishlist", "account settings", "returns", "basket", "search results"]
PLANS = ["Plus membership", "Family plan", "Premium plan", "annual membership"]
PROPER_WORDS = {word for names in (ALL_PRODUCTS, FIRST_NAMES, COURIERS, COUNTRIES, WEEKDAYS, MONTHS)
                for name in names for word in name.split(" ")}
"""Words that keep their capital inside a sentence (only looked up, never iterated: its order does not matter)."""


def _order(rng: random.Random, _ctx: Ctx) -> str:
    style = rng.randrange(3)
    if style == 0:
        return f"#{rng.randint(100000, 999999)}"
    if style == 1:
        return f"LF-{rng.randint(1000000, 9999999)}"
    return str(rng.randint(10000000, 99999999))


def _amount(rng: random.Random, _ctx: Ctx) -> str:
    return f"${rng.randint(9, 240)}.{rng.choice(['99', '00', '50', '95', '49'])}"


def _amount2(rng: random.Random, ctx: Ctx) -> str:
    # Always larger than {amount}: "the checkout said X but I was charged Y", also where Y is written first.
    if "amount" not in ctx:
        ctx["amount"] = _amount(rng, ctx)
    cents = int(ctx["amount"].lstrip("$").replace(".", ""))
    cents += rng.randint(5, 90) * 100
    return f"${cents // 100}.{cents % 100:02d}"


def _date(rng: random.Random, _ctx: Ctx) -> str:
    style = rng.randrange(3)
    if style == 0:
        return rng.choice(WEEKDAYS)
    if style == 1:
        return f"last {rng.choice(WEEKDAYS)}"
    return f"{rng.choice(MONTHS)} {rng.randint(1, 28)}"


def _email(rng: random.Random, _ctx: Ctx) -> str:
    return f"{rng.choice(FIRST_NAMES).lower()}{rng.choice(['', '.', '_'])}{rng.randint(1, 99)}@example.com"


COMMON_SLOTS: dict[str, Slot] = {
    "order": _order,
    "amount": _amount,
    "amount2": _amount2,
    "date": _date,
    "email": _email,
    "product": pick(ALL_PRODUCTS),
    "tech": pick(TECH_PRODUCTS),
    "clothing": pick(CLOTHING_PRODUCTS),
    "courier": pick(COURIERS),
    "country": pick(COUNTRIES),
    "street": pick(STREETS),
    "number": lambda rng, _ctx: str(rng.randint(2, 180)),
    "colour": pick(COLOURS),
    "days": pick(DAYS),
    "device": pick(DEVICES),
    "screen": pick(SCREENS),
    "plan": pick(PLANS),
    "agent": pick(FIRST_NAMES),
    "version": lambda rng, _ctx: f"version {rng.randint(3, 5)}.{rng.randint(0, 9)}",
}


# =============================================================================================
# 1. Support-ticket tags (multi-label)
# =============================================================================================

TAG_ORDER = ["account", "billing", "shipping", "refund", "bug", "feature_request", "praise"]
"""The order topics are mentioned in a composed ticket; ``urgent`` goes in front or at the end."""

# One sentence per topic; a ticket with several tags strings several together (or uses a combined template below).
CLAUSES: dict[str, list[str]] = {
    "billing": [
        "The checkout said {amount} but my card was charged {amount2} for order {order}.",
        "Can you send me a VAT invoice for order {order}?",
        "My bank shows two pending charges of {amount} from you.",
        "Why did my {plan} renew at {amount2} when it used to be {amount}?",
        "How do I change the card you bill every month?",
        "The invoice for order {order} has the wrong company name on it.",
        "Your payment page keeps declining my Mastercard even though it works everywhere else.",
        "I don't recognise a charge of {amount} labelled LARKFIELD ONLINE on {date}.",
        "Is there a way to pay by bank transfer instead of by card?",
        "The discount code was not applied to my total for order {order}.",
        "I was billed for the {plan} after I switched to the free plan.",
        "My receipt shows {amount} in tax, which seems far too high.",
        "I need copies of all my invoices from this year for my accountant.",
        "The gift card balance was not taken off my order total.",
        "Please explain the {amount} service fee on my last invoice.",
        "I was charged in euros instead of pounds for order {order}.",
        "The yearly fee for my {plan} came out on {date} without any reminder.",
        "Can I pay for order {order} in three instalments?",
    ],
    "refund": [
        "I'd like my money back for the {product}.",
        "Please refund order {order}.",
        "I sent the {product} back on {date} and still haven't got my refund.",
        "How long does a refund take to reach my card?",
        "I only received {amount} of the {amount2} refund you promised.",
        "Can I have a refund instead of store credit for the {product}?",
        "I want a full refund, not a replacement.",
        "The refund for order {order} has said processing for {days}.",
        "If you can't fix the {product}, I want my money returned.",
        "I cancelled within 14 days, so I should get the whole amount back.",
        "What is your refund policy for opened items like the {product}?",
        "The returns page says my refund was issued, but nothing has arrived.",
    ],
    "shipping": [
        "My parcel for order {order} hasn't moved since {date}.",
        "{courier} says it was delivered, but nothing arrived at my door.",
        "Can you change the delivery address for order {order} to {number} {street}?",
        "The {product} arrived with the box completely crushed.",
        "Do you ship to {country}?",
        "The tracking for order {order} just says label created.",
        "The courier left my parcel with a neighbour I don't know.",
        "Delivery was promised for {date} and the {product} is still not here.",
        "Is express delivery available for the {product}?",
        "Only half of order {order} turned up; the {product} is missing.",
        "The parcel went back to your warehouse after a failed delivery.",
        "Can I collect order {order} from a parcel locker instead?",
        "How much does delivery to {country} cost?",
        "The delivery estimate for order {order} keeps moving back by a week.",
        "{courier} wants a customs fee before they hand over my parcel.",
    ],
    "account": [
        "I can't remember which email address I signed up with.",
        "Please change the email on my account to {email}.",
        "How do I delete my account and all my data?",
        "My account was locked after too many password attempts.",
        "The password reset email never arrives.",
        "Someone else seems to have logged into my account.",
        "Can I merge my two accounts into one?",
        "How do I change the name on my profile?",
        "How do I stop the marketing emails?",
        "My saved addresses have disappeared from my account.",
        "I never get the verification code by text message.",
        "Can I add my partner to the account as a second user?",
        "I want to update the phone number on my profile.",
    ],
    "bug": [
        "The app crashes every time I open {screen}.",
        "The checkout button does nothing on {device}.",
        "Search returns no results, even for products I can see on the home page.",
        "The {screen} page is blank on {device}.",
        "Product pictures don't load since the last update.",
        "I get an error 500 when I try to save my address.",
        "The app logs me out every few minutes.",
        "Prices in my basket show up as $0.00.",
        "The track parcel link leads to a page that says not found.",
        "Every notification arrives twice.",
        "The size filter ignores whatever I select.",
        "After updating to {version}, the app freezes on the loading screen.",
        "In dark mode the text on the {screen} page is invisible.",
        "The page reloads every time I start typing my card details.",
        "The {screen} page shows someone else's items.",
    ],
    "feature_request": [
        "It would be great if I could save more than one card.",
        "Please add a dark mode to the app.",
        "Could you let us choose a delivery day?",
        "Any plans to support Apple Pay?",
        "I'd love a way to export my order history as a spreadsheet.",
        "Please add a wishlist I can share with my family.",
        "Could you add an option to combine orders into one delivery?",
        "It would help to get a text message when the courier is close.",
        "Please allow two-factor login with an authenticator app.",
        "A filter for items in stock near me would be really useful.",
        "Could the app remember my size for each brand?",
        "Please let me pause my {plan} instead of cancelling it.",
        "It would be nice to get price-drop alerts for things on my wishlist.",
    ],
    "praise": [
        "Just wanted to say your team was brilliant today, thank you.",
        "{agent} in chat was so patient with me, please pass on my thanks.",
        "Fastest delivery I've ever had, well done!",
        "Love the new app design, it's so much easier to use.",
        "Thank you for sorting everything out so quickly last week.",
        "Five stars for the packaging, the {product} arrived perfect.",
        "Great service as always, I'll keep ordering from you.",
        "{agent} went above and beyond on the phone yesterday.",
        "The {product} is even better than the photos, thank you!",
        "Honestly the best customer service I've had from any shop.",
    ],
}
URGENT_PREFIXES = [
    "URGENT:",
    "This is urgent.",
    "Please help asap.",
    "Time-sensitive:",
    "I need this sorted today.",
    "Please read this straight away.",
]
URGENT_SUFFIXES = [
    "I need this fixed today.",
    "Please treat this as urgent.",
    "It's a gift for {date}, so I'm running out of time.",
    "This is blocking my whole business.",
    "Please call me back as soon as possible.",
    "I fly out tomorrow morning and need this sorted before then.",
    "Please respond within the hour.",
    "Third time I'm writing, I need an answer NOW.",
    "My shop opens in two hours.",
    "It's for my daughter's birthday tomorrow.",
]
# Non-urgent tickets sometimes sound a little pressed too; a tagger did not call these urgent.
SOFT_HURRY = ["Hope to hear back soon.", "A quick reply would be nice.", "No rush, but thanks in advance.",
              "When you get a moment."]
# Tickets that mention a topic in passing (and are not tagged with it): "the app" in a shipping question.
ASIDES = {
    "billing": ["I already paid for express delivery.", "I paid with PayPal, if that matters."],
    "shipping": ["It was delivered last week.", "The parcel itself came on time."],
    "bug": ["The app works fine otherwise.", "I tried on the website as well."],
    "account": ["I'm logged in on my phone.", "My account email is {email}."],
}
# Tickets whose topics are told as one story rather than one sentence each.  Keys are sorted tag tuples.
COMBO_TEMPLATES: dict[tuple[str, ...], list[str]] = {
    ("billing", "refund"): [
        "I was charged twice for order {order}; please refund the second {amount}.",
        "You billed me {amount2} instead of {amount}, so please send back the difference.",
        "My {plan} renewed after I cancelled it and I want that {amount} back.",
        "The promo code didn't work and I paid {amount2} instead of {amount}; can I get the difference refunded?",
        "There's a charge of {amount} on my card that I never agreed to. Refund it please.",
        "You took {amount} for an order I cancelled on {date}. When do I get it back?",
    ],
    ("refund", "shipping"): [
        "The {product} arrived smashed, so I'd like a refund rather than a replacement.",
        "{courier} lost my parcel, so please refund order {order}.",
        "It's been {days} and order {order} never arrived. I want my money back.",
        "Half the order was missing from the box; please refund the {product}.",
    ],
    ("bug", "urgent"): [
        "The app crashes at checkout and I have to order this today!",
        "Our team has been getting an error 500 since this morning, please fix asap.",
        "The payment page is blank on every device we've tried and we need to order now.",
        "The site has been down for an hour and I need to place an order before noon.",
    ],
    ("account", "bug"): [
        "The password reset link says the token expired the moment I click it.",
        "Saving my new email on the profile page gives an error.",
        "The verification code screen freezes after I type the code.",
        "Every time I log in, the app signs me out of my account again.",
    ],
    ("account", "urgent"): [
        "I'm locked out of my account and my order ships tomorrow, please help now.",
        "Someone changed my password and email, please freeze my account immediately!",
    ],
    ("shipping", "urgent"): [
        "The parcel has to arrive by {date} for a wedding and tracking hasn't moved in {days}.",
        "Please stop the delivery of order {order} right now, I entered the wrong address!",
    ],
    ("account", "billing"): [
        "How do I download my invoices from my account page?",
        "I changed the billing address on my profile, but invoices still show the old one.",
        "Please remove my old card from my account, it's still being charged.",
    ],
    ("bug", "feature_request"): [
        "Export to spreadsheet crashes every time; also, could you add PDF export?",
        "The size filter is broken, and it would be nice to filter by colour as well.",
    ],
    ("billing", "bug"): [
        "The checkout showed an error, but my card was still charged {amount}.",
        "The app shows my invoice total as {amount}, but the PDF says {amount2}.",
    ],
    ("account", "feature_request"): [
        "Please let me log in with an authenticator app instead of text codes.",
        "Could you add shared family accounts with separate logins?",
    ],
}
# How many tickets carry each tag set (sorted tuples).  Refund mostly comes with billing, urgent mostly with a bug;
# praise is rare and always alone.
TAG_COMBOS: list[tuple[tuple[str, ...], int]] = [
    (("billing",), 38),
    (("shipping",), 46),
    (("account",), 28),
    (("bug",), 34),
    (("feature_request",), 30),
    (("refund",), 10),
    (("praise",), 12),
    (("billing", "refund"), 40),
    (("refund", "shipping"), 18),
    (("bug", "urgent"), 30),
    (("account", "bug"), 14),
    (("account", "urgent"), 12),
    (("shipping", "urgent"), 14),
    (("account", "billing"), 12),
    (("bug", "feature_request"), 10),
    (("billing", "bug"), 10),
    (("account", "feature_request"), 8),
    (("billing", "refund", "urgent"), 12),
    (("account", "bug", "urgent"), 10),
    (("billing", "bug", "refund"), 6),
    (("refund", "shipping", "urgent"), 6),
    (("billing", "refund", "shipping"), 6),
]
CHANNELS = ["email", "chat", "app"]
EMAIL_GREETINGS = ["Hi,", "Hello,", "Dear Larkfield team,", "Hi there,", "Good morning.", "Hello there!"]
EMAIL_CLOSINGS = ["Thanks,", "Best regards,", "Cheers,", "Kind regards,", "Many thanks,"]
CHAT_GREETINGS = ["hi", "hey", "Hello", "hi there"]
MISSED_TAG_RATE = 0.03
"""Share of multi-tag tickets whose tagger forgot one tag: the labels are as noisy as real ones."""

TAG_SLOTS = COMMON_SLOTS


def _join(parts: list[str], rng: random.Random) -> str:
    """Sentences of one ticket, the later ones sometimes introduced by "Also," and friends."""
    out = [parts[0]]
    for part in parts[1:]:
        roll = rng.random()
        if roll < 0.3:
            part = rng.choice(["Also, ", "And ", "On top of that, ", "Separately, "]) + lower_first(part)
        out.append(part)
    return " ".join(out)


def _ticket_body(tags: tuple[str, ...], rng: random.Random, ctx: Ctx) -> str:
    """The words of one ticket about ``tags`` (before greetings and typing noise)."""
    # A combined template covering some of the tags, when one fits, tells a more natural story.
    combos = [key for key in COMBO_TEMPLATES if all(tag in tags for tag in key)]
    rest = list(tags)
    parts: list[str] = []
    if combos and rng.random() < 0.55:
        key = max(combos, key=len) if rng.random() < 0.7 else rng.choice(combos)
        parts.append(fill(rng.choice(COMBO_TEMPLATES[key]), TAG_SLOTS, rng, ctx))
        rest = [tag for tag in rest if tag not in key]
    for tag in TAG_ORDER:
        if tag in rest:
            parts.append(fill(rng.choice(CLAUSES[tag]), TAG_SLOTS, rng, ctx))
    if rng.random() < 0.1:
        # A topic mentioned in passing, which the tagger rightly left out.
        aside = rng.choice([key for key in ASIDES if key not in tags])
        parts.insert(rng.randrange(len(parts) + 1), fill(rng.choice(ASIDES[aside]), TAG_SLOTS, rng, ctx))
    body = _join(parts, rng)
    if "urgent" in rest:
        if rng.random() < 0.35:
            body = rng.choice(URGENT_PREFIXES) + " " + body
        else:
            body = body + " " + fill(rng.choice(URGENT_SUFFIXES), TAG_SLOTS, rng, ctx)
    elif "urgent" not in tags and "praise" not in tags and rng.random() < 0.07:
        body = body + " " + rng.choice(SOFT_HURRY)
    return body


def _ticket_surface(body: str, tags: tuple[str, ...], channel: str, rng: random.Random) -> str:
    """Greetings, sign-offs, shouting and typing noise, per channel."""
    shouted = "urgent" in tags and rng.random() < 0.18 and word_count(body) <= 25
    if shouted:
        body = body.upper()
    parts: list[str] = []
    if channel == "email":
        greeting = rng.choice(EMAIL_GREETINGS) if rng.random() < 0.7 else ""
        # "Hi, my parcel ..." (one line in a CSV cell); "Hello. My parcel ..." keeps its capital.
        parts.append(f"{greeting} {lower_first(body)}" if greeting.endswith(",") else f"{greeting} {body}".strip())
        if rng.random() < 0.7:
            parts.append(rng.choice(EMAIL_CLOSINGS) + " " + rng.choice(FIRST_NAMES))
    elif channel == "chat":
        parts.append(f"{rng.choice(CHAT_GREETINGS)} {lower_first(body)}" if rng.random() < 0.3 else body)
    else:
        parts.append(body)
    text = " ".join(parts)
    if rng.random() < 0.1:
        text = swap_letters(text, rng)
    if not shouted and rng.random() < {"email": 0.03, "chat": 0.35, "app": 0.15}[channel]:
        text = text.lower()
    if channel != "email" and rng.random() < 0.3:
        text = text.rstrip(".")
    if shouted and rng.random() < 0.5:
        text = text.rstrip(".!") + "!!"
    return text


def _stored_tags(tags: tuple[str, ...], rng: random.Random) -> str:
    """The tags as the tagger wrote them: sorted, joined by "|", now and then one forgotten."""
    kept = list(tags)
    if len(kept) >= 2 and rng.random() < MISSED_TAG_RATE:
        kept.pop(rng.randrange(len(kept)))
        if kept == ["urgent"]:  # urgent about nothing is no tag; the tagger missed the urgency instead
            kept = [tag for tag in tags if tag != "urgent"]
    return "|".join(sorted(kept))


def build_tags(rng: random.Random) -> list[dict[str, str]]:
    """Support tickets (text, tags, channel), shuffled; texts distinct, also ignoring case."""
    seen: dict[str, None] = {}
    rows: list[dict[str, str]] = []
    for tags, count in TAG_COMBOS:
        made = attempts = 0
        while made < count:
            attempts += 1
            if attempts > count * 50:
                raise RuntimeError(f"too few distinct tickets for {tags}; add templates")
            # Round robin first, so every tag set reaches every channel (per-channel metrics need that).
            channel = CHANNELS[made % len(CHANNELS)] if made < len(CHANNELS) else rng.choice(CHANNELS)
            ctx: Ctx = {}
            text = _ticket_surface(_ticket_body(tags, rng, ctx), tags, channel, rng)
            key = text.casefold()
            if key in seen or not MIN_WORDS <= word_count(text) <= MAX_WORDS:
                continue
            seen[key] = None
            rows.append({"text": text, "tags": _stored_tags(tags, rng), "channel": channel})
            made += 1
    rng.shuffle(rows)
    return rows


# =============================================================================================
# 2. Paraphrase pairs (a pair of texts, one label)
# =============================================================================================

# Families of meanings that share vocabulary.  Each meaning lists rewordings that say the same thing (and use the
# same slots); two meanings of one family make a hard negative: many shared words, another meaning.
PAIR_FAMILIES: dict[str, list[list[str]]] = {
    "returns": [
        [
            "Can I return the {product} within 30 days?",
            "Is it possible to send the {product} back if I've had it for less than a month?",
            "Do I have thirty days to return the {product}?",
            "If I change my mind about the {product}, is there a 30-day window to send it back?",
        ],
        [
            "Can I still return the {product} after 30 days?",
            "Is it too late to send back the {product} now that it's been more than a month?",
            "I've had the {product} for over thirty days; will you still take it back?",
        ],
        [
            "Can I exchange the {clothing} for a different size instead of returning it?",
            "Rather than getting a refund, could I swap the {clothing} for another size?",
            "Is a size exchange possible for the {clothing}, so I don't have to return it?",
        ],
        [
            "Who pays for return shipping on the {product}?",
            "Do I have to cover the postage to send the {product} back?",
            "Is sending the {product} back free, or is the return delivery on me?",
        ],
    ],
    "subscription": [
        [
            "How do I cancel my {plan}?",
            "I want to end my {plan}; what are the steps?",
            "What's the way to stop my {plan} for good?",
            "Please tell me how to close my {plan} so it doesn't renew.",
        ],
        [
            "How do I pause my {plan} for a couple of months?",
            "Can I put my {plan} on hold for a while without cancelling it?",
            "Is it possible to freeze my {plan} temporarily?",
        ],
        [
            "How do I upgrade my {plan}?",
            "I'd like to move up to a bigger {plan}; how can I do that?",
            "What do I need to do to switch to a higher tier of my {plan}?",
        ],
        [
            "When does my {plan} renew?",
            "What date will my {plan} be charged again?",
            "When is the next payment for my {plan} due?",
        ],
    ],
    "delivery": [
        [
            "Where is my order {order}?",
            "Can you tell me where order {order} is right now?",
            "I'd like an update on the whereabouts of order {order}.",
            "Any news on where my parcel for order {order} has got to?",
        ],
        [
            "Can I change the delivery address for order {order}?",
            "Is it still possible to send order {order} to a different address?",
            "I need order {order} delivered somewhere else; can the address be updated?",
        ],
        [
            "How long does delivery to {country} take?",
            "If I order today, when would it reach {country}?",
            "What are the usual shipping times to {country}?",
        ],
        [
            "Do you deliver to {country}?",
            "Is {country} one of the countries you ship to?",
            "Can I get an order sent to {country}?",
        ],
        [
            "Can the courier leave the parcel with a neighbour?",
            "Is it okay for the driver to hand my package to the people next door?",
            "If I'm out, may the delivery be left with my neighbour?",
        ],
    ],
    "account": [
        [
            "How do I reset my password?",
            "I forgot my password; how can I set a new one?",
            "What's the process for getting a new password if I've lost mine?",
            "I can't remember my login password, what should I do?",
        ],
        [
            "How do I change the email address on my account?",
            "I want my account to use a different email; how do I update it?",
            "Where can I swap the email my account is registered with?",
        ],
        [
            "How do I delete my account?",
            "I'd like to close my account permanently; how do I do it?",
            "Please explain how to remove my account and everything in it.",
        ],
        [
            "Why is my account locked?",
            "What has caused my account to be blocked?",
            "My account has been frozen; can you tell me the reason?",
        ],
    ],
    "charges": [
        [
            "I was charged twice for order {order}.",
            "Order {order} appears two times on my card statement.",
            "You took the payment for order {order} two times.",
            "My bank shows a duplicate payment for order {order}.",
        ],
        [
            "I was charged the wrong amount for order {order}.",
            "The amount taken for order {order} doesn't match the price at checkout.",
            "You billed me a different total for order {order} than I agreed to.",
        ],
        [
            "When will I be charged for order {order}?",
            "At what point does the payment for order {order} come out of my account?",
            "Is order {order} paid when I place it or when it ships?",
        ],
        [
            "I haven't received the refund for order {order}.",
            "The money for order {order} still hasn't come back to my card.",
            "My refund for order {order} is nowhere to be seen.",
        ],
    ],
    "battery": [
        [
            "The battery of the {gadget} lasts about 20 hours.",
            "You get roughly twenty hours of use from a full charge of the {gadget}.",
            "One charge keeps the {gadget} going for around 20 hours.",
        ],
        [
            "The battery of the {gadget} takes about 20 hours to charge.",
            "Charging the {gadget} from empty to full takes roughly twenty hours.",
            "A full recharge of the {gadget} needs around 20 hours.",
        ],
        [
            "The battery of the {gadget} lasts about 2 hours.",
            "You only get around two hours of use from a full charge of the {gadget}.",
            "The {gadget} runs flat after roughly 2 hours.",
        ],
    ],
    "water": [
        [
            "The {gadget} is waterproof down to 50 metres.",
            "You can take the {gadget} fifty metres underwater without damaging it.",
            "Swimming and diving to 50 m with the {gadget} are fine.",
        ],
        [
            "The {gadget} is only splash resistant, not waterproof.",
            "The {gadget} survives rain but must not go underwater.",
            "Don't swim with the {gadget}; it only copes with splashes.",
        ],
    ],
    "kitchen": [
        [
            "The {cookware} is dishwasher safe.",
            "You can put the {cookware} in the dishwasher.",
            "The dishwasher won't harm the {cookware}.",
            "Cleaning the {cookware} in a dishwasher is fine.",
        ],
        [
            "The {cookware} is not dishwasher safe, so wash it by hand.",
            "Keep the {cookware} out of the dishwasher and clean it by hand.",
            "The dishwasher will damage the {cookware}; hand washing only.",
        ],
        [
            "The lid of the {cookware} is dishwasher safe, but the base is not.",
            "Only the lid of the {cookware} can go in the dishwasher; the base has to be washed by hand.",
        ],
        [
            "The {heater} heats up in under three minutes.",
            "It takes less than three minutes for the {heater} to get hot.",
            "Within three minutes the {heater} is up to temperature.",
        ],
        [
            "The {heater} takes more than three minutes to heat up.",
            "Getting the {heater} hot takes longer than three minutes.",
        ],
    ],
    "fit": [
        [
            "The {clothing} runs small, so order one size up.",
            "The {clothing} is cut tight; pick a size larger than usual.",
            "Go for the next size up in the {clothing}, because it comes up small.",
        ],
        [
            "The {clothing} runs large, so order one size down.",
            "The {clothing} comes up big; choose a size smaller than you normally wear.",
            "Size down in the {clothing}, it's roomier than expected.",
        ],
        [
            "The {clothing} is true to size.",
            "Order your usual size in the {clothing}; it fits as expected.",
            "There's no need to size up or down with the {clothing}.",
        ],
    ],
    "warranty": [
        [
            "The {product} comes with a two-year warranty.",
            "If the {product} breaks within two years, you're covered.",
            "You get a 2-year guarantee with the {product}.",
        ],
        [
            "The warranty on the {product} does not cover accidental damage.",
            "If you drop and break the {product}, the guarantee won't pay for it.",
            "Accidents are excluded from the {product} warranty.",
        ],
    ],
}
# Meanings with two slots of one kind; swapping the two values gives a negative with exactly the same words.
SWAP_MEANINGS: list[list[str]] = [
    [
        "The {gadget} is cheaper than the {gadget2}.",
        "The {gadget2} costs more than the {gadget}.",
        "You pay less for the {gadget} than for the {gadget2}.",
        "The {gadget2} is more expensive than the {gadget}.",
    ],
    [
        "I want to swap the {colour} one for the {colour2} one.",
        "Could I exchange my {colour} one and get a {colour2} one instead?",
        "Please replace the {colour} one I have with a {colour2} one.",
    ],
    [
        "Please send order {order} to my {place} address, not my {place2} one.",
        "Deliver order {order} to the {place} address on my account rather than the {place2} one.",
        "For order {order}, I want the {place} address used instead of the {place2} address.",
    ],
    [
        "The {appliance} is louder than the {appliance2}.",
        "The {appliance2} is quieter than the {appliance}.",
        "The {appliance} makes more noise than the {appliance2}.",
    ],
    [
        "I ordered the {size} size but received the {size2} one.",
        "You sent me a {size2} when I had asked for a {size}.",
        "My order was for a {size}, yet a {size2} arrived.",
    ],
]
SWAPPED_SLOTS = {"gadget": "gadget2", "colour": "colour2", "appliance": "appliance2", "size": "size2", "place": "place2"}
PLACES = ["office", "home", "studio", "holiday"]
PAIR_SLOTS: dict[str, Slot] = {
    **COMMON_SLOTS,
    "gadget": pick(BATTERY_PRODUCTS),
    "gadget2": other(BATTERY_PRODUCTS, "gadget"),
    "appliance": pick(APPLIANCES),
    "appliance2": other(APPLIANCES, "appliance"),
    "cookware": pick(COOKWARE),
    "heater": pick(HEATING_PRODUCTS),
    "colour2": other(COLOURS, "colour"),
    "size": pick(SIZES),
    "size2": other(SIZES, "size"),
    "place": pick(PLACES),
    "place2": other(PLACES, "place"),
}
N_PARAPHRASE = 190
N_DIFFERENT = 210
# Kinds of negative pairs and their shares: another meaning of the same family, the same meaning about another
# product or order, the same words in another order, and (easy) two unrelated sentences.
NEGATIVE_KINDS = [("family", 0.45), ("slot", 0.25), ("swap", 0.15), ("unrelated", 0.15)]
PARAPHRASE = "paraphrase"
DIFFERENT = "different"


def _meanings() -> list[tuple[str, list[str]]]:
    """Every meaning with its family name (``swap`` for :data:`SWAP_MEANINGS`), in a fixed order."""
    out = [(family, meaning) for family, meanings in PAIR_FAMILIES.items() for meaning in meanings]
    out += [("swap", meaning) for meaning in SWAP_MEANINGS]
    for family, meaning in out:
        first = sorted(slots_of(meaning[0]))
        for variant in meaning:
            # Both halves of a paraphrase must talk about the same things, so a meaning's rewordings share slots.
            if sorted(slots_of(variant)) != first:
                raise ValueError(f"{family}: {variant!r} uses other slots than {meaning[0]!r}")
        if family == "swap" and not any(slot in SWAPPED_SLOTS for slot in first):
            raise ValueError(f"{meaning[0]!r} has no two slots to swap")
    return out


def _customer_noise(text: str, rng: random.Random) -> str:
    """Questions are typed by customers: now and then in lower case, or without the question mark."""
    if not text.endswith("?"):
        return text
    roll = rng.random()
    if roll < 0.08:
        return text.lower()
    if roll < 0.14:
        return text.rstrip("?")
    return text


def _same_text(text: str) -> str:
    """What counts as the same sentence: case and a missing full stop or question mark ignored."""
    return text.casefold().rstrip(".?!")


def _positive(meaning: list[str], rng: random.Random) -> tuple[str, str]:
    """Two rewordings of one meaning about the same things."""
    a, b = rng.sample(meaning, 2)
    ctx: Ctx = {}
    return fill(a, PAIR_SLOTS, rng, ctx), fill(b, PAIR_SLOTS, rng, ctx)


def _redrawn(ctx: Ctx, rng: random.Random) -> Ctx | None:
    """``ctx`` with one slot given another value (another product, order or country), or None when none differs."""
    changed = rng.choice([name for name in ctx if name in PAIR_SLOTS])
    for _ in range(20):
        trial = {name: value for name, value in ctx.items() if name != changed}
        value = PAIR_SLOTS[changed](rng, trial)
        if value != ctx[changed] and value not in trial.values():  # "the kettle is louder than the kettle" is no use
            trial[changed] = value
            return trial
    return None


def _negative(kind: str, rng: random.Random) -> tuple[str, str] | None:
    """Two sentences that mean different things, made the ``kind`` way (see :data:`NEGATIVE_KINDS`)."""
    ctx: Ctx = {}
    if kind == "family":  # another meaning with many of the same words
        first, second = rng.sample(PAIR_FAMILIES[rng.choice(list(PAIR_FAMILIES))], 2)
        return fill(rng.choice(first), PAIR_SLOTS, rng, ctx), fill(rng.choice(second), PAIR_SLOTS, rng, ctx)
    if kind == "slot":  # the same meaning about another product, order or country
        meaning = rng.choice([m for m in [*(m for ms in PAIR_FAMILIES.values() for m in ms), *SWAP_MEANINGS]
                              if slots_of(m[0])])
        a, b = rng.sample(meaning, 2) if rng.random() < 0.6 else (meaning[0], meaning[0])
        s1 = fill(a, PAIR_SLOTS, rng, ctx)
        ctx2 = _redrawn(ctx, rng)
        return None if ctx2 is None else (s1, fill(b, PAIR_SLOTS, rng, ctx2))
    if kind == "swap":  # the same words, the roles swapped
        meaning = rng.choice(SWAP_MEANINGS)
        a, b = rng.sample(meaning, 2) if rng.random() < 0.5 else (meaning[0], meaning[0])
        s1 = fill(a, PAIR_SLOTS, rng, ctx)
        swapped = dict(ctx)
        for first, second in SWAPPED_SLOTS.items():
            if first in ctx:
                swapped[first], swapped[second] = ctx[second], ctx[first]
        return s1, fill(b, PAIR_SLOTS, rng, swapped)
    family1, family2 = rng.sample(list(PAIR_FAMILIES), 2)  # unrelated: the easy kind
    first, second = rng.choice(PAIR_FAMILIES[family1]), rng.choice(PAIR_FAMILIES[family2])
    return fill(rng.choice(first), PAIR_SLOTS, rng, ctx), fill(rng.choice(second), PAIR_SLOTS, rng, ctx)


def build_pairs(rng: random.Random) -> list[dict[str, str]]:
    """Sentence pairs (sentence1, sentence2, label), shuffled; no sentence1 is used twice (ignoring case and final
    punctuation), so no first sentence sits in both the training and the test part."""
    meanings = _meanings()
    seen: dict[str, None] = {}
    rows: list[dict[str, str]] = []

    def add(pair: tuple[str, str] | None, label: str) -> bool:
        if pair is None:
            return False
        s1, s2 = pair if rng.random() < 0.5 else pair[::-1]
        s1, s2 = _customer_noise(s1, rng), _customer_noise(s2, rng)
        if _same_text(s1) in seen or _same_text(s1) == _same_text(s2):
            return False
        if not all(MIN_WORDS <= word_count(s) <= MAX_WORDS for s in (s1, s2)):
            return False
        seen[_same_text(s1)] = None
        rows.append({"sentence1": s1, "sentence2": s2, "label": label})
        return True

    attempts = made = 0
    while made < N_PARAPHRASE:
        attempts += 1
        if attempts > N_PARAPHRASE * 50:
            raise RuntimeError("too few distinct paraphrases; add rewordings")
        # Round robin over the meanings, so every one is used about equally.
        made += add(_positive(meanings[attempts % len(meanings)][1], rng), PARAPHRASE)
    kinds = [kind for kind, _share in NEGATIVE_KINDS]
    weights = [share for _kind, share in NEGATIVE_KINDS]
    attempts = made = 0
    while made < N_DIFFERENT:
        attempts += 1
        if attempts > N_DIFFERENT * 50:
            raise RuntimeError("too few distinct negative pairs; add meanings")
        made += add(_negative(rng.choices(kinds, weights=weights)[0], rng), DIFFERENT)
    rng.shuffle(rows)
    return rows


# =============================================================================================
# 3. Review scores (regression)
# =============================================================================================

REVIEW_PRODUCTS = {"audio": AUDIO_PRODUCTS, "wearable": WEARABLE_PRODUCTS, "kitchen": HEATING_PRODUCTS,
                   "clothing": CLOTHING_PRODUCTS, "home": HOME_PRODUCTS}
# Sentences by how positive they are, -2 (furious) … +2 (delighted).  {product} is the product reviewed.
OPENERS: dict[int, list[str]] = {
    2: ["Absolutely love this {product}.", "Best purchase I've made all year.", "This {product} is brilliant.",
        "Could not be happier with the {product}.", "Wow, just wow.", "An outstanding {product}."],
    1: ["Really pleased with the {product}.", "Good {product}, happy overall.", "Nice {product}, does the job well.",
        "Pleasantly surprised by this one.", "A solid choice."],
    0: ["The {product} is okay.", "Mixed feelings about the {product}.", "It's fine, nothing special.",
        "Some good, some bad.", "Not bad, not great.", "Hard to rate this {product}."],
    -1: ["Bit disappointed with the {product}.", "Not what I hoped for.", "Expected more from the {product}.",
         "Meh.", "Underwhelming, to be honest."],
    -2: ["Complete waste of money.", "Avoid this {product}.", "Absolutely awful.",
         "Worst purchase I have made in years.", "Oh great, another {product} that broke in a week.",
         "Fantastic, if you enjoy being ripped off."],
}
ASPECTS: dict[str, dict[int, list[str]]] = {
    "any": {
        2: ["Arrived a day early and beautifully packed.", "Worth every penny.",
            "Customer service answered my question within minutes.", "Feels far more expensive than it was.",
            "The quality is excellent for the price."],
        1: ["Delivery was quick.", "Good value for the money.", "Exactly as described.",
            "It arrived well protected.", "It looks nicer in person."],
        0: ["Delivery took about a week, as promised.", "The price is about what you'd expect.",
            "Packaging was basic but did the job.", "It looks exactly like the photos.",
            "It arrived on the expected day."],
        -1: ["Delivery took longer than quoted.", "A bit overpriced for what you get.",
             "Not quite as described.", "It feels cheaper than it looks online.",
             "The box was dented when it arrived."],
        -2: ["It arrived broken and nobody answered my emails.", "Customer service was useless.",
             "Massively overpriced for the quality.", "It stopped working after {days}.",
             "It was clearly used before, with scratches all over."],
    },
    "audio": {
        2: ["The sound is rich and clear even at full volume.", "The bass is deep without drowning the vocals.",
            "It pairs with my phone instantly every time."],
        1: ["Battery life is decent.", "Sound is good for the size.", "Setup took five minutes."],
        0: ["Battery lasts about a day, as advertised.", "Sound is fine for podcasts, less so for music."],
        -1: ["The battery drains faster than advertised.", "Bluetooth drops out now and then.",
             "The sound gets harsh when you turn it up."],
        -2: ["It won't hold a charge anymore.", "The sound cuts out every ten minutes.",
             "Constant connection drops make it unusable."],
    },
    "wearable": {
        2: ["The battery easily lasts a whole week.", "Step and heart-rate tracking are spot on.",
            "So light I forget I'm wearing it."],
        1: ["The strap is comfortable.", "The app is simple to use.", "Battery lasts three days or so."],
        0: ["Tracking is roughly right.", "The strap is fine but a bit plain."],
        -1: ["The app is clunky.", "It counts steps when I'm sitting on the bus.", "The screen is hard to read outside.",
             "The instructions were confusing."],
        -2: ["The strap snapped within a week.", "It won't sync with my phone at all.",
             "The screen cracked on the second day."],
    },
    "kitchen": {
        2: ["It heats up in no time and cleans in seconds.", "It cooks evenly every single time."],
        1: ["Easy to clean.", "It heats up quickly.", "It feels solid and well balanced."],
        0: ["It does the basic job, nothing more.", "A bit loud, but it works."],
        -1: ["The handle gets hot.", "Hard to clean around the edges.", "Louder than I expected."],
        -2: ["It started leaking after two uses.", "The coating peeled off within a month.",
             "It smells of burning plastic every time."],
    },
    "clothing": {
        2: ["It fits perfectly and the fabric feels lovely.", "Washes well and keeps its shape.",
            "I get compliments every time I wear it."],
        1: ["True to size.", "Comfortable all day.", "The colour is exactly as shown."],
        0: ["Sizing is a little off, but it's wearable.", "The colour is slightly different from the photos."],
        -1: ["It runs a size small.", "The colour is duller than the photos.", "The fabric is a little scratchy."],
        -2: ["The seams split the second time I wore it.", "It fell apart after one wash.",
             "It shrank two sizes in the first wash."],
    },
    "home": {
        2: ["It makes the whole room feel cosier.", "Looks stunning in our living room.",
            "The quality is far better than I expected."],
        1: ["Looks nice and feels sturdy.", "Soft and well made.", "It was easy to put together."],
        0: ["It looks fine in the room.", "Quality is about average."],
        -1: ["Thinner than I expected.", "The colour is a bit off.", "It wobbles slightly.",
             "The assembly instructions were confusing."],
        -2: ["It arrived stained and smelling of chemicals.", "Flat and lumpy after a week.",
             "It fell apart while I was putting it together."],
    },
}
CLOSERS: dict[int, list[str]] = {
    2: ["Would buy again in a heartbeat.", "Highly recommend!", "Already ordered a second one."],
    1: ["Would recommend.", "Happy with it overall.", "Good value."],
    0: ["It'll do for now.", "Might suit someone with lower expectations.", "Not sure I'd buy it again."],
    -1: ["Probably won't buy again.", "Can't really recommend it.", "Would not buy again at this price."],
    -2: ["Returning it tomorrow.", "Never again.", "Save your money.", "Zero stars if I could."],
}
TOPICS: dict[str, tuple[str, ...]] = {
    "delivery": ("deliver", "arrived", "packed", "packaging", "box"),
    "price": ("price", "penny", "value", "expensive", "overpriced", "cheaper"),
    "battery": ("battery", "charge"),
    "sound": ("sound", "bass"),
    "app": ("app", "sync", "pairs", "setup"),
    "looks": ("looks", "colour", "photos", "stunning"),
    "fit": ("size", "fits", "shrank"),
    "heat": ("heats", "cooks", "hot"),
    "clean": ("clean",),
    "quality": ("quality", "well made", "sturdy", "fell apart"),
    "assembly": ("put together", "assembly"),
    "service": ("service", "emails", "answered"),
}
"""What an aspect sentence is about; a review never says two things about one topic ("lasts a week … lasts three
days")."""
TIER_WEIGHTS = {-2: 14, -1: 18, 0: 24, 1: 25, 2: 19}
"""How positive a review is overall, before its sentences vary around it (a mild positive lean, like real shops)."""
N_REVIEWS = 400
SCORE_SPREAD = 11
"""Tenths of a point per step of polarity: a wholly delighted review (+2) sits near 4.7, a furious one near 0.3."""
OPENER_WEIGHT = CLOSER_WEIGHT = 2
"""The first and last sentence sway readers more than the details in between."""
REVIEW_SLOTS: dict[str, Slot] = {"days": pick(["two days", "a week", "ten days", "a month", "three weeks"])}


def _clamp(value: int, low: int = -2, high: int = 2) -> int:
    return max(low, min(high, value))


def _topics(sentence: str) -> list[str]:
    lowered = sentence.casefold()
    # Words are matched from their start ("deliver" finds "delivery"), not inside others ("hot" is not in "photos").
    return [topic for topic, words in TOPICS.items() if any(re.search(rf"\b{re.escape(word)}", lowered) for word in words)]


def _review(rng: random.Random) -> tuple[str, int]:
    """One review and its true score in tenths (0–50) before the raters' noise."""
    tier = rng.choices(list(TIER_WEIGHTS), weights=list(TIER_WEIGHTS.values()))[0]
    category = rng.choice(list(REVIEW_PRODUCTS))
    ctx: Ctx = {"product": rng.choice(REVIEW_PRODUCTS[category])}
    sentences: list[tuple[str, int, int]] = []  # (text, polarity, weight)
    if rng.random() < 0.85:
        p = _clamp(tier + rng.choice([0, 0, 0, 1, -1]))
        sentences.append((rng.choice(OPENERS[p]), p, OPENER_WEIGHT))
    for _ in range(rng.choice([1, 2, 2, 3])):
        # Mixed reviews praise one thing and criticise another.
        p = rng.choice([-2, -1, 1, 2, 0]) if tier == 0 else _clamp(tier + rng.choice([-1, 0, 0, 1]))
        pool = ASPECTS[rng.choice(["any", category, category])].get(p) or ASPECTS["any"][p]
        sentence = rng.choice(pool)
        if any(topic in _topics(s) for s, _p, _w in sentences for topic in _topics(sentence)):
            continue
        sentences.append((sentence, p, 1))
    if rng.random() < 0.6:
        p = _clamp(tier + rng.choice([0, 0, 1, -1]))
        sentences.append((rng.choice(CLOSERS[p]), p, CLOSER_WEIGHT))
    texts: list[str] = []
    previous = None
    for sentence, p, _weight in sentences:
        # "But" where the tone turns, as people write it.
        if previous is not None and p * previous < 0 and rng.random() < 0.6:
            sentence = rng.choice(["But ", "However, ", "That said, "]) + lower_first(sentence)
        texts.append(fill(sentence, REVIEW_SLOTS, rng, ctx))  # ctx holds the {product} reviewed
        previous = p if p else previous
    total = sum(p * w for _s, p, w in sentences)
    weight = sum(w for _s, _p, w in sentences)
    # Integer arithmetic throughout (no float rounding that could differ between machines).
    return " ".join(texts), 25 + (2 * SCORE_SPREAD * total + weight) // (2 * weight)


def _rated(true_tenths: int, rng: random.Random) -> str:
    """The average of 3–7 raters' whole-star ratings (0–5) as text with one decimal: "3.4"."""
    taste = rng.randint(-5, 5)  # what the words don't show (photos, the rater pool): the same for every rater
    ratings = []
    for _ in range(rng.randint(3, 7)):
        tenths = true_tenths + taste + rng.randint(-8, 8) + rng.randint(-8, 8)
        ratings.append(max(0, min(5, (tenths + 5) // 10)))
    n = len(ratings)
    mean_tenths = (20 * sum(ratings) + n) // (2 * n)  # 10 * mean, rounded half up
    return f"{mean_tenths // 10}.{mean_tenths % 10}"


def build_scores(rng: random.Random) -> list[dict[str, str]]:
    """Product reviews (text, score), in the order written; texts distinct, also ignoring case."""
    seen: dict[str, None] = {}
    rows: list[dict[str, str]] = []
    attempts = 0
    while len(rows) < N_REVIEWS:
        attempts += 1
        if attempts > N_REVIEWS * 50:
            raise RuntimeError("too few distinct reviews; add sentences")
        text, true_tenths = _review(rng)
        if rng.random() < 0.06:
            text = swap_letters(text, rng)
        if rng.random() < 0.08:
            text = text.lower()
        key = text.casefold()
        if key in seen or not MIN_WORDS <= word_count(text) <= MAX_WORDS:
            continue
        seen[key] = None
        rows.append({"text": text, "score": _rated(true_tenths, rng)})
    return rows


# =============================================================================================
# Output
# =============================================================================================


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write the CSVs into")
    out: Path = parser.parse_args(argv).out
    datasets = [
        (TAGS_FILE, ["text", "tags", "channel"], build_tags(random.Random(TAGS_SEED))),
        (PAIRS_FILE, ["sentence1", "sentence2", "label"], build_pairs(random.Random(PAIRS_SEED))),
        (SCORES_FILE, ["text", "score"], build_scores(random.Random(SCORES_SEED))),
    ]
    for name, fieldnames, rows in datasets:
        write_csv(out / name, fieldnames, rows)
        print(f"wrote {len(rows)} rows to {out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
