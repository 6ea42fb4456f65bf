"""docs/openapi.json is what the code generates now (regenerate with `make openapi`)."""

import json
import re
from pathlib import Path
from unittest.mock import ANY

from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from contract.openapi import openapi_document
from sections import integer_text
from sections.idempotency_key import HEADER_PATTERN, parse_idempotency_key
from sections.problems import InvalidRequest
from sections.request_models import NAME_PATTERN, SectionRequest

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_openapi_matches_the_code():
    assert json.loads(COMMITTED.read_text()) == openapi_document(), "docs/openapi.json is stale: run `make openapi`"


def test_openapi_documents_the_contract():
    document = openapi_document()
    assert document["openapi"] == "3.1.0"
    assert {path: sorted(operations) for path, operations in document["paths"].items()} == {
        "/api/v2/course/{id}/": ["get", "patch"],
        "/api/v2/course/{id}/section/": ["get", "post"],
        "/api/v2/course/{id}/section/{section_id}/": ["delete", "get", "patch", "put"],
        "/api/v2/course/{id}/section/{section_id}/lesson/": ["get", "post"],
        "/api/v2/course/{id}/section/{section_id}/lesson/{lesson_id}/": ["delete", "get", "patch", "put"],
    }
    operation = document["paths"]["/api/v2/course/{id}/section/"]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/json", "application/x-www-form-urlencoded"}
    assert {p["name"] for p in operation["parameters"]} == {"id", "Idempotency-Key"}
    assert operation["responses"]["201"]["headers"]["Location"]["required"] is True
    assert operation["responses"]["503"]["headers"]["Retry-After"]
    for status in ("400", "403", "404", "409", "413", "415", "422", "500", "503"):
        assert "application/problem+json" in operation["responses"][status]["content"], status
    assert document["components"]["securitySchemes"]["bearerJwt"]["scheme"] == "bearer"
    assert document["security"] == [{"bearerJwt": []}]
    request = document["components"]["schemas"]["SectionRequest"]
    # Fields the section does not have are accepted and ignored, as the server does.
    assert "additionalProperties" not in request
    assert "ignored" in request["description"]
    assert request["required"] == ["name"]
    lesson, digits = request["properties"]["lessons_order"]["items"]["anyOf"]
    assert lesson == {"type": "integer", "minimum": 1, "maximum": 2**53 - 1}
    assert digits == {"type": "string", "pattern": integer_text.pattern(1, 2**53 - 1), "description": ANY}
    number, digits = request["properties"]["drip_delay"]["anyOf"]
    assert (number["minimum"], number["maximum"]) == (0, 2**31 - 1)
    assert digits["pattern"] == integer_text.pattern(0, 2**31 - 1)
    assert "decimal point followed only by zeros" in digits["description"]
    form = document["components"]["schemas"]["SectionRequestForm"]["properties"]
    assert (form["drip_delay"]["type"], form["lessons_order"]["anyOf"][0]["items"]["type"]) == ("integer", "integer")
    changes = document["components"]["schemas"]["SectionChanges"]
    assert "required" not in changes and "additionalProperties" not in changes


def test_every_operation_is_documented_with_its_parameters_and_answers():
    operations = {
        operation["operationId"]: (method, operation)
        for path in openapi_document()["paths"].values()
        for method, operation in path.items()
    }
    expected = {
        "getCourseSections": ("get", "200", {"id"}),
        "getCourseSection": ("get", "200", {"id", "section_id"}),
        "updateCourseSection": ("put", "200", {"id", "section_id"}),
        "patchCourseSection": ("patch", "200", {"id", "section_id"}),
        "deleteCourseSection": ("delete", "204", {"id", "section_id"}),
        "createCourseSection": ("post", "201", {"id", "Idempotency-Key"}),
        # Named after the published client's CourseService.patchCourse, which the editor reorders with.
        "patchCourse": ("patch", "200", {"id"}),
        "getCourseOutline": ("get", "200", {"id", "view"}),
        "createCourseLesson": ("post", "201", {"id", "section_id", "Idempotency-Key"}),
        "getCourseLessons": ("get", "200", {"id", "section_id"}),
        "getCourseLesson": ("get", "200", {"id", "section_id", "lesson_id"}),
        "updateCourseLesson": ("put", "200", {"id", "section_id", "lesson_id"}),
        "patchCourseLesson": ("patch", "200", {"id", "section_id", "lesson_id"}),
        "deleteCourseLesson": ("delete", "204", {"id", "section_id", "lesson_id"}),
    }
    assert set(operations) == set(expected)
    for operation_id, (method, success, parameters) in expected.items():
        found_method, operation = operations[operation_id]
        assert found_method == method
        assert success in operation["responses"], operation_id
        assert {p["name"] for p in operation["parameters"]} == parameters
        for status in ("400", "401", "403", "404", "405", "500", "503"):
            assert status in operation["responses"], (operation_id, status)
    assert operations["patchCourseSection"][1]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SectionChanges"
    }
    assert "409" in operations["patchCourse"][1]["responses"]


def test_the_committed_description_is_a_valid_openapi_document():
    """openapi-spec-validator: a patch's absent fields carry no `default: null` on types that cannot be null."""
    from openapi_spec_validator import validate

    validate(json.loads(COMMITTED.read_text()))
    for patch in ("SectionChanges", "LessonChanges"):
        changes = openapi_document()["components"]["schemas"][patch]
        assert not [name for name, field in changes["properties"].items() if "default" in field], patch


def test_create_links_to_read_replace_patch_and_delete_for_the_stateful_phase():
    paths = openapi_document()["paths"]
    links = paths["/api/v2/course/{id}/section/"]["post"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in links.values()} == {
        "getCourseSection",
        "updateCourseSection",
        "patchCourseSection",
        "deleteCourseSection",
    }
    for link in links.values():
        assert link["parameters"] == {"id": "$request.path.id", "section_id": "$response.body#/id"}
    read_links = paths["/api/v2/course/{id}/section/{section_id}/"]["get"]["responses"]["200"]["links"]
    assert "deleteCourseSection" in {link["operationId"] for link in read_links.values()}
    patch_links = paths["/api/v2/course/{id}/section/{section_id}/"]["patch"]["responses"]["200"]["links"]
    assert "deleteCourseSection" in {link["operationId"] for link in patch_links.values()}


# Whitespace, controls, quotes, backslashes and the rest: where the pattern and the code could part.
_EDGY_TEXT = st.text(st.sampled_from([*'ab \t\n\x0b\x85\xa0\u2028\u3000\ufeff\x00\x1f\x7f\x9f"\\~!é']), max_size=6)


@given(
    st.one_of(
        _EDGY_TEXT,
        st.text(max_size=300),
        st.builds(lambda n, pad: " " * pad + "x" * n, st.integers(250, 260), st.integers(0, 3)),
    )
)
def test_the_published_name_pattern_accepts_exactly_what_the_model_accepts(name):
    try:
        SectionRequest(name=name)
        accepted = True
    except ValidationError:
        accepted = False
    assert bool(re.fullmatch(NAME_PATTERN, name)) is accepted


@given(
    st.one_of(
        _EDGY_TEXT, st.text(st.characters(max_codepoint=127), max_size=260), st.builds(lambda s: f'"{s}"', _EDGY_TEXT)
    )
)
def test_the_published_idempotency_key_pattern_accepts_exactly_what_the_server_accepts(header):
    try:
        parse_idempotency_key(header)
        accepted = True
    except InvalidRequest:
        accepted = False
    assert bool(re.fullmatch(HEADER_PATTERN, header)) is accepted
