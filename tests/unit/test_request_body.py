import base64
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sections.problems import InvalidRequest, PayloadTooLarge, UnsupportedMediaType
from sections.request_body import MAX_BODY_BYTES, parse_section_body
from sections.request_models import SectionChanges, SectionRequest

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def parse(body, content_type=JSON, is_base64_encoded=False):
    return parse_section_body(body, is_base64_encoded=is_base64_encoded, content_type=content_type)


def fields_of(raised):
    return {error.field: error.message for error in raised.value.errors}


def test_defaults_and_trimmed_name():
    request = parse('{"name": "  Intro  "}')
    assert (request.name, request.dripped_at, request.drip_delay, request.lessons_order) == ("Intro", None, 0, [])


def test_read_only_id_is_ignored():
    request = parse('{"name": "Intro", "id": 99}')
    assert "id" not in request.model_dump()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-03-01T10:00:00Z", datetime(2025, 3, 1, 10, tzinfo=UTC)),
        ("2025-03-01T10:00:00", datetime(2025, 3, 1, 10, tzinfo=UTC)),  # no offset: taken as UTC
        ("2025-03-01T12:00:00+02:00", datetime(2025, 3, 1, 10, tzinfo=UTC)),
    ],
)
def test_dripped_at_is_normalised_to_utc(raw, expected):
    assert parse(json.dumps({"name": "x", "dripped_at": raw})).dripped_at == expected


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "drip_delay": True}, "drip_delay"),
        ({"name": "x", "drip_delay": "5.5"}, "drip_delay"),
        ({"name": "x", "drip_delay": 5.5}, "drip_delay"),
        ({"name": "x", "lessons_order": [1, 2.5]}, "lessons_order[1]"),
        ({"name": "x", "lessons_order": [1, 1.0]}, "lessons_order"),
        ({"name": "x", "drip_delay": -1}, "drip_delay"),
        ({"name": "x", "drip_delay": 2**31}, "drip_delay"),
        ({"name": "x", "lessons_order": [1, True]}, "lessons_order[1]"),
        ({"name": "x", "lessons_order": ["one"]}, "lessons_order[0]"),
        ({"name": "x", "lessons_order": [0]}, "lessons_order[0]"),
        ({"name": "x", "lessons_order": [2**53]}, "lessons_order[0]"),
        ({"name": "x", "lessons_order": [1, 2, 1]}, "lessons_order"),
        ({"name": "x", "lessons_order": list(range(1, 1002))}, "lessons_order"),
        ({"name": "x", "lessons_order": "1,2"}, "lessons_order"),
        ({"name": 5}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"name": "bad\u0000name"}, "name"),
        ({"name": "tab\tinside"}, "name"),
        ({"name": "x", "dripped_at": "yesterday"}, "dripped_at"),
        ({"name": "x", "dripped_at": 1700000000}, "dripped_at"),
        ({"name": "x", "dripped_at": "2025-13-01T00:00:00Z"}, "dripped_at"),
        ({}, "name"),
    ],
)
def test_strict_json_rules_name_the_field(body, field):
    with pytest.raises(InvalidRequest) as raised:
        parse(json.dumps(body))
    assert field in fields_of(raised)


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(InvalidRequest) as raised:
        parse(json.dumps({"name": "", "drip_delay": "1.5", "lessons_order": [0], "extra": 1}))
    assert set(fields_of(raised)) == {"name", "drip_delay", "lessons_order[0]"}


@pytest.mark.parametrize("model", [SectionRequest, SectionChanges])
@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_fields_the_section_does_not_have_are_ignored_and_the_known_ones_stay_strict(model, content_type):
    """The platform's editor sends `type`; the platform ignores fields it does not know, and so do we."""
    unknown = {"type": "lesson", "created_by": "mallory", "section_seq": "9", "deleted": "true", "colour": "red"}
    if content_type == "application/json":
        body = json.dumps({"name": "Week 1", **unknown})
    else:
        body = "name=Week+1&" + "&".join(f"{key}={value}&{key}={value}" for key, value in unknown.items())
    parsed = parse_section_body(body, is_base64_encoded=False, content_type=content_type, model=model)
    assert parsed.model_dump(exclude_none=True) == {
        "name": "Week 1",
        **({"drip_delay": 0, "lessons_order": []} if model is SectionRequest else {}),
    }
    with pytest.raises(InvalidRequest) as raised:
        parse_section_body(
            json.dumps({"name": "Week 1", "type": "lesson", "drip_delay": True}),
            is_base64_encoded=False,
            content_type="application/json",
            model=model,
        )
    assert fields_of(raised) == {"drip_delay": "must be an integer"}


