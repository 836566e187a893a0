"""Generate Tuneboard's two built-in demo datasets.

Usage::

    python tools/make_examples.py              # rewrites core/data/example_data/*.csv
    python tools/make_examples.py --out DIR    # writes the same files into DIR

Every template, product, company and person name below was written for Tuneboard; nothing
is copied from an existing dataset.  The output is fully deterministic: each dataset has its
own seeded ``random.Random`` and nothing iterates over a ``set`` (whose order changes with
hash randomisation), so re-running the script reproduces the committed CSVs byte for byte.
``tests/unit/test_examples.py`` checks exactly that.

Realism comes from three layers: many hand-written templates per class, slot values drawn
from small hand-written vocabularies, and "surface" noise (greetings, sign-offs, typos,
lower-case chat, shouting, emoji).  Some templates deliberately overlap neighbouring
classes (an angry message asking for money back, a cancellation that mentions a refund, a
headline whose only signal is a pair of numbers) so a classifier can learn the task but
does not score a perfect, unrealistic 100 %.
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

SUPPORT_FILE = "support_intents.csv"
FINANCE_FILE = "finance_sentiment.csv"

# Separate seeds so that editing one dataset's templates does not reshuffle the other one.
SUPPORT_SEED = 7_2024_01
FINANCE_SEED = 7_2024_02

MIN_WORDS = 3
MAX_WORDS = 60

Slots = dict[str, Callable[[random.Random, dict[str, str]], str]]

_SLOT_RE = re.compile(r"\{(\w+)\}")


def fill(
    template: str,
    slots: Slots,
    rng: random.Random,
    ctx: dict[str, str] | None = None,
) -> str:
    """Replace every ``{name}`` in *template* with a value from ``slots[name]``.

    A per-message context dict is passed to the slot functions so that a slot used twice
    (``{order}`` ... ``{order}``) gets the same value, and so that paired slots
    (``{amount}`` / ``{amount2}``, ``{tech}`` / ``{tech2}``) can stay consistent.  Pass
    the same *ctx* when filling several pieces of one message (body and an added
    sentence) so they do not mention two different order numbers.

    A value that starts a sentence gets a capital letter ("The courier says ...").
    """
    if ctx is None:
        ctx = {}

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


def _other(values: Sequence[str], slot: str) -> Callable[[random.Random, dict[str, str]], str]:
    """A slot function that picks from *values* but never repeats ``ctx[slot]``."""

    def _pick(rng: random.Random, ctx: dict[str, str]) -> str:
        return rng.choice([v for v in values if v != ctx.get(slot)])

    return _pick


def pick(values: Sequence[str]) -> Callable[[random.Random, dict[str, str]], str]:
    """A slot function that picks uniformly from *values*."""
    return lambda rng, _ctx: rng.choice(values)


def word_count(text: str) -> int:
    return len(text.split())


# =============================================================================================
# Customer-support intents
# =============================================================================================

KITCHEN_PRODUCTS = [
    "AeroBrew kettle",
    "Copperline frying pan",
    "Mistral blender",
    "BrewNest coffee grinder",
    "Fjord cast-iron pot",
    "Pantrio storage jars",
    "Sizzle Pro air fryer",
    "Oakhaven chopping board",
]
TECH_PRODUCTS = [
    "Nimbus wireless earbuds",
    "Pulse smartwatch",
    "VoltDock charging stand",
    "Orbit bluetooth speaker",
    "Lumen desk lamp",
    "Echoline headphones",
    "SnapCam webcam",
    "Drift fitness tracker",
]
CLOTHING_PRODUCTS = [
    "TrailLite rain jacket",
    "Harbor wool sweater",
    "Summit hiking boots",
    "CozyKnit hoodie",
    "Breeze linen shirt",
    "Northline puffer coat",
    "Strider running shoes",
    "Canvas tote bag",
]
HOME_PRODUCTS = [
    "CozyKnit throw blanket",
    "Willow bedside table",
    "DreamCloud pillow",
    "Aster floor rug",
    "Hearth scented candle set",
    "Linden bath towels",
    "Halo mirror",
    "Meadow duvet cover",
    "Birchwood bookshelf",
    "Nook writing desk",
]
# Sub-lists keep questions sensible: nobody asks how many watts a chopping board has.
ELECTRIC_KITCHEN = [
    "AeroBrew kettle",
    "Mistral blender",
    "BrewNest coffee grinder",
    "Sizzle Pro air fryer",
]
COOKWARE = ["Copperline frying pan", "Fjord cast-iron pot", "AeroBrew kettle"]
PORTABLE_TECH = [
    "Nimbus wireless earbuds",
    "Pulse smartwatch",
    "Orbit bluetooth speaker",
    "Echoline headphones",
    "Drift fitness tracker",
]
AUDIO = ["Nimbus wireless earbuds", "Echoline headphones"]
WEARABLES = [p for p in CLOTHING_PRODUCTS if p != "Canvas tote bag"]
OUTERWEAR = ["TrailLite rain jacket", "Northline puffer coat", "Summit hiking boots"]
TEXTILES = [
    "CozyKnit throw blanket",
    "DreamCloud pillow",
    "Aster floor rug",
    "Linden bath towels",
    "Meadow duvet cover",
]
FURNITURE = [
    "Willow bedside table",
    "Halo mirror",
    "Birchwood bookshelf",
    "Nook writing desk",
]
ALL_PRODUCTS = KITCHEN_PRODUCTS + TECH_PRODUCTS + CLOTHING_PRODUCTS + HOME_PRODUCTS

FIRST_NAMES = [
    "Maria",
    "Sam",
    "Priya",
    "Tom",
    "Aisha",
    "Jonas",
    "Keiko",
    "Liam",
    "Fatima",
    "Daniel",
    "Chloe",
    "Mateo",
    "Olu",
    "Hannah",
    "Ravi",
    "Sofia",
    "Ben",
    "Ingrid",
    "Marcus",
    "Yuki",
    "Grace",
    "Tariq",
    "Elena",
    "Owen",
]
CITIES = [
    "Leeds",
    "Austin",
    "Lyon",
    "Manila",
    "Toronto",
    "Porto",
    "Denver",
    "Cork",
    "Perth",
    "Bristol",
    "Nairobi",
    "Kraków",
]
STREETS = [
    "Maple Street",
    "Station Road",
    "Elm Avenue",
    "Harbour Lane",
    "Kingfisher Close",
    "Orchard Way",
    "Mill Road",
    "Cedar Drive",
    "Church Lane",
    "Park Crescent",
]
COURIERS = ["UPS", "DHL", "FedEx", "USPS", "Royal Mail", "the courier", "Evri", "DPD"]
WEEKDAYS = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
PAY_METHODS = [
    "my Visa",
    "my Mastercard",
    "PayPal",
    "my debit card",
    "my credit card",
    "Apple Pay",
    "my Amex",
    "Google Pay",
]
COLOURS = ["blue", "black", "green", "grey", "red", "beige", "navy", "white"]


def _order(rng: random.Random, _ctx: dict[str, str]) -> str:
    # Real shops expose several formats (web, app, legacy), and customers copy them loosely.
    style = rng.randrange(5)
    if style == 0:
        return f"#{rng.randint(100000, 999999)}"
    if style == 1:
        return f"TB-{rng.randint(1000000, 9999999)}"
    if style == 2:
        return f"{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
    if style == 3:
        return f"#TB{rng.randint(10000, 99999)}"
    return str(rng.randint(10000000, 99999999))


def _amount(rng: random.Random, _ctx: dict[str, str]) -> str:
    return f"${rng.randint(9, 240)}.{rng.choice(['99', '00', '50', '95', '49'])}"


def _amount2(rng: random.Random, ctx: dict[str, str]) -> str:
    # Always larger than {amount}: used for "charged X but total was Y" / "refunded X of Y".
    base = float(ctx.get("amount", "$20.00").lstrip("$"))
    return f"${base + rng.randint(5, 90):.2f}"


def _date(rng: random.Random, _ctx: dict[str, str]) -> str:
    style = rng.randrange(4)
    if style == 0:
        return rng.choice(WEEKDAYS)
    if style == 1:
        return f"last {rng.choice(WEEKDAYS)}"
    if style == 2:
        return f"{rng.choice(MONTHS)} {rng.randint(1, 28)}"
    day = rng.randint(1, 28)
    suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(day, "th")
    return f"the {day}{suffix}"


def _email(rng: random.Random, _ctx: dict[str, str]) -> str:
    name = rng.choice(FIRST_NAMES).lower()
    return f"{name}{rng.choice(['', '.', '_'])}{rng.randint(1, 99)}@example.com"


SUPPORT_SLOTS: Slots = {
    "order": _order,
    "amount": _amount,
    "amount2": _amount2,
    "date": _date,
    "email": _email,
    "product": pick(ALL_PRODUCTS),
    "kitchen": pick(KITCHEN_PRODUCTS),
    "tech": pick(TECH_PRODUCTS),
    "tech2": _other(TECH_PRODUCTS, "tech"),
    "electric": pick(ELECTRIC_KITCHEN),
    "cookware": pick(COOKWARE),
    "portable": pick(PORTABLE_TECH),
    "audio": pick(AUDIO),
    "wear": pick(WEARABLES),
    "outerwear": pick(OUTERWEAR),
    "textile": pick(TEXTILES),
    "furniture": pick(FURNITURE),
    "clothing": pick(CLOTHING_PRODUCTS),
    "home": pick(HOME_PRODUCTS),
    "days": lambda rng, _c: str(rng.randint(3, 21)),
    "weeks": lambda rng, _c: rng.choice(["two", "three", "2", "3", "four"]),
    "minutes": lambda rng, _c: str(rng.choice([10, 15, 20, 25, 40, 45, 50, 90])),
    "n": lambda rng, _c: str(rng.randint(2, 48)),
    "courier": pick(COURIERS),
    "city": pick(CITIES),
    "street": pick(STREETS),
    "house": lambda rng, _c: str(rng.randint(2, 240)),
    "house2": lambda rng, _c: str(rng.randint(2, 240)),
    "apt": lambda rng, _c: f"{rng.choice(['Apt', 'Flat', 'Unit', 'apt'])} {rng.randint(1, 60)}",
    "postcode": lambda rng, _c: f"{rng.randint(10000, 99999)}",
    "pay": pick(PAY_METHODS),
    "last4": lambda rng, _c: f"{rng.randint(0, 9999):04d}",
    "case": lambda rng, _c: f"{rng.choice(['CS', 'case ', 'ticket #', 'ref '])}{rng.randint(20000, 89999)}",
    "code": lambda rng, _c: (
        rng.choice(["WELCOME", "SPRING", "SAVE", "FRIEND", "VIP", "BDAY"]) + str(rng.choice([10, 15, 20, 25]))
    ),
    "colour": pick(COLOURS),
    # "I'm usually a {size_a}" and "in {size_in}" need differently worded sizes.
    "size_a": pick(["small", "medium", "large", "size 10", "size 8", "42", "UK 7", "EU 38"]),
    "size_in": pick(["XL", "size S", "a medium", "EU 38", "a 42", "large", "extra small"]),
    "name": pick(FIRST_NAMES),
}

# Each intent: a list of templates.  Templates marked "# overlap" intentionally borrow the
# vocabulary of a neighbouring intent, because real customers mix concerns in one message.
SUPPORT_TEMPLATES: dict[str, list[str]] = {
    "refund": [
        "I bought the {product} on {date} as a present, but it arrived with a cracked casing and the box was clearly opened before. I sent it back with the prepaid label and {courier} confirmed delivery to your warehouse. Could you please process my refund of {amount} to {pay}?",
        "So I returned the {wear} because the size was wrong, and your email on {date} said the return was accepted. My bank still shows nothing. I don't want a voucher, I want the {amount} back on my card please.",
        "I returned the {product} {days} days ago and still haven't received my refund. Order {order}.",
        "How long does a refund usually take to show up on {pay}?",
        "Can I get my money back for the {product}? It arrived broken.",
        "I sent back order {order} on {date} and tracking says you got it. Where is my refund?",
        "refund for {order} please, item doesnt fit",
        "I'd like a refund for the {clothing}, it's not what I expected at all.",
        "You said the refund of {amount} was processed but there's nothing in my account yet.",
        "Do I get the shipping cost refunded too or only the item?",
        "The {tech} stopped working after a week. I want a full refund, not a replacement.",
        "Please refund the {amount} for the missing item in order {order}.",
        "Is it possible to get store credit instead of a refund for the {home}?",
        "Return label printed and parcel dropped off on {date}. When will I see the {amount} back?",
        "How do I request a refund in the app? I can't find the option anywhere.",
        "got a partial refund of {amount} but i paid {amount2}, where is the rest?",
        "Your agent promised me a refund last week and I'm still waiting. {case}.",
        "the {electric} was damaged in transit, i just need my money back",
        "Can you send the refund to a different card? The old one ending {last4} is closed.",
        "My refund was rejected and I don't understand why, the {product} was never used.",
        "I returned 2 of the 3 items from {order}, please refund those two.",
        "refund status for return {case}?",
        "I want to return the {product} and get a refund. What's the process?",
        "It's been {days} business days since you confirmed my return and no refund yet.",
        "Still no refund for the {product} I sent back. Can someone check please?",
        "Your returns page says refunds take 5 days, it's been {weeks} weeks.",
        "Wrong item delivered in {order}. I don't want an exchange, just refund me.",
        "I'd like my money back for the {home}, the colour is totally different from the photos.",
        "Do refunds go back to the original payment method? I paid with {pay}.",
        "The refund amount is wrong, I was only credited {amount} instead of {amount2}.",
        "Can I return an opened {tech} for a refund within 30 days?",
        "Need a refund asap, the {electric} leaks from the bottom",
        # overlap: complaint vocabulary, but the ask is money back
        "This is ridiculous, {days} days and still no refund for a broken {product}. Just give me my money back.",
        # overlap: billing vocabulary
        "I was charged for the {product} even after I returned it, please refund the charge.",
        # overlap: cancel_order vocabulary
        "I cancelled order {order} before it shipped, will the money go back to my card automatically?",
    ],
    "order_status": [
        "I ordered the {product} on {date} with next day delivery, paid extra for it, and the tracking has said 'label created' ever since. I need it for a trip this weekend. Can you find out where it actually is? Order {order}.",
        "Hello, my parents are waiting for a parcel I ordered for them, order {order}. The {courier} page shows it left the hub in {city} {days} days ago and then nothing. Is it lost or just slow?",
        "Where is my order {order}?",
        "My package was supposed to arrive on {date} and it's still not here.",
        "Tracking hasn't updated in {days} days for order {order}, is it lost?",
        "Has my {product} shipped yet?",
        "When will order {order} be delivered?",
        "tracking says delivered but there is nothing at my door",
        "Can I get an update on my order please? I placed it on {date}.",
        "The app has shown 'processing' for {days} days now, what's going on with {order}?",
        "Is my order going to arrive before {date}? It's a birthday present.",
        "I only got part of order {order}, is the rest coming separately?",
        "order status {order}",
        "just checking if my order went out yet",
        "The tracking number you sent me doesn't work on the {courier} website.",
        "{courier} says my parcel is held at the depot, what happens now?",
        "Why has my estimated delivery date been pushed back again?",
        "Still waiting for my {product}, it's been {days} days since I ordered.",
        "Could you check whether order {order} has left the warehouse yet?",
        "My order has said 'out for delivery' since yesterday morning. Is that normal?",
        "no tracking info yet for {order}??",
        "How long does standard shipping take? I ordered the {product} on {date}.",
        "Ordered the {clothing} {days} days ago, no dispatch email so far.",
        "Tracking shows my parcel went back to the sender. Why?",
        "Is there any delay with {courier} at the moment? My order {order} hasn't moved.",
        "when is my stuff arriving",
        "My {tech} was meant to come with express delivery, where is it?",
        "The parcel says delivered to a neighbour but I don't know which one. Order {order}.",
        "Could you tell me the expected delivery date for {order}?",
        "Is my order stuck in customs? It's been in {city} for {days} days.",
        # overlap: product_question (stock)
        "My order is on backorder, any idea when the {product} will actually ship?",
        # overlap: billing
        "Did my order go through? I was charged on {pay} but got no confirmation email.",
        # overlap: complaint tone
        "Third time asking now, where is order {order}? This is getting silly.",
    ],
    "cancel_order": [
        "I placed order {order} late last night and I've just realised I picked the wrong model, I wanted the {tech2} and not the {tech}. It hasn't shipped yet according to the app, so please cancel the whole order and I'll place a new one.",
        "My plans changed and I won't be at this address when the {home} arrives, so I'd rather cancel order {order} completely than have it sent back. Is that possible at this stage, and will the payment be released?",
        "Please cancel order {order}.",
        "I ordered the {product} by mistake, can I cancel it?",
        "How do I cancel an order in the app?",
        "cancel my order pls, found it cheaper somewhere else",
        "I placed order {order} {minutes} minutes ago and I'd like to cancel it before it ships.",
        "Can I cancel just the {product} and keep the rest of the order?",
        "Is it too late to cancel {order}? It says preparing for dispatch.",
        "Stop my order {order}, I don't need it anymore.",
        "The cancel button is greyed out. How do I cancel?",
        "I changed my mind about the {home}. Cancel please.",
        "Selected the wrong size for the {wear}, can you cancel the order so I can reorder?",
        "Please cancel everything on {order} except the {product}.",
        "I tried to cancel but the app crashed. Is my order cancelled or not?",
        "Cancel order {order}. Reason: ordered the wrong colour.",
        "Hi, can you confirm order {order} is cancelled? I never got an email.",
        "I want to cancel my order, I ordered the {product} twice by accident.",
        "need to cancel {order} asap!",
        "Can I still cancel if the order status says shipped?",
        "Please don't send order {order}, I have to cancel it.",
        "I'd like to cancel the pre-order for the {tech}.",
        "How long do I have to cancel an order after placing it?",
        "Cancel the {kitchen} from my last order please, I'll buy a different one.",
        "my husband already bought the same {product}, can we cancel ours?",
        "Wanted to cancel {order} but the website says it can't be changed. Help?",
        "I no longer need the {home}, please cancel before it leaves the warehouse.",
        "Is there a cancellation fee if I cancel order {order} today?",
        # overlap: refund
        "Can you cancel and refund order {order}? It hasn't shipped yet.",
        # overlap: order_status
        "Delivery date is now {date}, that's too late for me. Please cancel the order.",
        # overlap: billing
        "Will I still be charged if I cancel my order now?",
        # overlap: account_access
        "Someone used my account to place order {order}, cancel it right away please.",
    ],
    "account_access": [
        "I've been trying to log in since {date}. I reset my password three times, each time the link works, I set a new password, and then the login page says the password is incorrect. I'm using the same email {email}. What am I doing wrong?",
        "I got a new phone and now the app asks for a verification code that gets sent to my old number, which I don't have anymore. I can't get past the login screen. How can I prove it's my account and change the number?",
        "I can't log in to my account.",
        "The password reset email never arrives.",
        "My account is locked after too many login attempts.",
        "I forgot which email I used to sign up, can you help?",
        "The verification code isn't coming through to my phone.",
        "Can't sign in with Google anymore, it says the account doesn't exist.",
        "Someone changed my password, I think my account was hacked.",
        "How do I change the email address on my account to {email}?",
        "the app keeps logging me out every few minutes",
        "My two-factor code is rejected every single time.",
        "Please delete my account and all my data.",
        "The reset link says it has expired, I've tried {n} times.",
        "Why does my account say suspended?",
        "I accidentally made two accounts, can you merge them?",
        "Since the update I can't log into the app, just a blank screen.",
        "I got an email about a new login from {city}, that wasn't me!",
        "login not working",
        "The app says {email} is already registered but I don't remember making an account.",
        "I changed my phone number and now I can't receive the login code.",
        "It keeps saying wrong password even though I just reset it.",
        "How do I turn off two-step verification?",
        "Can't access my account since I changed my name, please help.",
        "My old email {email} no longer works, how do I get into my account?",
        "Sign in page just spins forever on the website.",
        "Where do I change my password in the app?",
        "face ID login stopped working after the last app update",
        "I keep getting 'session expired' when I try to sign in.",
        # overlap: order_status
        "I can't log in so I can't see my order {order}. How do I get back in?",
        # overlap: billing
        "Locked out of my account and I need to update my card before the next payment.",
        # overlap: complaint tone
        "This is the third password reset this month, your login system is a mess. Still can't get in.",
    ],
    "shipping_address": [
        "I've just moved house and forgot to update my details before ordering. Order {order} is going to my old flat, which is now empty. The new address is {house} {street}, {city}. Could you change it before the parcel goes out?",
        "Quick one: the address on order {order} is correct but the courier always gets lost because the entrance is on the side street. Can you add a note to the delivery address saying 'side door, {street}'? Or update it so the driver sees it?",
        "I need to change the delivery address for order {order}.",
        "I've moved, please send my order to {house} {street}, {city} instead.",
        "I typed the wrong postcode on my order, it should be {postcode}.",
        "Can I ship to a different address than my billing address?",
        "Can my parcel be delivered to my office instead of home?",
        "There's a typo in my street name on {order}, it should be {street}.",
        "How do I update my default address in the app?",
        "Please add {apt} to the address on order {order}, the courier won't find me otherwise.",
        "Can I have it sent to a pickup point instead of my home address?",
        "Can I change the address after the order has shipped?",
        "wrong address on my order!! it's {house} {street} not {house2} {street}",
        "My address changed last week, can you update it for order {order}?",
        "I'll be away on {date}, can you send the {product} to my parents' address?",
        "The app won't let me save a new address, it keeps saying invalid.",
        "Can you deliver to a PO box?",
        "I put my old address by accident. New one: {house} {street}, {postcode} {city}.",
        "Is it possible to redirect the parcel to {city}? I'm staying there this month.",
        "please update delivery address to {apt}, {house} {street}",
        "The checkout auto-filled my old address. Order {order} needs to go to {street}.",
        "How do I add a second delivery address to my account?",
        "Could you ship the {home} to my work address? Same city, {street}.",
        "Can I send this order as a gift to a friend's address?",
        "Need to fix the house number on {order}, it's {house} not {house2}.",
        "address on my order is missing the flat number, can you add it",
        "Do you allow delivery to a different country than my billing address?",
        # overlap: order_status
        "{courier} says address not found for {order}. The right address is {house} {street}.",
        # overlap: cancel_order
        "If I can't change the address on {order}, should I cancel it and reorder?",
        # overlap: account_access
        "I can't remove an old address from my account, it keeps coming back at checkout.",
    ],
    "product_question": [
        "I'm thinking about buying the {cookware} but I have a small kitchen and an older induction hob. Could you tell me how big it is, whether it works on induction, and if it's easy to clean by hand? The listing doesn't say.",
        "Before I order: does the {outerwear} come in a longer fit? I'm quite tall and jackets are always short in the arms on me. Also, is the {colour} one the same material as the black one or different?",
        "Is the {cookware} dishwasher safe?",
        "What size {wear} should I get? I'm usually a {size_a}.",
        "Does the {portable} come with a charger?",
        "Is the {portable} compatible with iPhone?",
        "When will the {product} be back in stock?",
        "What's the difference between the {tech} and the {tech2}?",
        "Does the {wear} come in {colour}?",
        "What are the dimensions of the {home}?",
        "Is there a warranty on the {product}?",
        "Is the {portable} waterproof or just water resistant?",
        "how many watts is the {electric}",
        "Are batteries included with the {tech}?",
        "can u use the {cookware} on an induction hob",
        "Is the {wear} true to size or does it run small?",
        "What material is the {home} made of?",
        "Does the {portable} work with Android?",
        "Can the {textile} be machine washed?",
        "How long does the battery on the {portable} last?",
        "Is the {kitchen} made without BPA?",
        "Do you sell replacement parts for the {product}?",
        "Is the {outerwear} suitable for heavy rain?",
        "Will the {product} be included in the sale next month?",
        "Does the {furniture} come assembled or do I need to build it?",
        "what colour is the {home} in real life, the photos look different",
        "Is the {tech} the new model or last year's version?",
        "Can I get the {wear} in {size_in}? It only shows other sizes.",
        "Is the {kitchen} heavy? I have weak wrists.",
        "Do the {audio} have noise cancelling?",
        # overlap: complaint
        "The description said the {portable} is waterproof but mine fogged up in the shower. Is that expected?",
        # overlap: order_status
        "If I order the {product} today, how long until it ships?",
    ],
    "complaint": [
        "I want to let you know how disappointed I am. I waited {days} days for my order, the driver left it in a puddle, the {home} inside was damp, and when I called, nobody could tell me anything. This is not the service I expect.",
        "Honestly this has been awful from start to finish. Two different agents gave me two different answers, my chat was closed without a reply, and I had to explain everything again by email. Please pass this on to a manager.",
        "Your customer service is terrible, nobody ever answers.",
        "The delivery driver threw my parcel over the fence.",
        "I've been on hold for {minutes} minutes, this is unacceptable.",
        "The {product} is cheap quality and nothing like the photos.",
        "Very disappointed with my order, the packaging was ripped open.",
        "The agent I spoke to was rude and hung up on me.",
        "I want to make a formal complaint.",
        "This is the worst shopping experience I've ever had.",
        "Third late order in a row, I'm done with this shop.",
        "Your app is so slow and buggy it's unusable.",
        "You sent me a used {product} with someone else's hair on it!",
        "I'm really unhappy with how my last order was handled.",
        "The {wear} fell apart after one wash. Shocking quality.",
        "Nobody has replied to my emails for {days} days. Appalling service.",
        "The courier left my {home} in the rain and it's ruined.",
        "Why do I have to explain the same problem to {n} different people?",
        "Your chatbot is useless, I just want to talk to a human.",
        "I was promised a call back {date} and nobody called.",
        "The item smelled of smoke when it arrived. Disgusting.",
        "Seriously, the {cookware} handle came off the first time I used it.",
        "Hidden fees at checkout are a joke, it's misleading.",
        "I'm sick of the constant marketing emails even after I unsubscribed.",
        "I've shopped here for years and the quality has gone downhill.",
        "The box was crushed and the {tech} inside is scratched. Not happy.",
        "Your website said in stock, then you cancelled my order a day later. Not okay.",
        "this company is a scam",
        "Your staff member {name} was really dismissive when I asked for help.",
        "The instructions for the {furniture} are impossible to follow and half the screws are missing.",
        # overlap: refund
        "The {product} broke after two days. Really poor quality and I expect compensation.",
        # overlap: billing
        "You charged me twice and then your support ignored me. Awful company.",
        # overlap: order_status
        "My order {order} is {days} days late and your tracking is a joke.",
    ],
    "billing": [
        "I looked at my statement this morning and there are two payments of {amount} from your shop on {date}, but I only placed one order, {order}. Can you check what happened and make sure I'm only paying for one?",
        "I need an invoice for my employer. Order {order} shows a receipt, but it doesn't include the VAT number or my company name, so finance won't accept it. Can you send a proper invoice to {email}?",
        "I was charged twice for order {order}.",
        "Why was I charged {amount2} when the checkout total said {amount}?",
        "My promo code {code} didn't apply at checkout.",
        "Can I get a VAT invoice for order {order}?",
        "My payment keeps getting declined but my card is fine.",
        "There's a charge of {amount} on my statement I don't recognise.",
        "How do I change the card saved on my account?",
        "Can I pay in instalments?",
        "I was charged for shipping even though my order was over the free shipping limit.",
        "The invoice needs my company name on it, can you reissue it?",
        "My gift card balance is wrong, it should have {amount} left.",
        "Do you accept {pay}?",
        "Why is there a pending charge of {amount} when I haven't ordered anything?",
        "I paid with {pay} but the order says payment failed.",
        "The price dropped a day after I bought the {product}, can I get the difference?",
        "Where can I download my receipts?",
        "Tax was added twice on order {order}.",
        "I got billed {amount} for a membership I never signed up for.",
        "card ending {last4} charged twice?? please check",
        "Can you split the payment between two cards?",
        "My discount from the newsletter wasn't applied, I paid full price.",
        "My bank says the payment went through but your site says it failed.",
        "Can the invoice be sent to {email} instead?",
        "How do I stop the automatic renewal of my membership payment?",
        "Why does my receipt show a different amount than my bank statement?",
        "I was charged in euros instead of dollars, can you explain the conversion fee?",
        # overlap: cancel_order
        "I cancelled my order but the charge of {amount} is still pending on {pay}.",
        # overlap: refund
        "Double charge on {order}, please return one of the payments.",
        # overlap: account_access
        "Can't update my payment details because the account page won't load.",
    ],
}

# How many rows each intent gets: roughly balanced, but not perfectly, like real traffic.
SUPPORT_COUNTS: dict[str, int] = {
    "refund": 84,
    "order_status": 90,
    "cancel_order": 74,
    "account_access": 78,
    "shipping_address": 72,
    "product_question": 80,
    "complaint": 76,
    "billing": 82,
}

CHANNELS = ["email", "chat", "app"]
CHANNEL_WEIGHTS = [0.35, 0.40, 0.25]
LONG_CHANNEL_WEIGHTS = [0.75, 0.2, 0.05]

EMAIL_GREETINGS = [
    "Hi,",
    "Hello,",
    "Hi there,",
    "Dear Customer Service,",
    "Hello team,",
    "Good morning,",
    "Dear Sir/Madam,",
    "Hi support,",
    "Good afternoon,",
    "To whom it may concern,",
]
EMAIL_CLOSINGS = [
    "Thanks,",
    "Thank you,",
    "Kind regards,",
    "Best,",
    "Regards,",
    "Many thanks,",
    "Thanks in advance,",
    "Best wishes,",
    "Cheers,",
]
CHAT_GREETINGS = ["hi", "hey", "hello", "Hi!", "hey there", "Hello", "hi,", "Hiya"]
CHAT_CLOSINGS = ["thanks", "thx", "ty", "Thanks!", "thank you", "cheers", "pls help"]
APP_PREFIXES = ["Hi", "Hello", "Help:", "Question:"]
# Intent-neutral sentences that customers add; they dilute the signal, as in real inboxes.
FILLERS = [
    "I've been a customer for years.",
    "I ordered it as a gift for my sister.",
    "Sorry if this is the wrong place to ask.",
    "I already checked the help page.",
    "This is my second message about this.",
    "I'm using the iPhone app.",
    "Please get back to me soon.",
    "Hope you can help.",
    "I'm travelling next week so it's a bit urgent.",
    "My account email is {email}.",
    "Order number is {order} if that helps.",
    "I've attached a screenshot.",
    "Sorry for the long message.",
    "I ordered on the website, not the app.",
    "Thanks for your patience.",
]
EMOJI_BY_INTENT: dict[str, list[str]] = {
    "refund": ["🙏", "😕", "💸"],
    "order_status": ["📦", "🤔", "⏳"],
    "cancel_order": ["🙏", "😅"],
    "account_access": ["😩", "🔒", "🙏"],
    "shipping_address": ["🏠", "🙏", "😅"],
    "product_question": ["🙂", "🤔", "😊"],
    "complaint": ["😡", "😤", "👎"],
    "billing": ["💳", "🤔", "😕"],
}
# Common real-world misspellings; applied word by word to a minority of messages.
TYPOS: dict[str, list[str]] = {
    "received": ["recieved", "recived"],
    "receive": ["recieve"],
    "order": ["oder", "ordr"],
    "please": ["pls", "plz", "pleasee"],
    "address": ["adress", "addres"],
    "cancel": ["cancle", "cancell"],
    "refund": ["refnd", "refud"],
    "password": ["pasword", "passwrod"],
    "delivery": ["delivary", "delievery"],
    "delivered": ["deliverd", "delieverd"],
    "thanks": ["thx", "thnks"],
    "because": ["becuase", "cuz"],
    "account": ["acount", "accout"],
    "charged": ["chargd", "charge"],
    "still": ["stil"],
    "tracking": ["traking"],
    "money": ["mony"],
    "you": ["u"],
    "your": ["ur", "youre"],
    "know": ["kno"],
    "what": ["wat"],
    "immediately": ["immediatly"],
    "definitely": ["definately"],
    "business": ["buisness"],
    "weird": ["wierd"],
    "arrived": ["arived"],
    "wrong": ["worng"],
}


def _typo(text: str, rng: random.Random) -> str:
    """Introduce one or two realistic misspellings (dictionary first, then a letter swap)."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if w.lower().strip(".,!?") in TYPOS]
    n_typos = 1 if rng.random() < 0.7 else 2
    for _ in range(n_typos):
        if candidates:
            i = candidates.pop(rng.randrange(len(candidates)))
            core = words[i].strip(".,!?")
            tail = words[i][len(core) :]
            replacement = rng.choice(TYPOS[core.lower()])
            if core.isupper():
                replacement = replacement.upper()  # keep shouted messages shouted
            words[i] = replacement + tail
        else:
            long_words = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
            if not long_words:
                break
            i = rng.choice(long_words)
            w = words[i]
            j = rng.randrange(1, len(w) - 2)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def _decorate(
    body: str,
    intent: str,
    channel: str,
    rng: random.Random,
    ctx: dict[str, str],
) -> str:
    """Wrap a message body the way each channel tends to look.

    Emails carry greetings, extra context and sign-offs; chat is short and often
    lower-case; in-app feedback forms are terse.  This gives the ``channel`` column a
    visible effect without making it a shortcut for the label.
    """
    # Shouting and typing speed belong to the person, not the template, so the body is
    # shouted before greetings are added ("Hello, WHERE IS MY REFUND" rather than an
    # all-caps signature).
    shout_p = 0.12 if intent in ("complaint", "refund", "order_status") else 0.03
    shouted = rng.random() < shout_p and word_count(body) <= 25
    if shouted:
        body = body.upper()

    parts: list[str] = []
    if channel == "email":
        if rng.random() < 0.8:
            parts.append(rng.choice(EMAIL_GREETINGS))
        if rng.random() < 0.25:
            parts.append(fill(rng.choice(FILLERS), SUPPORT_SLOTS, rng, ctx))
        parts.append(body)
        if rng.random() < 0.3:
            parts.append(fill(rng.choice(FILLERS), SUPPORT_SLOTS, rng, ctx))
        if rng.random() < 0.75:
            closing = rng.choice(EMAIL_CLOSINGS)
            if rng.random() < 0.7:
                closing += " " + rng.choice(FIRST_NAMES)
            else:
                closing = closing.rstrip(",") + "."  # "Thanks." rather than a dangling comma
            parts.append(closing)
    elif channel == "chat":
        if rng.random() < 0.4:
            parts.append(rng.choice(CHAT_GREETINGS))
        parts.append(body)
        if rng.random() < 0.1:
            parts.append(fill(rng.choice(FILLERS), SUPPORT_SLOTS, rng, ctx))
        if rng.random() < 0.2:
            parts.append(rng.choice(CHAT_CLOSINGS))
    else:  # app
        if rng.random() < 0.08:
            parts.append(rng.choice(APP_PREFIXES))
        parts.append(body)
    text = " ".join(parts)

    # Surface noise.  Probabilities are per channel because people type differently in
    # a chat widget than in an email.
    if rng.random() < 0.15:
        text = _typo(text, rng)
    lower_p = {"email": 0.04, "chat": 0.4, "app": 0.25}[channel]
    if not shouted and rng.random() < lower_p:
        text = text.lower()
    if channel != "email" and rng.random() < 0.35:
        text = text.rstrip(".")  # chat/app users often skip the final full stop
    emoji_p = 0.02 if channel == "email" else 0.07
    if rng.random() < emoji_p:
        text = text + " " + rng.choice(EMOJI_BY_INTENT[intent])
    return text


