"""Integers sent as JSON strings, read as the platform's own serializers read them.

The platform's course editor sends a release delay in days as the text of its input,
`{"drip_delay": "7"}`, and the platform accepts it: Django REST framework's IntegerField strips a
trailing `.0` and calls `int()` on the rest. This is the same rule, narrowed to what a number can
be written as, and stated exactly (docs/api.md, "Integers as strings"):

- ASCII digits, leading zeros allowed ("07" is 7);
- optionally a decimal point followed only by zeros ("7.", "7.0", "7.00");
- optionally surrounded by spaces, tabs, carriage returns and line feeds;
- no sign, no exponent, no underscore, no other digits: "+7", "-1", "1e3", "1_000" and non-ASCII digits are refused,
  as are "7.5", "seven" and "";
- then the field's own range applies, as for a number.

`pattern()` is that rule and the range as one regular expression, for the published schema: a
client, or the fuzzer, then knows exactly which strings are accepted.
"""

from __future__ import annotations

import re

_SPACE = "[ \\t\\n\\r]*"
_FRACTION = "(?:\\.0*)?"
_SYNTAX = re.compile(f"{_SPACE}([0-9]+){_FRACTION}{_SPACE}")
MESSAGE = 'must be an integer, or a string of its decimal digits such as "7"'
DESCRIPTION = (
    "The integer as a string of decimal digits, as the platform's serializers take it: leading zeros, "
    "a decimal point followed only by zeros, and surrounding spaces, tabs and line breaks are allowed; "
    "a sign, an exponent or any other character is not. The same range applies; answers carry the number."
)


def parse(text: str, maximum: int) -> int | None:
    """The integer the text writes, or None when the text is not one. A number with more digits than
    `maximum` is reported as `maximum + 1`: over the range, without converting thousands of digits."""
    match = _SYNTAX.fullmatch(text)
    if not match:
        return None
    digits = match.group(1).lstrip("0") or "0"
    return maximum + 1 if len(digits) > len(str(maximum)) else int(digits)


def pattern(minimum: int, maximum: int) -> str:
    """A regular expression (ECMA-262 and Python alike) matching exactly the texts `parse` reads as an integer
    from `minimum` (0 or 1) to `maximum`."""
    if minimum not in (0, 1) or maximum < 1:
        raise ValueError("only ranges from 0 or 1 to a positive maximum are written as patterns")
    numbers = _at_most(str(maximum)) + (["0"] if minimum == 0 else [])
    return f"^{_SPACE}0*(?:{'|'.join(numbers)}){_FRACTION}{_SPACE}$"


def _at_most(limit: str) -> list[str]:
    """Alternatives matching every integer from 1 to `limit` written without leading zeros."""
    length = len(limit)
    shorter = "[1-9]" + (f"[0-9]{{0,{length - 2}}}" if length > 2 else "")
    alternatives = [shorter] if length > 1 else []
    for position, digit in enumerate(limit):
        lowest = 1 if position == 0 else 0
        if int(digit) > lowest:
            highest, rest = int(digit) - 1, length - position - 1
            below = str(lowest) if highest == lowest else f"[{lowest}-{highest}]"
            alternatives.append(
                limit[:position] + below + ("[0-9]" * min(rest, 1)) + (f"{{{rest}}}" if rest > 1 else "")
            )
    alternatives.append(limit)
    return alternatives
