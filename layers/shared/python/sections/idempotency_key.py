"""The Idempotency-Key request header: 1 to 255 printable ASCII characters, bare or as a quoted string."""

from __future__ import annotations

import re

from sections.problems import FieldError, InvalidRequest

IDEMPOTENCY_HEADER = "idempotency-key"
MAX_KEY_LENGTH = 255
# Printable ASCII, not starting with a quote; or a structured-field string: printable ASCII and
# spaces between quotes, with \" and \\ escaped. ECMA-262-compatible, so the OpenAPI schema uses it too.
BARE_KEY_PATTERN = f"[!#-~][!-~]{{0,{MAX_KEY_LENGTH - 1}}}"
QUOTED_KEY_PATTERN = f'"((?:[ !#-\\[\\]-~]|\\\\["\\\\]){{1,{MAX_KEY_LENGTH}}})"'
# HTTP's optional whitespace around a field value (RFC 9110, 5.5): spaces and tabs only.
OPTIONAL_WHITESPACE = " \t"
HEADER_PATTERN = f"^[{OPTIONAL_WHITESPACE}]*(?:{BARE_KEY_PATTERN}|{QUOTED_KEY_PATTERN})[{OPTIONAL_WHITESPACE}]*$"
_BARE_KEY = re.compile(BARE_KEY_PATTERN)
_QUOTED_KEY = re.compile(QUOTED_KEY_PATTERN)


def parse_idempotency_key(raw: str | None) -> str | None:
    """1 to 255 printable ASCII characters, bare or as a structured-field string ("...")."""
    if raw is None:
        return None
    value = raw.strip(OPTIONAL_WHITESPACE)
    quoted = _QUOTED_KEY.fullmatch(value)
    if quoted:
        return re.sub(r"\\(.)", r"\1", quoted.group(1))
    if _BARE_KEY.fullmatch(value):
        return value
    raise InvalidRequest(
        "The Idempotency-Key header is invalid.",
        errors=[FieldError("Idempotency-Key", "must be 1 to 255 printable ASCII characters")],
    )