def _unique_rows(
    label: str,
    count: int,
    templates: Sequence[str],
    make: Callable[[str], tuple[str, dict[str, str]]],
    seen: dict[str, None],
    rng: random.Random,
) -> list[dict[str, str]]:
    """Draw *count* distinct rows for *label*, cycling through every template.

    Cycling (rather than sampling templates independently) guarantees that every template is
    used, so the data is as diverse as the template list allows.  ``seen`` holds the
    case-folded texts already emitted across all labels, so "WHERE IS MY ORDER" and
    "where is my order" cannot both appear (they would leak between CV folds).
    """
    rows: list[dict[str, str]] = []
    queue: list[str] = []
    attempts = 0
    while len(rows) < count:
        attempts += 1
        if attempts > count * 50:
            raise RuntimeError(f"could not generate {count} unique rows for {label!r}")
        if not queue:
            queue = list(templates)
            rng.shuffle(queue)
        template = queue.pop()
        text, extra = make(template)
        n = word_count(text)
        key = text.casefold()
        if n < MIN_WORDS or n > MAX_WORDS or key in seen:
            continue
        seen[key] = None
        rows.append({"text": text, "label": label, **extra})
    return rows


def build_support(rng: random.Random) -> list[dict[str, str]]:
    """Return the customer-support rows (text, label, channel), shuffled."""
    seen: dict[str, None] = {}
    rows: list[dict[str, str]] = []
    for intent, count in SUPPORT_COUNTS.items():

        def make(template: str, intent: str = intent) -> tuple[str, dict[str, str]]:
            ctx: dict[str, str] = {}
            body = fill(template, SUPPORT_SLOTS, rng, ctx)
            # Long, story-like messages are mostly written as emails.
            weights = CHANNEL_WEIGHTS if word_count(body) <= 30 else LONG_CHANNEL_WEIGHTS
            channel = rng.choices(CHANNELS, weights=weights)[0]
            return _decorate(body, intent, channel, rng, ctx), {"channel": channel}

        rows.extend(_unique_rows(intent, count, SUPPORT_TEMPLATES[intent], make, seen, rng))
    rng.shuffle(rows)
    return rows


