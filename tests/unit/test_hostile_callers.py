"""No caller earns a 5xx, or a write it was not given, whatever it sends: bodies, paths, headers and claims,
on every operation, with roles from the token and from the table (issue #33's red-team findings, as a property).

Each example is one request by a caller drawn from every kind the API meets: a stranger (no role, a role on
another course, a group name with spaces, a course id thousands of digits long, a staff entry of any other
value), or a manager of the course. The property: never a 5xx; a refusal writes nothing; a stranger is always
refused. HOSTILE_EXAMPLES sets the count per role mode (`make test` keeps it modest).
"""

from __future__ import annotations

import base64
import json
import os
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from localdev.dynamodb import put_course
from sections.wiring import dependencies
from tests.support import COURSES_TABLE, ROLES_CLAIM, call, make_event, set_course_staff, unsigned_token

COURSE = 5
MANAGER = "m1"
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "40"))

# Text that has broken conversions: instants UTC cannot write, integers past int()'s 4,300 digits, signs,
# underscores, other digits, NUL, lone surrogates' neighbours, huge exponents.
_EDGE_TEXT = [
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:30:00+23:59",
    "9999-12-31T23:59:59-00:01",
    "9999-12-31T23:59:59.999999-23:59",
    "0001-01-01T00:00:00",
    "2025-02-29T00:00:00Z",
    "9" * 5000,
    "1_000",
    "+7",
    "-0",
    "7.0",
    "1e999",
    "٧",
    "\x00",
    "",
    " ",
]
_DATE_TIMES = st.builds(
    lambda moment, minutes: moment.replace(tzinfo=timezone(timedelta(minutes=minutes))).isoformat(),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1),
)
_TEXT = st.one_of(st.sampled_from(_EDGE_TEXT), _DATE_TIMES, st.text(max_size=40))
_JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    _TEXT,
)
_JSON = st.recursive(
    _JSON_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=3), max_leaves=12
)
_FIELDS = [
    "name",
    "dripped_at",
    "drip_delay",
    "lessons_order",
    "sections_order",
    "id",
    "type",
    "status",
    "comments_enabled",
    "medias",
    "text",
]
_BODY = st.dictionaries(st.sampled_from(_FIELDS), _JSON, max_size=5)


@st.composite
def _request_body(draw: Any) -> tuple[str | None, str | None]:
    """(content type, body): JSON, a form, or anything else."""
    fields = draw(_BODY)
    kind = draw(st.sampled_from(["json", "form", "raw"]))
    if kind == "json":
        return "application/json", json.dumps(fields)
    if kind == "form":
        pairs = [(name, value if isinstance(value, str) else json.dumps(value)) for name, value in fields.items()]
        return "application/x-www-form-urlencoded", urlencode(pairs)
    return draw(st.sampled_from([None, "application/json", "text/plain", "application/x-www-form-urlencoded"])), draw(
        st.one_of(st.none(), st.text(max_size=60))
    )


_OPERATIONS = [
    ("POST", {}),
    ("GET", {}),
    ("GET", {"section": "1"}),
    ("PUT", {"section": "1"}),
    ("PATCH", {"section": "1"}),
    ("DELETE", {"section": "1"}),
    ("PATCH", {"course_path": True}),
    ("GET", {"course_path": True, "query": {"view": "edit"}}),
    ("GET", {"course_path": True}),
    ("POST", {"lessons_of": "1"}),
    ("GET", {"lessons_of": "1"}),
    ("GET", {"lessons_of": "1", "lesson": "1"}),
    ("PUT", {"lessons_of": "1", "lesson": "1"}),
    ("PATCH", {"lessons_of": "1", "lesson": "1"}),
    ("DELETE", {"lessons_of": "1", "lesson": "1"}),
]
_PATH_IDS = st.one_of(
    st.just(str(COURSE)), st.sampled_from(["0", "007", "9" * 5000, "-1", "1e3", "%00"]), st.text(max_size=8)
)
# Strangers' groups: none of these grants course 5, nor the admin group "admins".
_STRANGER_GROUPS = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "Support admins",
                "admins x",
                f"course:{COURSE}:manager ",
                f" course:{COURSE}:manager",
                f"x course:{COURSE}:creator",
                f"course:{COURSE}:student",
                f"course:{'9' * 5000}:manager",
                f"course:0{COURSE}:manager",
                "course:6:manager",
            ]
        ),
        st.text(max_size=20).filter(
            lambda group: group not in {"admins", f"course:{COURSE}:manager", f"course:{COURSE}:creator"}
        ),
    ),
    max_size=4,
)
# What a course item's staff may hold for a stranger (any value but the two that grant, or no map at all).
_STAFF_ENTRY = st.one_of(
    st.sampled_from([{"S": "student"}, {"S": ""}, {"NULL": True}, {"S": "Manager"}, {"N": "1"}, {"L": []}, {"M": {}}]),
    st.builds(lambda text: {"S": text}, st.text(max_size=10).filter(lambda value: value not in ("manager", "creator"))),
)