def test_name_of_255_characters_after_trimming_is_accepted():
    assert parse(json.dumps({"name": " " + "é" * 255 + " "})).name == "é" * 255


def test_lessons_order_limits_are_inclusive():
    request = parse(json.dumps({"name": "x", "lessons_order": [*range(1, 1000), 2**53 - 1]}))
    assert len(request.lessons_order) == 1000


@pytest.mark.parametrize("body", ["", "   ", None])
def test_empty_json_body_is_400(body):
    with pytest.raises(InvalidRequest) as raised:
        parse(body)
    assert fields_of(raised) == {"body": "a Course Section is required"}


@pytest.mark.parametrize("body", ["", "  ", None])
def test_an_empty_form_is_a_form_without_fields(body):
    """What `{}` is as a form: a patch of nothing, and a create or replace without its required name."""
    form = "application/x-www-form-urlencoded"
    assert parse_section_body(body, is_base64_encoded=False, content_type=form, model=SectionChanges).changes() == {}
    with pytest.raises(InvalidRequest) as raised:
        parse_section_body(body, is_base64_encoded=False, content_type=form)
    assert fields_of(raised) == {"name": "field required"}


@pytest.mark.parametrize("body", ["{", "nope", '{"name": "x",}', "[1]", '"x"'])
def test_malformed_or_non_object_json_is_400(body):
    with pytest.raises(InvalidRequest) as raised:
        parse(body)
    assert list(fields_of(raised)) == ["body"]


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/xml", "multipart/form-data; boundary=x"])
def test_other_content_types_are_415(content_type):
    with pytest.raises(UnsupportedMediaType):
        parse('{"name": "x"}', content_type=content_type)


def test_content_type_parameters_and_case_are_accepted():
    assert parse('{"name": "x"}', content_type="Application/JSON; charset=utf-8").name == "x"


def test_body_over_64_kib_is_413_and_at_the_limit_is_not():
    at_limit = json.dumps({"name": "x"}).ljust(MAX_BODY_BYTES)
    assert parse(at_limit).name == "x"
    with pytest.raises(PayloadTooLarge):
        parse(at_limit + " ")


def test_base64_bodies_are_decoded_and_size_checked_after_decoding():
    encoded = base64.b64encode(b'{"name": "From base64"}').decode()
    assert parse(encoded, is_base64_encoded=True).name == "From base64"
    with pytest.raises(PayloadTooLarge):
        parse(base64.b64encode(b" " * (MAX_BODY_BYTES + 1)).decode(), is_base64_encoded=True)
    with pytest.raises(InvalidRequest):
        parse("not base64!", is_base64_encoded=True)


def test_form_values_are_converted_to_field_types():
    request = parse(
        "name=Week+1&dripped_at=2025-03-01T10%3A00%3A00Z&drip_delay=3&lessons_order=3,1&lessons_order=2", FORM
    )
    assert request.name == "Week 1"
    assert request.dripped_at == datetime(2025, 3, 1, 10, tzinfo=UTC)
    assert request.drip_delay == 3
    assert request.lessons_order == [3, 1, 2]


def test_form_empty_dripped_at_means_null_and_empty_lessons_order_means_none():
    request = parse("name=x&dripped_at=&lessons_order=", FORM)
    assert request.dripped_at is None
    assert request.lessons_order == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("name=x&drip_delay=true", "drip_delay"),
        ("name=x&drip_delay=1.5", "drip_delay"),
        ("name=x&lessons_order=1,a", "lessons_order[1]"),
        ("name=x&dripped_at=1700000000", "dripped_at"),
        ("name=x&name=y", "name"),
        ("drip_delay=1", "name"),
    ],
)
def test_form_rules_name_the_field(body, field):
    with pytest.raises(InvalidRequest) as raised:
        parse(body, FORM)
    assert field in fields_of(raised)


def test_form_typed_json_object_is_read_as_json():
    """The platform's published example: Content-Type form, body a JSON object."""
    request = parse('{"name": "string"}', FORM)
    assert request.name == "string"


def test_form_body_with_invalid_utf8_is_400():
    with pytest.raises(InvalidRequest):
        parse(base64.b64encode(b"name=\xff\xfe").decode(), FORM, is_base64_encoded=True)