# =============================================================================================
# Finance sentiment
# =============================================================================================

# Invented company names; any resemblance to a real company is accidental.
COMPANIES = [
    "Aldermoor Holdings",
    "Brackwell Foods",
    "Corvane Systems",
    "Deltrine Pharma",
    "Elmsford Utilities",
    "Fenwick & Hale",
    "Galloway Ridge Mining",
    "Harrowgate Retail",
    "Isolde Biotech",
    "Juniper Vale Rail",
    "Kestrelline Aerospace",
    "Larkspur Media",
    "Marrowfield Bank",
    "Northvane Energy",
    "Orrin Semiconductor",
    "Pellham Insurance",
    "Quorrel Telecom",
    "Redcliffe Brewing",
    "Sablewood Homes",
    "Tarrant Logistics",
    "Umberline Chemicals",
    "Vellamo Shipping",
    "Wyncrest Hotels",
    "Yarrowby Apparel",
    "Zephyrine Motors",
    "Ostrander Steel",
    "Bellhaven Dairy",
    "Calder Point Software",
    "Mistralgrove Airlines",
    "Thornbury Paper",
    "Quillon Payments",
    "Harlow & Finch",
    "Saltmarsh Capital",
    "Ravelstone Group",
    "Corbel Robotics",
    "Nettleford Pharmaceuticals",
    "Brightmoor Renewables",
    "Glenkirk Distillers",
    "Avanto Health",
    "Silverfen Networks",
    "Tamsin Foods",
    "Hollowbrook Cement",
    "Veridane Analytics",
    "Pemberly Toys",
]
PEOPLE = [
    "Maren Okafor",
    "Tobias Renwick",
    "Ilse Varga",
    "Declan Ashworth",
    "Priya Natarajan",
    "Henrik Solberg",
    "Adaeze Nwosu",
    "Camille Durand",
    "Rafael Quintero",
    "Siobhan Kerrigan",
    "Kenji Watanabe",
    "Lotte Vermeer",
    "Samuel Oyelaran",
    "Greta Lindqvist",
    "Marcus Feld",
    "Yara Haddad",
]
ROLES = [
    "chief executive",
    "chief financial officer",
    "chief operating officer",
    "chair",
    "head of investor relations",
    "chief technology officer",
]
BROKERS = [
    "Harwick Securities",
    "Penmore Partners",
    "Castellan Research",
    "Birchgate Capital Markets",
    "Onslow & Reyes",
]
AGENCIES = ["Stanmore Ratings", "Keystone Credit", "Meridian Rating Services"]
UPGRADE_RATINGS = ["A-", "A", "BBB+", "AA-", "BBB"]
DOWNGRADE_RATINGS = ["BB+", "BBB-", "BB", "B+", "junk"]
SEGMENTS = [
    "cloud",
    "consumer",
    "retail banking",
    "packaging",
    "aftermarket",
    "wealth management",
    "industrial",
    "online",
    "wholesale",
    "generic drugs",
    "freight",
    "home furnishing",
    "advertising",
    "medical devices",
]
REGIONS = [
    "Europe",
    "North America",
    "Asia",
    "Latin America",
    "the Nordic region",
    "China",
    "the Middle East",
    "Southeast Asia",
]
FIN_CITIES = [
    "Rotterdam",
    "Charlotte",
    "Gdansk",
    "Osaka",
    "Manchester",
    "Monterrey",
    "Lyon",
    "Adelaide",
    "Tampere",
    "Columbus",
    "Bilbao",
    "Pune",
]
FIN_PRODUCTS = [
    "electric buses",
    "wind turbine blades",
    "payment terminals",
    "baby formula",
    "insulin pens",
    "cargo drones",
    "smart meters",
    "rail signalling systems",
    "frozen meals",
    "data-centre cooling units",
    "solar inverters",
    "kitchen appliances",
]
BUYERS = [
    "the national rail operator",
    "a European utility",
    "the defence ministry",
    "a large US retailer",
    "a regional hospital group",
    "a Gulf airline",
    "the city of {fincity}",
]
ISSUES = [
    "an accounting review",
    "a data-protection breach",
    "misleading sales practices",
    "safety violations at its plants",
    "late disclosure of losses",
    "price-fixing allegations",
]
QUARTERS = [
    "the first quarter",
    "the second quarter",
    "the third quarter",
    "the fourth quarter",
    "Q1",
    "Q2",
    "Q3",
    "Q4",
    "the first half",
    "the second half",
]
EXCHANGES = ["main market", "junior market", "tech board", "regional exchange"]
CONFERENCES = [
    "Global Industrials Forum",
    "Harbourside Tech Conference",
    "Healthcare Investor Summit",
    "Consumer Brands Day",
    "Energy Transition Conference",
]


