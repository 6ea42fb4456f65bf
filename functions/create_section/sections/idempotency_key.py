"""The Idempotency-Key request header: 1 to 255 printable ASCII characters, bare or as a quoted string."""

from __future__ import annotations

import re

from sections.problems import FieldError, InvalidRequest

IDEMPOTENCY_HEADER = "idempotency-key"
_BARE_KEY = re.compile(r"[\x21-\x7e]{1,255}")
_QUOTED_KEY = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\]){1,255})"')


def parse_idempotency_key(raw: str | None) -> str | None:
    """1 to 255 printable ASCII characters, bare or as a structured-field string ("...")."""
    if raw is None:
        return None
    value = raw.strip()
    quoted = _QUOTED_KEY.fullmatch(value)
    if quoted:
        key = re.sub(r"\\(.)", r"\1", quoted.group(1))
        if len(key) <= 255:
            return key
    elif _BARE_KEY.fullmatch(value) and not value.startswith('"'):
        return value
    raise InvalidRequest(
        "The Idempotency-Key header is invalid.",
        errors=[FieldError("Idempotency-Key", "must be 1 to 255 printable ASCII characters")],
    )