def test_whole_numbers_written_with_a_fraction_are_integers_as_in_json_schema():
    """JSON Schema's "integer" takes 5.0, and JSON cannot tell 5.0 from 5: the published schema and the server agree."""
    request = parse(json.dumps({"name": "x", "drip_delay": 5.0, "lessons_order": [3.0, 1]}))
    assert (request.drip_delay, request.lessons_order) == (5, [3, 1])
    assert all(type(value) is int for value in [request.drip_delay, *request.lessons_order])


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": ""}, "name", "must not be empty"),
        ({"name": "x" * 256}, "name", "must be at most 255 characters"),
        ({"name": 5}, "name", "must be a string"),
        ({"name": "x", "lessons_order": list(range(1, 1002))}, "lessons_order", "must have at most 1000 items"),
        ({"name": "x", "lessons_order": "1,2"}, "lessons_order", "must be a list"),
        ({"name": "x", "lessons_order": [0]}, "lessons_order[0]", "must be 1 or more"),
        ({"name": "x", "lessons_order": [2**53]}, "lessons_order[0]", "must be 9007199254740991 or less"),
        ({"name": "x", "drip_delay": -1}, "drip_delay", "must be 0 or more"),
        ({"name": "x", "drip_delay": 2**31}, "drip_delay", "must be 2147483647 or less"),
        ({"name": "x", "drip_delay": 1.5}, "drip_delay", "must be an integer"),
        (
            {"name": "x", "drip_delay": "seven"},
            "drip_delay",
            'must be an integer, or a string of its decimal digits such as "7"',
        ),
        (
            {"name": "x", "drip_delay": "-1"},
            "drip_delay",
            'must be an integer, or a string of its decimal digits such as "7"',
        ),
        ({"name": "x", "drip_delay": "2147483648"}, "drip_delay", "must be 2147483647 or less"),
        ({"name": "x", "lessons_order": ["0"]}, "lessons_order[0]", "must be 1 or more"),
        ({"name": "x", "dripped_at": 5}, "dripped_at", "must be an ISO 8601 date-time, such as 2025-03-01T10:00:00Z"),
    ],
)
def test_every_rule_is_said_in_the_apis_own_words(body, field, message):
    """What the API allows, never pydantic's wording ("List should have at most 1000 items after validation")."""
    with pytest.raises(InvalidRequest) as raised:
        parse(json.dumps(body))
    assert fields_of(raised) == {field: message}


JARGON = ("Input should", "after validation", "pydantic", "Value error", "valid array", "dictionary")


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["name", "dripped_at", "drip_delay", "lessons_order", "id", "other"]),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
            lambda children: (
                st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=2)
            ),
            max_leaves=5,
        ),
    )
)
def test_no_message_names_the_validation_librarys_internals(body):
    try:
        parse(json.dumps(body))
    except InvalidRequest as refused:
        for error in refused.errors or []:
            assert not any(word in error.message for word in JARGON), error


def test_a_form_sends_the_empty_list_as_one_empty_value_and_refuses_empty_items_among_others():
    assert parse("name=x&lessons_order=", FORM).lessons_order == []
    for body in ("name=x&lessons_order=&lessons_order=3", "name=x&lessons_order=3,,1"):
        with pytest.raises(InvalidRequest) as raised:
            parse(body, FORM)
        assert any(field.startswith("lessons_order[") for field in fields_of(raised)), body


@pytest.mark.parametrize(
    "instant",
    [
        "0001-01-01T00:00:00+01:00",  # an hour before year 1 in UTC
        "0001-01-01T00:59:59.999999+23:59",
        "9999-12-31T23:59:59-00:01",  # past 9999 in UTC
        "9999-12-31T01:00:00-23:59",
    ],
)
@pytest.mark.parametrize("model", [SectionRequest, SectionChanges])
def test_an_instant_utc_cannot_write_is_a_400_naming_dripped_at_not_a_500(instant, model):
    """datetime.astimezone raises OverflowError there, which pydantic does not turn into a validation error."""
    for body, content_type in (
        (json.dumps({"name": "x", "dripped_at": instant}), JSON),
        (f"name=x&dripped_at={instant.replace('+', '%2B')}", "application/x-www-form-urlencoded"),
    ):
        with pytest.raises(InvalidRequest) as raised:
            parse_section_body(body, is_base64_encoded=False, content_type=content_type, model=model)
        assert fields_of(raised) == {"dripped_at": "must be an instant from year 1 to year 9999 in UTC"}


def test_the_edges_utc_can_write_are_accepted():
    assert parse('{"name": "x", "dripped_at": "0001-01-01T00:00:00+00:00"}').dripped_at == datetime(1, 1, 1, tzinfo=UTC)
    assert parse('{"name": "x", "dripped_at": "9999-12-31T23:59:59-00:00"}').dripped_at == datetime(
        9999, 12, 31, 23, 59, 59, tzinfo=UTC
    )