def _co2(rng: random.Random, ctx: dict[str, str]) -> str:
    # Never pair a company with itself.
    others = [c for c in COMPANIES if c != ctx.get("co")]
    return rng.choice(others)


def _pct(rng: random.Random, _ctx: dict[str, str]) -> str:
    if rng.random() < 0.5:
        return str(rng.randint(3, 38))
    return f"{rng.randint(2, 29)}.{rng.randint(1, 9)}"


def _bn(rng: random.Random, _ctx: dict[str, str]) -> str:
    return f"{rng.randint(1, 48)}.{rng.randint(0, 9)}"


def _mn(rng: random.Random, _ctx: dict[str, str]) -> str:
    return str(rng.randint(12, 980))


def _fin_date(rng: random.Random, _ctx: dict[str, str]) -> str:
    if rng.random() < 0.5:
        return f"{rng.choice(MONTHS)} {rng.randint(1, 28)}"
    return f"{rng.randint(1, 28)} {rng.choice(MONTHS)}"


def _margin_pair(rng: random.Random, ctx: dict[str, str], up: bool) -> str:
    low = rng.randint(3, 18)
    high = low + rng.randint(1, 6)
    ctx["m_from"] = f"{low if up else high}.{rng.randint(0, 9)}"
    return f"{high if up else low}.{rng.randint(0, 9)}"


