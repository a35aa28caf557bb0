"""Hypothesis strategies for hostile input: what a careless client or an attacker sends.

Most requests are a believable form with one field (sometimes two) replaced by a trap
that suits the field's type, so validation passes everywhere else and the trap reaches
the code behind it; the rest garble every field, or the structure of the form itself.
"""

from __future__ import annotations

import random

from hypothesis import strategies as st

CONTROL = [chr(c) for c in range(0, 32)] + ["\x7f", "\x85", "\u2028", "\u2029"]
# Right-to-left overrides and marks, zero-width and byte-order characters, combining marks.
BIDI = ["\u202e", "\u202b", "\u200f", "\u061c", "\u2067", "\u200b", "\u200d", "\ufeff", "\u0301"]
EMOJI = ["😀", "👩🏽‍⚕️", "🏳️‍🌈", "🇳🇱", "𝕏", "💩"]
SCRIPTS = ["ümlaut", "ĳsselstreek", "Ærø", "İstanbul", "straße", "ǅ", "שלום", "مرحبا", "日本語", "ﷺ", "Ꙭ"]
# str.isdigit() is true for all of these, yet int() refuses the first three.
TRICKY_DIGITS = ["²", "①", "½", "٣", "９", "𝟗", "߀"]

# Whole numbers no field or query argument takes: huge, negative, non-ASCII digits, zeros in front.
INTEGER_TRAPS = ["9" * 400, "-" + "9" * 400, "1" + "0" * 18, "-1", "-2147483649", "٣", "-٣", "１２", "0" * 400 + "7",
                 "+" + "9" * 30]
NUMERIC_TRAPS = TRICKY_DIGITS + INTEGER_TRAPS + [
    "", " ", "-1", "0", "-0", "+1", "1.5", " 12 ", "1e3", "1e309", "-1e309", "NaN", "inf", "-inf", "0x10",
    "1_000", "1,5", "2147483647", "2147483648", "-2147483649", "9223372036854775808", "9" * 40, "9" * 5000,
    "abc", "\x00", "1\x00", "١٢", "sNaN", "-sNaN", "Infinity", "-Infinity", "1E+999999", "1e-400",
]
DATE_TRAPS = [
    "", "2026-02-30", "2026-13-01", "0000-00-00", "0001-01-01", "0001-01-02", "9999-12-31", "9999-12-01",
    "99999-01-01", "2026-3-1", "1-1-1", "31-12-2026", "2026/01/01", "2026-01-01T00:00", "today", "\x00",
    "2026-03-29", "2026-10-25", "1970-01-01", "1900-01-01", "2026-01-0²",
]
TIME_TRAPS = ["", "25:00", "24:00", "23:59", "00:00", "12:60", "-01:00", "9", "09:00:00", "02:30", "03:00",
              "12:00 PM", "\x00", "１２:００"]
EMAIL_TRAPS = ["", "a@b", "@", "x@" + "a" * 300 + ".nl", "a" * 250 + "@x.nl", "coach@example.org",
               "COACH@EXAMPLE.ORG", " coach@example.org ", "ü@ü.nl", "x@example.org\x00", "x@[127.0.0.1]",
               "\u202eevil@example.org", "a@b@c"]
URL_TRAPS = ["", "javascript:alert(1)", "http://meet.example.org", "https://", "https://" + "a" * 600,
             "https://ex ample.org", "https://ëxample.org/\u202e", "data:text/html,x", "//evil.example", "\x00"]
TEXT_TRAPS = [
    "", " ", "\x00", "a\x00b", "\t", "\r\n", "\u202eevil", "null", "None", "[]", "{}", "undefined",
    "'; DROP TABLE \"user\"; --", "\" OR 1=1 --", "<script>alert(1)</script>", "{{7*7}}", "{% raw %}",
    "%(name)s", "%s%s%s%n", "${jndi:ldap://x}", "../../etc/passwd", "..\\..\\windows", "%00", "%",
    "_", "\\", "javascript:alert(1)", "//evil.example", "https://evil.example/", "*", "[a-z]", "(?i)",
] + EMOJI + SCRIPTS + BIDI + CONTROL + TRICKY_DIGITS
SPECIAL = NUMERIC_TRAPS + DATE_TRAPS + TIME_TRAPS + EMAIL_TRAPS + URL_TRAPS + TEXT_TRAPS

TRAPS_BY_KIND = {
    "number": NUMERIC_TRAPS,
    "select": NUMERIC_TRAPS + TEXT_TRAPS,
    "hidden": NUMERIC_TRAPS + TEXT_TRAPS,
    "radio": NUMERIC_TRAPS + TEXT_TRAPS,
    "button": NUMERIC_TRAPS + TEXT_TRAPS,
    "checkbox": ["", "n", "0", "false", "off", "yes", "\x00", "y" * 500],
    "date": DATE_TRAPS,
    "datetime-local": DATE_TRAPS + ["2026-03-29T02:30", "2026-10-25T02:30", "9999-12-31T23:59"],
    "time": TIME_TRAPS,
    "email": EMAIL_TRAPS,
    "url": URL_TRAPS,
}

