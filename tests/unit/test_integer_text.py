"""Integers sent as JSON strings (sections/integer_text.py): the rule, its published pattern, and the bodies that use it."""

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sections import integer_text
from sections.problems import InvalidRequest
from sections.request_body import parse_section_body
from sections.request_models import MAX_DRIP_DELAY, CourseChanges, SectionChanges
from sections.section import MAX_SAFE_INTEGER

RANGES = [(0, MAX_DRIP_DELAY), (1, MAX_SAFE_INTEGER), (0, 9), (1, 1), (1, 10), (0, 1000)]


def patch(body: str, content_type: str = "application/json") -> SectionChanges:
    return parse_section_body(body, is_base64_encoded=False, content_type=content_type, model=SectionChanges)


def field_errors(body: str, content_type: str = "application/json") -> dict[str, str]:
    with pytest.raises(InvalidRequest) as raised:
        patch(body, content_type)
    return {error.field: error.message for error in raised.value.errors}


@pytest.mark.parametrize(
    ("text", "number"),
    [("7", 7), ("07", 7), ("7.", 7), ("7.0", 7), ("7.000", 7), (" 7 ", 7), ("\t7\r\n", 7), ("0", 0), ("000", 0)],
)
def test_the_platforms_integer_strings_are_read_as_numbers(text, number):
    """As Django REST framework's IntegerField reads them: int() after a trailing `.0` is cut."""
    assert integer_text.parse(text, MAX_DRIP_DELAY) == number


@pytest.mark.parametrize(
    "text", ["", " ", "7.5", "7.01", "seven", "+7", "-1", "-0", "1e3", "1_000", "\u0667", "0x7", "7 7", ".0"]
)
def test_anything_else_is_not_an_integer_string(text):
    assert integer_text.parse(text, MAX_DRIP_DELAY) is None


def test_a_very_long_number_is_over_the_range_without_being_converted():
    assert integer_text.parse("9" * 50_000, MAX_DRIP_DELAY) == MAX_DRIP_DELAY + 1
    assert integer_text.parse("0" * 50_000 + "7", MAX_DRIP_DELAY) == 7


texts = st.one_of(
    st.text(alphabet=" \t\n\r0123456789.+-e_", max_size=14),
    st.integers(min_value=0, max_value=2**54).map(str),
    st.builds(
        lambda lead, number, fraction, space: f"{space}{'0' * lead}{number}{fraction}{space}",
        st.integers(0, 3),
        st.integers(0, 2**54),
        st.sampled_from(["", ".", ".0", ".00", ".5"]),
        st.sampled_from(["", " ", "\t", "\n"]),
    ),
)


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(RANGES), texts)
def test_the_published_pattern_matches_exactly_the_texts_the_server_accepts(bounds, text):
    minimum, maximum = bounds
    number = integer_text.parse(text, maximum)
    accepted = number is not None and minimum <= number <= maximum
    assert bool(re.search(integer_text.pattern(minimum, maximum), text)) is accepted, text


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(RANGES), st.integers(min_value=0, max_value=2**54))
def test_every_number_in_range_and_no_other_matches_the_pattern(bounds, number):
    minimum, maximum = bounds
    in_range = minimum <= number <= maximum
    assert bool(re.search(integer_text.pattern(minimum, maximum), str(number))) is in_range
    assert bool(re.search(integer_text.pattern(minimum, maximum), str(maximum))) is True


def test_the_editors_day_delay_and_the_reorders_strings_become_numbers():
    changes = patch('{"drip_delay": "7", "lessons_order": ["3", 1, "2.0"]}').changes()
    assert changes == {"drip_delay": 7, "lessons_order": [3, 1, 2]}
    assert all(type(value) is int for value in [changes["drip_delay"], *changes["lessons_order"]])
    assert CourseChanges.model_validate_json('{"sections_order": ["2", 1]}', strict=True).sections_order == [2, 1]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"drip_delay": "7.5"}, "drip_delay", integer_text.MESSAGE),
        ({"drip_delay": "seven"}, "drip_delay", integer_text.MESSAGE),
        ({"drip_delay": ""}, "drip_delay", integer_text.MESSAGE),
        ({"drip_delay": "-1"}, "drip_delay", integer_text.MESSAGE),
        ({"drip_delay": "2147483648"}, "drip_delay", "must be 2147483647 or less"),
        ({"drip_delay": True}, "drip_delay", "must be an integer"),
        ({"drip_delay": "true"}, "drip_delay", integer_text.MESSAGE),
        ({"lessons_order": ["1", "1.0"]}, "lessons_order", "must not contain duplicate lesson ids"),
        ({"lessons_order": ["9007199254740992"]}, "lessons_order[0]", "must be 9007199254740991 or less"),
        ({"name": None}, "name", "must be a string"),
    ],
)
def test_what_the_platform_refuses_stays_refused_in_the_apis_own_words(body, field, message):
    assert field_errors(json.dumps(body)) == {field: message}


FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ("drip_delay=1_000", "drip_delay"),
        ("drip_delay=%2B7", "drip_delay"),  # +7
        ("drip_delay=-0", "drip_delay"),
        ("drip_delay=1e3", "drip_delay"),
        ("drip_delay=%D9%A7", "drip_delay"),  # an Arabic-Indic seven
        ("lessons_order=1_0", "lessons_order[0]"),
        ("lessons_order=%2B3", "lessons_order[0]"),
        ("drip_delay=" + "9" * 5000, "drip_delay"),  # past int()'s 4,300 digits: refused, not a 500
    ],
)
def test_a_form_follows_the_json_integer_rule(form, field):
    """One rule for integers written as text, in a JSON string or a form (docs/api.md, "Integers as strings")."""
    errors = field_errors(form, FORM)
    assert list(errors) == [field]
    assert errors[field] in (integer_text.MESSAGE, "must be 2147483647 or less")


def test_a_form_takes_what_the_json_rule_takes():
    assert patch("drip_delay=7.0&lessons_order=007, 3 ", FORM).changes() == {"drip_delay": 7, "lessons_order": [7, 3]}
    assert patch("drip_delay=%207.%20", FORM).changes() == {"drip_delay": 7}