def _person(rng: random.Random, _ctx: dict[str, str]) -> str:
    return rng.choice(PEOPLE)


FINANCE_SLOTS: Slots = {
    "co": pick(COMPANIES),
    "co2": _co2,
    "pct": _pct,
    "small": lambda rng, _c: f"0.{rng.randint(1, 9)}",
    "bn": _bn,
    "mn": _mn,
    "mn_lo": lambda rng, _c: str(rng.randint(5, 150)),
    "mn_hi": lambda rng, _c: str(rng.randint(160, 900)),
    "cents": lambda rng, _c: str(rng.randint(4, 95)),
    "eps": lambda rng, _c: f"{rng.randint(0, 6)}.{rng.randint(10, 95)}",
    "price": lambda rng, _c: f"{rng.randint(3, 240)}.{rng.randint(10, 99)}",
    "n_jobs": lambda rng, _c: f"{rng.choice([120, 250, 400, 600, 850, 1200, 1500, 2300, 3000, 4800])}",
    "n_units": lambda rng, _c: f"{rng.randint(2, 95) * 1000:,}",
    "n_years": lambda rng, _c: str(rng.choice([3, 5, 7, 10, 12])),
    "n_stores": lambda rng, _c: str(rng.randint(40, 1400)),
    "n_countries": lambda rng, _c: str(rng.randint(4, 60)),
    "subs": lambda rng, _c: f"{rng.randint(1, 40)}.{rng.randint(1, 9)}",
    "q": pick(QUARTERS),
    "month": pick(MONTHS),
    "date": _fin_date,
    "date2": _fin_date,
    "year": pick(["2024", "2025", "2026"]),
    "person": _person,
    "person2": _person,
    "role": pick(ROLES),
    "broker": pick(BROKERS),
    "agency": pick(AGENCIES),
    "up_rating": pick(UPGRADE_RATINGS),
    "down_rating": pick(DOWNGRADE_RATINGS),
    "segment": pick(SEGMENTS),
    "region": pick(REGIONS),
    "fincity": pick(FIN_CITIES),
    "finproduct": pick(FIN_PRODUCTS),
    "issue": pick(ISSUES),
    "exchange": pick(EXCHANGES),
    "conference": pick(CONFERENCES),
    "ticker": lambda rng, _c: "".join(rng.choice("ABCDEFGHKLMNPRSTVWXZ") for _ in range(rng.choice([3, 4]))),
    "ordinal": pick(["third", "fourth", "fifth", "sixth", "eighth"]),
    "fincity2": lambda rng, ctx: _other(FIN_CITIES, "fincity")(rng, ctx),
    "m_up": lambda rng, ctx: _margin_pair(rng, ctx, up=True),
    "m_down": lambda rng, ctx: _margin_pair(rng, ctx, up=False),
    # Filled by m_up / m_down first; templates always mention the new margin before the old.
    "m_from": lambda _rng, ctx: ctx["m_from"],
}
FINANCE_SLOTS["buyer"] = lambda rng, ctx: fill(rng.choice(BUYERS), FINANCE_SLOTS, rng)