PLAUSIBLE_BY_KIND = {
    "date": "2027-05-04",
    "datetime-local": "2027-05-04T10:00",
    "time": "10:00",
    "number": "5",
    "email": "nieuw@example.org",
    "url": "https://meet.example.org/nieuw",
    "checkbox": "y",
    "password": "Lang-en-sterk-wachtwoord-42",
    "search": "ot",
}

# Characters to build random text from: mostly ordinary, with every kind of trouble mixed in.
POOL = (
    list("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .,-_'\"<>&%#;:/?=+@!()[]{}")
    + CONTROL + BIDI + EMOJI + TRICKY_DIGITS + SCRIPTS + ["\ud7ff", "\U0010ffff", "\uffff"]
)


def _make_text(seed: int, size: int) -> str:
    return "".join(random.Random(seed).choices(POOL, k=size))


def text(min_size: int = 0, max_size: int = 40):
    """Random text from POOL; drawn as (seed, size) so that a long string costs two choices."""
    return st.builds(_make_text, st.integers(0, 2**32), st.integers(min_size, max_size))


short_text = st.one_of(text(0, 40), st.text(max_size=20))
medium_text = text(40, 600)
long_text = text(2_000, 20_000)


def _weighted(*pairs):
    """One of the strategies, chosen with the given whole-number weights."""
    entries = [strategy for strategy, weight in pairs for _ in range(weight)]
    return st.sampled_from(entries).flatmap(lambda strategy: strategy)


def plausible(field) -> str:
    """A value a real user could have sent."""
    real = [v for v in getattr(field, "values", []) if v.strip()]
    if real:
        return real[0]
    name = getattr(field, "name", "")
    if name.endswith(("_id", "_ids")):
        return "1"
    return PLAUSIBLE_BY_KIND.get(getattr(field, "kind", "text"), "Tekst")


def trap(field, ids: list[int]):
    """A hostile value that suits the field's type, or any hostile value at all."""
    kind = getattr(field, "kind", "text")
    own = TRAPS_BY_KIND.get(kind, TEXT_TRAPS)
    real = [v for v in getattr(field, "values", []) if v]
    options = [
        (st.sampled_from(own), 6),
        (st.sampled_from(SPECIAL), 2),
        (st.sampled_from(INTEGER_TRAPS), 2),  # in every field and query argument, numeric or not
        (st.sampled_from(ids).map(str), 2),
        (short_text, 2),
        (medium_text, 1),
        (long_text, 1),
    ]
    if real:
        options.append((st.sampled_from(real), 2))  # a real value, but perhaps in the wrong field
    return _weighted(*options)


def form_data(fields: dict, ids: list[int]):
    """A list of (name, value) pairs for a form with these fields (build once per form: strategies are costly)."""
    names = sorted(fields)
    likely = {name: plausible(fields[name]) for name in names}
    traps = {name: trap(fields[name], ids) for name in names}
    any_trap = trap(None, ids)
    either = {name: st.one_of(st.just(likely[name]), traps[name]) for name in names}
    extra_name = st.one_of(st.sampled_from(SPECIAL), short_text)

    @st.composite
    def focused(draw):
        pairs = [(name, likely[name]) for name in names]
        if not pairs:
            return [(draw(extra_name), draw(any_trap))]
        for _ in range(draw(st.integers(1, 2))):
            index = draw(st.integers(0, len(pairs) - 1))
            name = pairs[index][0]
            pairs[index] = (name, draw(traps[name]))
        return pairs

    @st.composite
    def garbled(draw):
        pairs = []
        for name in names:
            choice = draw(st.integers(0, 9))
            if choice == 0:
                continue  # missing
            pairs.append((name, likely[name] if choice < 4 else draw(traps[name])))
        return pairs

    @st.composite
    def misshapen(draw):
        pairs = []
        for name in names:
            for _ in range(draw(st.integers(0, 3))):  # missing, or the same key several times
                pairs.append((name, draw(either[name])))
        for _ in range(draw(st.integers(0, 3))):
            pairs.append((draw(extra_name), draw(any_trap)))
        return pairs

    return _weighted((focused(), 6), (garbled(), 3), (misshapen(), 2))


def path_segment():
    return st.one_of(
        st.sampled_from(SPECIAL),
        short_text,
        st.sampled_from(["%00", "%ff%fe", "%c0%ae", "..", ".", "%2e%2e", "~root", "a" * 5000, "0" * 400]),
    )