@st.composite
def _caller(draw: Any, role_source: str) -> tuple[str, list[str], dict[str, Any], bool]:
    """(sub, the token's groups, the course item's staff attribute, whether the caller may work on course 5)."""
    stranger = draw(st.booleans())
    sub = (
        draw(
            st.sampled_from(["m2", "x y", "staff.member", "#m", MANAGER + " "])
            | st.text(min_size=1, max_size=12).filter(str.strip)
        )
        if stranger
        else MANAGER
    )
    groups = draw(_STRANGER_GROUPS)
    staff_for_sub = draw(_STAFF_ENTRY)
    staff = draw(
        st.sampled_from(
            [
                {"M": {MANAGER: {"S": "manager"}, sub: staff_for_sub}},
                {"S": sub},
                {"L": [{"S": sub}]},
                {"NULL": True},
            ]
        )
    )
    if not stranger:
        staff = {"M": {MANAGER: {"S": "manager"}}}
        if role_source == "token":
            groups = [*groups, f"course:{COURSE}:manager"]
    if stranger and sub == MANAGER:
        stranger = False
    return sub, groups, staff, not stranger


def _everything(client: Any) -> list[dict[str, Any]]:
    return sorted(client.scan(TableName=COURSES_TABLE)["Items"], key=lambda item: json.dumps(item, sort_keys=True))


@pytest.mark.parametrize("role_source", ["token", "table"])
def test_no_caller_earns_a_5xx_or_a_write_it_was_not_given(dynamodb, lambda_context, monkeypatch, role_source):
    monkeypatch.setenv("ROLE_SOURCE", role_source)
    monkeypatch.setenv("ADMIN_GROUP", "admins")
    dependencies.cache_clear()
    put_course(dynamodb, COURSES_TABLE, COURSE, name="Target", course_type="structured", staff={MANAGER: "manager"})
    seeded = make_event(course=str(COURSE), sub=MANAGER, groups=f"[course:{COURSE}:manager]")
    assert call(seeded, lambda_context)[0] == 201, "section 1 exists, for the reads and writes to aim at"

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        operation=st.sampled_from(_OPERATIONS),
        course=_PATH_IDS,
        body=_request_body(),
        caller=_caller(role_source),
        base64_body=st.booleans(),
        headers=st.dictionaries(
            st.sampled_from(["idempotency-key", "content-length", "origin"]), st.text(max_size=30), max_size=2
        ),
    )
    def request(operation, course, body, caller, base64_body, headers):
        sub, groups, staff, may_write = caller
        set_course_staff(dynamodb, COURSE, staff)
        method, options = operation
        content_type, text = body
        if base64_body and text is not None:
            text = base64.b64encode(text.encode()).decode()
        flattened = "[" + " ".join(groups) + "]"  # as API Gateway flattens the token's array
        event = make_event(
            method=method,
            course=course,
            sub=sub,
            groups=flattened,
            body=text,
            content_type=content_type,
            base64_body=base64_body,
            headers=headers,
            **options,
        )
        event["headers"]["authorization"] = "Bearer " + unsigned_token({"sub": sub, ROLES_CLAIM: groups})
        before = _everything(dynamodb)
        status, _, answer = call(event, lambda_context)
        assert status < 500, (status, answer, event["body"], groups, staff)
        if status >= 400 or not may_write:
            assert _everything(dynamodb) == before, "a refusal wrote"
        if not may_write:
            assert status in (400, 401, 403, 404, 405, 413, 415), (status, answer)

    request()