FINANCE_TEMPLATES: dict[str, list[str]] = {
    "positive": [
        "{co} posts its strongest {q} in a decade as {segment} demand recovers",
        "{co} shares climb {pct}% on takeover interest from {co2}",
        "Bookings at {co} rose {pct}% in {month}, beating the company's own target.",
        "{co} raises its medium-term margin target to {m_up}%",
        "{co} pays a special dividend of {cents} cents on top of its regular payout.",
        "{co} says demand for its {finproduct} is outstripping supply",
        "{co} turns cash-flow positive a year earlier than planned",
        "{co} beats profit forecasts for the {ordinal} quarter in a row",
        "Net interest income at {co} grew {pct}% as lending volumes rose.",
        "{co} lands its largest-ever order, a ${mn} million deal with {buyer}",
        "Upbeat {month} traffic figures send {co} shares higher",
        "{co} reports a {pct}% jump in online sales",
        "{co} sees {year} operating profit well above last year after a strong {q}.",
        "{co} said quarterly revenue rose {pct}% to ${bn} billion, ahead of analyst estimates.",
        "{co} raises full-year profit guidance after strong demand in {region}",
        "{co} lifts its quarterly dividend by {pct}% to {cents} cents a share.",
        "Shares of {co} jumped {pct}% after the company posted record {q} earnings.",
        "{co} wins ${mn} million contract to supply {finproduct} to {buyer}",
        "{co} net profit climbed to ${mn_hi} million from ${mn_lo} million a year earlier.",
        "{co} announces ${bn} billion share buyback programme",
        "{co} beats expectations as {segment} sales surge {pct}%",
        "Operating margin at {co} widened to {m_up}% from {m_from}% in {q}.",
        "{co} swings to a profit of ${mn} million in {q}",
        "{co} upgraded to buy at {broker}, which sees {pct}% upside",
        "{co} completes acquisition of {co2} and expects the deal to add to earnings next year.",
        "Order backlog at {co} reaches a record ${bn} billion",
        "{co} cuts net debt by ${mn} million, well ahead of its target.",
        "{co} to hire {n_jobs} staff as it expands its {fincity} plant",
        "{co} same-store sales up {pct}% in {month}, the strongest gain in years",
        "{co} reports {pct}% rise in subscribers to {subs} million",
        "Despite a weak market, {co} grew {segment} revenue by {pct}%.",
        "{co} receives regulatory approval for its new {finproduct}",
        "{co} secures ${mn} million in new funding to accelerate growth",
        "{co} shares hit an all-time high after an upbeat outlook",
        "The loss at {co} narrowed sharply to ${mn_lo} million as costs fell.",
        "{co} reinstates its dividend after a two-year pause",
        "{co} now expects earnings per share of ${eps}, above its previous forecast.",
        "Analysts raise price targets on {co} after strong cash flow in {q}.",
        "{co} signs a multi-year supply deal with {co2} worth about ${mn} million",
        "{co}'s cost-cutting plan delivered savings of ${mn} million, more than planned.",
        "{agency} upgrades {co} to {up_rating}, citing lower leverage",
        "{co} sold {n_units} {finproduct} in {month}, its best month ever.",
        "{co} profit before tax increased {pct}% year on year.",
        "Strong {segment} demand helps {co} top forecasts",
        "{co} agrees to be acquired by {co2} at a {pct}% premium to its last closing price.",
        "{co} reports record free cash flow of ${bn} billion for {year}.",
        "{co} said its order intake in {q} was the highest in the company's history.",
        "Investors cheer {co} as turnaround plan pays off",
        "{co} boosts {year} outlook on resilient consumer spending",
        "{co} gains market share in {region} for the {ordinal} straight quarter",
        "Higher prices and steady volumes lift {co} earnings by {pct}%.",
        "{co} shares rally after it settles dispute with {co2}",
        "{co} expects margins to improve further in {year} as new capacity comes online.",
    ],
    "negative": [
        "{co} posts its weakest {q} in a decade as {segment} demand fades",
        "{co} shares drop {pct}% after {co2} walks away from merger talks",
        "{co} warns of lower profit as orders from {region} dry up",
        "Bookings at {co} fell {pct}% in {month}, well short of the company's target.",
        "{co} lowers its medium-term margin target to {m_down}%",
        "{co} scraps special dividend as cash dwindles",
        "{co} burned through ${mn} million in cash in {q}.",
        "{co} misses profit forecasts for the {ordinal} quarter in a row",
        "Bad loans at {co} rose {pct}% as borrowers struggled.",
        "{co} faces ${mn} million lawsuit from {co2}",
        "Disappointing {month} traffic figures send {co} shares lower",
        "{co} reports a {pct}% drop in online sales",
        "Strike at {co}'s {fincity} plant halts deliveries of {finproduct}",
        "{co} quarterly revenue fell {pct}% to ${bn} billion, missing forecasts.",
        "{co} cuts full-year guidance, citing weak demand in {region}",
        "{co} to lay off {n_jobs} employees as part of a restructuring",
        "Shares of {co} slumped {pct}% after a profit warning.",
        "{co} suspends its dividend to preserve cash",
        "{co} net loss widened to ${mn_hi} million from ${mn_lo} million a year earlier.",
        "{co} recalls {n_units} {finproduct} over safety concerns",
        "Regulators open investigation into {co} over {issue}",
        "{co} downgraded to sell at {broker} on margin worries",
        "{co} swings to a loss of ${mn} million in {q}",
        "{co} to close its {fincity} plant, putting {n_jobs} jobs at risk",
        "{co} misses estimates as {segment} sales drop {pct}%",
        "Operating margin at {co} shrank to {m_down}% from {m_from}% in {q}.",
        "{co} {role} {person} resigns amid {issue}",
        "{co} takes a ${mn} million writedown on its {segment} business.",
        "{agency} cuts {co} to {down_rating}, citing rising debt",
        "{co} shares sink to a {n_years}-year low",
        "Merger talks between {co} and {co2} collapse",
        "{co} fined ${mn} million over {issue}",
        "Despite higher sales, {co} swung to a loss as costs rose.",
        "{co} warns that parts shortages will hit output in {q}.",
        "{co} delays launch of its {finproduct} to next year; shares fall",
        "{co} files for bankruptcy protection after failing to refinance its debt.",
        "{co} same-store sales down {pct}% in {month}",
        "{co} loses its contract with {co2}, worth about ${mn} million a year.",
        "{co} cuts dividend by {pct}% as earnings slide",
        "Subscribers leave {co} as its customer count falls to {subs} million.",
        "{co} revenue rose {pct}% but profit fell as input costs soared.",
        "{co} debt climbs to ${bn} billion, raising refinancing concerns",
        "Cyberattack disrupts {co} operations for a week",
        "{co} profit before tax decreased {pct}% year on year.",
        "Weak {segment} demand drags {co} earnings lower",
        "{co} withdraws its {year} outlook citing uncertainty in {region}",
        "{co} books an unexpected ${mn} million charge for legal costs.",
        "Investors dump {co} shares after auditor raises concerns",
        "{co} loses market share in {region} for a third straight quarter",
        "Lower prices and falling volumes cut {co} earnings by {pct}%.",
        "{co} halts production at {fincity} site after a fire",
        "{co} expects margins to shrink in {year} as costs keep rising.",
        "{co} shares tumble as {co2} scraps takeover offer",
    ],
    "neutral": [
        "{co} to publish a {q} trading update on {date}",
        "{co} names {broker} as adviser on the sale of its {segment} unit",
        "{co} said {q} sales were in line with its own forecast.",
        "{co} holds its dividend at {cents} cents, as expected",
        "{co} says its {fincity} plant will reopen on {date} after planned maintenance.",
        "{co} completes the transfer of its listing to the {exchange}",
        "{co} publishes its {year} sustainability report",
        "{co} said voting results from the general meeting are available on its website.",
        "{co} will set out its new strategy at a capital markets day on {date}.",
        "The {co} board proposes to re-elect all current directors.",
        "{co} confirms the timetable for its {year} results",
        "{co} to combine its {fincity} and {fincity2} offices",
        "{co} shares were little changed after the announcement.",
        "{co} will hold its annual general meeting on {date}.",
        "{co} to report {q} results on {date}",
        "{co} appoints {person} as {role}, effective {date}.",
        "{co} revenue was flat at ${bn} billion.",
        "{co} results were in line with expectations.",
        "{co} shares were unchanged at ${price} in early trading.",
        "{co} completes the previously announced sale of its {segment} unit.",
        "The {co} board will consider the dividend at its meeting in {month}.",
        "{co} moves its headquarters to {fincity}",
        "{co} publishes its annual report for {year}",
        "{co} said it employs about {n_jobs} people in {n_countries} countries.",
        "{co} is a {segment} company based in {fincity}.",
        "{co} will present at the {conference} on {date}.",
        "{co} maintains its full-year revenue guidance of ${bn} billion.",
        "{co} keeps its dividend unchanged at {cents} cents per share.",
        "{co} names {person} chair following the retirement of {person2}",
        "{co} shareholders approve all board nominees at the annual meeting.",
        "{co} will change its ticker symbol to {ticker} from {date}.",
        "The deal between {co} and {co2} is expected to close in {q}.",
        "{co} said it is reviewing strategic options for its {segment} business.",
        "{co}'s {segment} unit accounted for {pct}% of group sales in {year}.",
        "{co} operates {n_stores} stores across {region}.",
        "{co} will release {month} sales figures next week.",
        "Trading in {co} shares resumed after a scheduled systems update.",
        "{co} opens a new sales office in {fincity}",
        "{co} signs memorandum of understanding with {co2} to study {finproduct}",
        "{co} plans to list its shares on the {exchange} in {year}.",
        "{co} will pay the dividend on {date} to shareholders on record as of {date2}.",
        "{co} confirms early talks with {co2}; no decision has been made.",
        "{co} said the figures for {q} are unaudited.",
        "{co} expects to publish an update on its review in {month}.",
        "{co} plans to spend ${mn} million upgrading its {fincity} facility over {n_years} years.",
        "{co} reiterates its outlook for {year}",
        "{co} {role} {person} to speak at investor day on {date}",
        "{co} shares edged up {small}% in quiet trading.",
        "{co} shares slipped {small}% as the wider market drifted.",
        "{co} will switch its reporting currency to euros from {year}.",
        "{co} has appointed {broker} as joint corporate broker.",
        "{co} said {person} will step down as {role} at the end of {year} as planned.",
        "{co} issues ${mn} million of bonds due {year}",
        "{co} relocates its {segment} research team to {fincity}",
        "{co} said it is not aware of any reason for the recent share price movement.",
        "{co} updates its capital markets day date to {date}.",
        "{co} to merge two {segment} divisions into one unit",
        "The {co} annual report will be available on its website from {date}.",
        "{co} confirms {person} as permanent {role} after interim period",
        "{co} said it has no plans to change its dividend policy.",
        "{co} reported {q} revenue broadly unchanged from a year earlier.",
    ],
}

