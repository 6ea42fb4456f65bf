"""The ordering rule docs/data-model.md publishes (sections.section.course_order), as properties.

Checked to fail on broken copies of the rule: without the dedupe of the chosen ids (an id chosen twice
is listed twice), with the rest in insertion order instead of ascending, and with chosen ids kept that
no longer exist; Hypothesis found a counterexample for each within its default examples.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from sections.repository import encode_fields, section_from_item
from sections.section import WRITABLE_FIELDS, Section, course_order

ids = st.lists(st.integers(min_value=1, max_value=50), max_size=30)


@given(chosen=ids, existing=ids)
def test_every_existing_id_once_the_chosen_first_in_their_order_the_rest_ascending(chosen, existing):
    # Given a stored order (any list, even one another writer left with repeats) and the sections that exist
    live = set(existing)

    # When the course lists them
    order = course_order(chosen, existing)

    # Then each existing section appears exactly once, and nothing else
    assert sorted(order) == sorted(live)
    # the chosen ones that still exist come first, in the order of their first mention
    kept = [section_id for section_id in dict.fromkeys(chosen) if section_id in live]
    assert order[: len(kept)] == kept
    # and the others follow by id
    assert order[len(kept) :] == sorted(live - set(kept))


sections = st.builds(
    Section,
    id=st.integers(min_value=1, max_value=2**53 - 1),
    name=st.text(min_size=1, max_size=40),
    dripped_at=st.none() | st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1)),
    drip_delay=st.integers(min_value=0, max_value=10_000),
    lessons_order=st.lists(st.integers(min_value=1, max_value=2**53 - 1), max_size=10),
)


@given(section=sections)
def test_a_section_survives_its_item_encoding(section):
    # Given a section, when it is encoded as the item the table stores and decoded back
    fields = {name: getattr(section, name) for name in WRITABLE_FIELDS}
    item = {"section_id": {"N": str(section.id)}, **encode_fields(fields)}
    decoded = section_from_item(item)

    # Then the API answers the same (timestamps are stored to the microsecond, in UTC)
    assert decoded.to_response() == section.to_response()
