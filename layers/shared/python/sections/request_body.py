"""Turns the HTTP body of a create, replace or patch into its model, or a 400/413/415 problem.

JSON is validated strictly (`true` and "5" are not integers); a form body arrives as text, so its
values are converted to the field types. Form-typed bodies that hold a JSON object are read as JSON,
because the platform's published example sends exactly that.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from pydantic import BaseModel, ValidationError

from sections.problems import FieldError, InvalidRequest, PayloadTooLarge, UnsupportedMediaType
from sections.request_models import MAX_LESSONS, SectionRequest

MAX_BODY_BYTES = 64 * 1024
JSON_MEDIA_TYPE = "application/json"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
_MAX_FORM_FIELDS = MAX_LESSONS + 8
_BASE64_CEILING = (MAX_BODY_BYTES + 2) // 3 * 4

Body = TypeVar("Body", bound=BaseModel)


def parse_event_body(event: Any, model: type[Body] = SectionRequest) -> Body:
    """The body of an API Gateway event (Powertools' APIGatewayProxyEventV2) as `model`."""
    return parse_section_body(
        event.body,
        is_base64_encoded=event.is_base64_encoded,
        content_type=event.headers.get("content-type"),
        model=model,
    )


def parse_section_body(
    body: str | None, *, is_base64_encoded: bool, content_type: str | None, model: type[Body] = SectionRequest
) -> Body:
    raw = _body_bytes(body, is_base64_encoded)
    media_type = _media_type(content_type)
    if not raw.strip() and media_type == JSON_MEDIA_TYPE:
        raise InvalidRequest("The request body is empty.", errors=[FieldError("body", "a Course Section is required")])
    # An empty form is a form without fields: a patch of nothing, or a create missing its name.
    if media_type == FORM_MEDIA_TYPE and raw.lstrip().startswith(b"{"):
        media_type = JSON_MEDIA_TYPE
    try:
        if media_type == JSON_MEDIA_TYPE:
            return model.model_validate_json(raw, strict=True)
        return model.model_validate(_form_fields(raw, model) if raw.strip() else {})
    except ValidationError as error:
        raise _invalid_request(error) from None


def _body_bytes(body: str | None, is_base64_encoded: bool) -> bytes:
    if not body:
        return b""
    if is_base64_encoded:
        if len(body) > _BASE64_CEILING:
            raise _too_large()
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidRequest(
                "The body is not valid base64.", errors=[FieldError("body", "invalid base64")]
            ) from None
    else:
        raw = body.encode("utf-8", errors="surrogatepass")
    if len(raw) > MAX_BODY_BYTES:
        raise _too_large()
    return raw


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body exceeds {MAX_BODY_BYTES} bytes.")


def _media_type(content_type: str | None) -> str:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type not in (JSON_MEDIA_TYPE, FORM_MEDIA_TYPE):
        raise UnsupportedMediaType(f"Send the body as {JSON_MEDIA_TYPE} or {FORM_MEDIA_TYPE}.")
    return media_type


def _form_fields(raw: bytes, model: type[BaseModel]) -> dict[str, object]:
    try:
        pairs = parse_qsl(
            raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=_MAX_FORM_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest(
            "The form body could not be read.",
            errors=[FieldError("body", "must be UTF-8 form data of reasonable size")],
        ) from None
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        if key in model.model_fields:  # unknown fields are ignored, as in JSON bodies
            grouped.setdefault(key, []).append(value)

    fields: dict[str, object] = {}
    repeated: list[FieldError] = []
    for key, values in grouped.items():
        if key == "lessons_order":
            # Repeated keys and comma-separated values both work, and may be mixed. One empty value
            # is the empty list (a form's only way to send one); an empty item among others is an
            # item that is not an integer (found by schemathesis: it was dropped, accepting the body).
            parts = [part.strip() for value in values for part in value.split(",")]
            fields[key] = [] if parts == [""] else parts
        elif len(values) > 1:
            repeated.append(FieldError(key, "must be given once"))
        elif key == "dripped_at" and not values[0].strip():
            fields[key] = None
        else:
            fields[key] = values[0]
    if repeated:
        raise InvalidRequest("The request body is invalid.", errors=repeated)
    return fields


def _invalid_request(error: ValidationError) -> InvalidRequest:
    details = error.errors(include_url=False, include_input=False)
    if any(detail["type"] == "json_invalid" for detail in details):
        return InvalidRequest("The body is not valid JSON.", errors=[FieldError("body", "malformed JSON")])
    return InvalidRequest("The request body is invalid.", errors=[_field_error(detail) for detail in details])


def _field_error(detail: dict) -> FieldError:  # type: ignore[type-arg]
    location = detail["loc"]
    name = "body"
    for part in location:
        name = f"{name}[{part}]" if isinstance(part, int) else (part if name == "body" else f"{name}.{part}")
    return FieldError(name, _message(detail))


def _message(detail: dict) -> str:  # type: ignore[type-arg]
    """What the API allows, in its own words: pydantic's messages name its internals ("after validation")."""
    kind, limits = detail["type"], detail.get("ctx") or {}
    if kind == "value_error":  # our own validators' messages are already written for clients
        return str(limits.get("error", detail["msg"])).removeprefix("Value error, ")
    if kind in _LIMIT_MESSAGES:
        return _LIMIT_MESSAGES[kind].format(**limits)
    return _MESSAGES.get(kind, "is not a valid value here")


_MESSAGES = {
    # Only models that serve some of a resource's fields forbid the others (the reorder's body).
    "extra_forbidden": "not changed here: this service changes only sections_order",
    "missing": "field required",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
    "list_type": "must be a list",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be a whole number",
    "string_type": "must be a string",
    "string_unicode": "must be text",
    "none_required": "must be null",
}
_LIMIT_MESSAGES = {
    "greater_than_equal": "must be {ge} or more",
    "less_than_equal": "must be {le} or less",
    "greater_than": "must be more than {gt}",
    "less_than": "must be less than {lt}",
    "string_too_short": "must not be empty",
    "string_too_long": "must be at most {max_length} characters",
    "too_long": "must have at most {max_length} items",
    "too_short": "must have at least {min_length} items",
}