# Headlines whose only sentiment signal is a pair of numbers.  A bag-of-words model cannot
# read them, which keeps its score honest; a fine-tuned transformer sometimes can.
NUMERIC_TEMPLATES = [
    "{co} reported net sales of ${a} million for {q}, compared with ${b} million a year earlier.",
    "{co}'s operating profit for {q} totalled ${a} million versus ${b} million in the same period last year.",
    "In {q}, {co} had earnings per share of ${a_eps} against ${b_eps} a year ago.",
    "{co} said {year} revenue came to ${a} million, after ${b} million in the prior year.",
]

FINANCE_COUNTS: dict[str, int] = {"positive": 150, "neutral": 210, "negative": 145}
NUMERIC_PER_LABEL = {"positive": 10, "neutral": 8, "negative": 10}


def _numeric_row(label: str, template: str, rng: random.Random) -> str:
    """Fill a numbers-only template so that the numbers agree with *label*."""
    base = rng.randint(40, 900)
    if label == "positive":
        a, b = round(base * rng.uniform(1.08, 1.6)), base
    elif label == "negative":
        a, b = round(base * rng.uniform(0.5, 0.92)), base
    else:
        a, b = base + rng.randint(-2, 2), base
    eps_base = rng.randint(20, 400) / 100
    ratio = a / b
    slots = dict(FINANCE_SLOTS)
    slots["a"] = lambda _r, _c: f"{a:,}"
    slots["b"] = lambda _r, _c: f"{b:,}"
    slots["a_eps"] = lambda _r, _c: f"{eps_base * ratio:.2f}"
    slots["b_eps"] = lambda _r, _c: f"{eps_base:.2f}"
    return fill(template, slots, rng)


def _possessive(text: str) -> str:
    """Write "Elmsford Utilities' ..." rather than "Elmsford Utilities's ..."."""
    return re.sub(r"s's\b", "s'", text)


def build_finance(rng: random.Random) -> list[dict[str, str]]:
    """Return the finance-sentiment rows (text, label), shuffled."""
    seen: dict[str, None] = {}
    rows: list[dict[str, str]] = []
    for label, count in FINANCE_COUNTS.items():
        n_numeric = NUMERIC_PER_LABEL[label]

        def make_numeric(template: str, label: str = label) -> tuple[str, dict[str, str]]:
            return _possessive(_numeric_row(label, template, rng)), {}

        def make(template: str) -> tuple[str, dict[str, str]]:
            return _possessive(fill(template, FINANCE_SLOTS, rng)), {}

        rows.extend(_unique_rows(label, n_numeric, NUMERIC_TEMPLATES, make_numeric, seen, rng))
        rows.extend(_unique_rows(label, count - n_numeric, FINANCE_TEMPLATES[label], make, seen, rng))
    rng.shuffle(rows)
    return rows


# =============================================================================================
# Output
# =============================================================================================


def write_csv(path: Path, fieldnames: list[str], rows: list[dict[str, str]]) -> None:
    """Write UTF-8 CSV with a header and ``\\n`` line endings on every platform.

    A fixed line terminator (the csv default is ``\\r\\n``) keeps the byte-for-byte
    reproducibility test meaningful and keeps diffs clean.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"folder to write the CSVs into (default: {DEFAULT_OUT.relative_to(REPO_ROOT)})",
    )
    args = parser.parse_args(argv)
    out: Path = args.out

    support = build_support(random.Random(SUPPORT_SEED))
    write_csv(out / SUPPORT_FILE, ["text", "label", "channel"], support)
    finance = build_finance(random.Random(FINANCE_SEED))
    write_csv(out / FINANCE_FILE, ["text", "label"], finance)
    print(f"wrote {len(support)} rows to {out / SUPPORT_FILE}")
    print(f"wrote {len(finance)} rows to {out / FINANCE_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
