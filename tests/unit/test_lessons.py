"""Course Lessons (…/section/{section_id}/lesson/ and …/lesson/{lesson_id}/) and the course outline
(GET /api/v2/course/{id}/?view=edit), on moto, through the functions API Gateway routes them to."""

from __future__ import annotations

import json

import pytest

from sections.lesson import MAX_LESSONS_PER_SECTION
from sections.repository import lesson_sk, section_key, text_sk
from tests.support import COURSES_TABLE, assert_problem, call, course_item, create, make_event

EDITOR_ADD = {"name": "Lesson 1", "type": "lesson"}  # what the course editor's "add a lesson" sends


def lesson_call(lambda_context, method, section="1", lesson=None, body=None, trailing_slash=True, **options):
    event = make_event(
        method=method,
        lessons_of=str(section),
        lesson=None if lesson is None else str(lesson),
        body=None if body is None else json.dumps(body),
        trailing_slash=trailing_slash,
        **options,
    )
    return call(event, lambda_context)


def add_lesson(lambda_context, body=None, section="1"):
    status, headers, created = lesson_call(lambda_context, "POST", section=section, body=body or EDITOR_ADD)
    assert status == 201, created
    return created, headers


def stored(client, course_id, sk):
    return client.get_item(TableName=COURSES_TABLE, Key={"course_id": {"N": str(course_id)}, "sk": {"S": sk}}).get(
        "Item"
    )


def outline(lambda_context, course="1", **options):
    return call(make_event(method="GET", course=course, course_path=True, body=None, **options), lambda_context)


@pytest.mark.parametrize("trailing_slash", [True, False])
def test_the_editors_add_creates_a_lesson_with_its_defaults(dynamodb, lambda_context, trailing_slash):
    create(lambda_context)
    status, headers, lesson = lesson_call(lambda_context, "POST", body=EDITOR_ADD, trailing_slash=trailing_slash)
    assert status == 201
    assert headers["Location"] == "/api/v2/course/1/section/1/lesson/1/"
    created_at = lesson.pop("created_at")
    assert created_at.endswith("Z")
    assert lesson == {
        "id": 1,
        "name": "Lesson 1",
        "type": "lesson",
        "status": "draft",
        "comments_enabled": True,
        "medias": [],
        "html": "",
        "course_id": 1,
        "section_id": 1,
    }
    item = stored(dynamodb, 1, lesson_sk(1, 1))
    assert (item["name"]["S"], item["status"]["S"], item["created_by"]["S"]) == ("Lesson 1", "draft", "user-123")
    assert stored(dynamodb, 1, text_sk(1, 1))["html"] == {"S": ""}
    # Counted on the section and the course, in the same transaction.
    assert stored(dynamodb, 1, section_key(1, 1)["sk"]["S"])["lesson_count"] == {"N": "1"}
    assert (course_item(dynamodb)["lesson_count"], course_item(dynamodb)["lesson_seq"]) == ({"N": "1"}, {"N": "1"})


def test_lesson_ids_are_per_course_and_never_repeat(dynamodb, lambda_context):
    create(lambda_context)
    create(lambda_context, {"name": "Week 2"})
    assert add_lesson(lambda_context)[0]["id"] == 1
    assert add_lesson(lambda_context, section="2")[0]["id"] == 2
    assert lesson_call(lambda_context, "DELETE", section="2", lesson=2)[0] == 204
    assert add_lesson(lambda_context, section="2")[0]["id"] == 3


def test_the_lesson_page_reads_and_saves_with_put(dynamodb, lambda_context):
    create(lambda_context)
    add_lesson(lambda_context)
    page = {
        "name": "Reading",
        "type": "lesson",
        "text": '<p class="editor-paragraph">Read <b>this</b></p>',
        "status": "published",
        "comments_enabled": False,
        "medias": [7, 3],
        "id": 99,
        "html": "ignored",
    }
    status, _, saved = lesson_call(lambda_context, "PUT", lesson=1, body=page)
    assert status == 200
    assert {key: saved[key] for key in ("id", "name", "status", "comments_enabled", "medias", "html")} == {
        "id": 1,
        "name": "Reading",
        "status": "published",
        "comments_enabled": False,
        "medias": [7, 3],
        "html": '<p class="editor-paragraph">Read <b>this</b></p>',
    }
    assert "text" not in saved  # write-only
    assert lesson_call(lambda_context, "GET", lesson=1)[2] == saved
    # A replace resets what it omits.
    status, _, replaced = lesson_call(lambda_context, "PUT", lesson=1, body={"name": "Again", "type": "lesson"})
    assert (replaced["status"], replaced["comments_enabled"], replaced["medias"], replaced["html"]) == (
        "draft",
        True,
        [],
        "",
    )


def test_rename_and_publish_are_patches_of_only_what_is_sent(dynamodb, lambda_context):
    create(lambda_context)
    add_lesson(lambda_context, {"name": "L", "type": "lesson", "text": "<p>kept</p>"})
    status, _, renamed = lesson_call(lambda_context, "PATCH", lesson=1, body={"name": "Renamed", "type": "lesson"})
    assert (status, renamed["name"], renamed["html"]) == (200, "Renamed", "<p>kept</p>")
    status, _, published = lesson_call(lambda_context, "PATCH", lesson=1, body={"status": "published"})
    assert (status, published["status"], published["name"]) == (200, "published", "Renamed")
    assert stored(dynamodb, 1, lesson_sk(1, 1))["status"] == {"S": "published"}
    assert lesson_call(lambda_context, "PATCH", lesson=1, body={})[2] == published


@pytest.mark.parametrize(
    "text",
    [
        "<p>hi<script>alert(1)</script></p>",
        '<p onclick="alert(1)">hi</p>',
        '<p>hi<a href="javascript:alert(1)">x</a></p>',
        '<p>hi<img src="x" onerror="alert(1)"></p>',
    ],
)
def test_script_event_handlers_and_javascript_links_never_reach_html(dynamodb, lambda_context, text):
    create(lambda_context)
    lesson, _ = add_lesson(lambda_context, {"name": "L", "type": "lesson", "text": text})
    html = lesson["html"]
    assert html.startswith("<p>hi")
    for unsafe in ("<script", "alert", "onclick", "onerror", "javascript:"):
        assert unsafe not in html, html
    assert stored(dynamodb, 1, text_sk(1, 1))["html"] == {"S": html}


def test_a_quiz_is_refused_naming_type(dynamodb, lambda_context):
    create(lambda_context)
    status, headers, body = lesson_call(lambda_context, "POST", body={"name": "Q", "type": "quiz"})
    assert_problem(status, headers, body, 400)
    (error,) = body["errors"]
    assert error["field"] == "type" and "quizzes are not served" in error["message"]
    assert stored(dynamodb, 1, lesson_sk(1, 1)) is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "lesson"}, "name"),
        ({"name": "   ", "type": "lesson"}, "name"),
        ({"name": "L"}, "type"),
        ({"name": "L", "type": "lesson", "status": "hidden"}, "status"),
        ({"name": "L", "type": "lesson", "comments_enabled": 1}, "comments_enabled"),
        ({"name": "L", "type": "lesson", "medias": [1, 1]}, "medias"),
        ({"name": "L", "type": "lesson", "medias": [0]}, "medias[0]"),
        ({"name": "L", "type": "lesson", "text": "x" * 60_001}, "text"),
    ],
)
def test_bad_lessons_are_400_naming_the_field_and_write_nothing(dynamodb, lambda_context, body, field):
    create(lambda_context)
    status, headers, problem = lesson_call(lambda_context, "POST", body=body)
    assert_problem(status, headers, problem, 400)
    assert field in [error["field"] for error in problem["errors"]]
    assert stored(dynamodb, 1, lesson_sk(1, 1)) is None and "lesson_count" not in course_item(dynamodb)


def test_a_section_lists_its_lessons_in_its_order_then_by_id(dynamodb, lambda_context):
    create(lambda_context, {"name": "Week 1", "lessons_order": [3, 99, 1]})
    for name in ("a", "b", "c"):
        add_lesson(lambda_context, {"name": name, "type": "lesson", "text": f"<p>{name}</p>"})
    status, _, listed = lesson_call(lambda_context, "GET")
    assert status == 200
    assert [(lesson["id"], lesson["html"]) for lesson in listed] == [(3, "<p>c</p>"), (1, "<p>a</p>"), (2, "<p>b</p>")]


def test_lessons_of_a_missing_section_or_lesson_are_404(dynamodb, lambda_context):
    create(lambda_context)
    for method, lesson, problem in [
        ("GET", None, "section-not-found"),
        ("POST", None, "section-not-found"),
        ("GET", 1, "lesson-not-found"),
        ("PATCH", 1, "lesson-not-found"),
        ("DELETE", 1, "lesson-not-found"),
    ]:
        body = {"status": "published"} if method == "PATCH" else EDITOR_ADD if method == "POST" else None
        section = "2" if lesson is None else "1"
        status, headers, answer = lesson_call(lambda_context, method, section=section, lesson=lesson, body=body)
        assert_problem(status, headers, answer, 404)
        assert answer["type"] == f"urn:course-api:problem:{problem}", (method, answer)
    assert "lesson_count" not in course_item(dynamodb)


def test_a_deleted_lesson_is_gone_with_both_items_and_its_counts(dynamodb, lambda_context):
    create(lambda_context)
    add_lesson(lambda_context, {"name": "L", "type": "lesson", "text": "<p>t</p>"})
    status, _, body = lesson_call(lambda_context, "DELETE", lesson=1)
    assert (status, body) == (204, None)
    assert stored(dynamodb, 1, lesson_sk(1, 1)) is None and stored(dynamodb, 1, text_sk(1, 1)) is None
    assert stored(dynamodb, 1, section_key(1, 1)["sk"]["S"])["lesson_count"] == {"N": "0"}
    assert course_item(dynamodb)["lesson_count"] == {"N": "0"}
    assert lesson_call(lambda_context, "GET", lesson=1)[0] == 404


def test_a_deleted_sections_lessons_are_gone_at_once(dynamodb, lambda_context):
    create(lambda_context)
    create(lambda_context, {"name": "Kept"})
    for _ in range(3):
        add_lesson(lambda_context)
    kept, _ = add_lesson(lambda_context, section="2")
    status, _, _ = call(make_event(method="DELETE", section="1", body=None), lambda_context)
    assert status == 204
    for lesson in (1, 2, 3):
        assert lesson_call(lambda_context, "GET", lesson=lesson)[0] == 404
        assert stored(dynamodb, 1, lesson_sk(1, lesson)) is None and stored(dynamodb, 1, text_sk(1, lesson)) is None
    assert course_item(dynamodb)["lesson_count"] == {"N": "1"}
    assert lesson_call(lambda_context, "GET", section="2", lesson=kept["id"])[2] == kept


def test_a_section_holds_at_most_its_maximum_of_lessons(dynamodb, lambda_context):
    create(lambda_context)
    for _ in range(MAX_LESSONS_PER_SECTION):
        add_lesson(lambda_context)
    status, headers, body = lesson_call(lambda_context, "POST", body=EDITOR_ADD)
    assert_problem(status, headers, body, 409)
    assert (body["type"], body["max_lessons_per_section"]) == (
        "urn:course-api:problem:too-many-lessons",
        MAX_LESSONS_PER_SECTION,
    )
    # The delete of a full section takes every lesson in its one transaction.
    assert call(make_event(method="DELETE", section="1", body=None), lambda_context)[0] == 204
    assert course_item(dynamodb)["lesson_count"] == {"N": "0"}


def test_the_outline_has_the_sections_in_order_with_their_lessons(dynamodb, lambda_context):
    create(lambda_context, {"name": "Week 1", "lessons_order": [2, 1]})
    create(lambda_context, {"name": "Week 2"})
    add_lesson(lambda_context, {"name": "One", "type": "lesson", "text": "<p>not in the outline</p>"})
    add_lesson(lambda_context, {"name": "Two", "type": "lesson", "status": "published"})
    assert (
        call(make_event(method="PATCH", course_path=True, body='{"sections_order": [2, 1]}'), lambda_context)[0] == 200
    )
    status, headers, course = outline(lambda_context, query={"view": "edit"})
    assert (status, headers["Content-Type"]) == (200, "application/json")
    assert course == {
        "id": 1,
        "type": "self-paced",
        "sections_order": [2, 1],
        "num_sections": 2,
        "num_lessons": 2,
        "sections": [
            {
                "id": 2,
                "name": "Week 2",
                "dripped_at": None,
                "drip_delay": 0,
                "lessons_order": [],
                "num_lessons": 0,
                "lessons": [],
            },
            {
                "id": 1,
                "name": "Week 1",
                "dripped_at": None,
                "drip_delay": 0,
                "lessons_order": [2, 1],
                "num_lessons": 2,
                "lessons": [
                    {"id": 2, "name": "Two", "type": "lesson", "status": "published", "comments_enabled": True},
                    {"id": 1, "name": "One", "type": "lesson", "status": "draft", "comments_enabled": True},
                ],
            },
        ],
    }


def test_a_course_without_sections_has_an_empty_outline(dynamodb, lambda_context):
    status, _, course = outline(lambda_context, course="2", groups="[course:2:manager]", query={"view": "edit"})
    assert (status, course["sections"], course["num_sections"], course["num_lessons"]) == (200, [], 0, 0)


@pytest.mark.parametrize("query", [None, {"view": "full"}, {"view": ""}])
def test_the_outline_is_the_only_view_served(dynamodb, lambda_context, query):
    status, headers, body = outline(lambda_context, query=query)
    assert_problem(status, headers, body, 400)
    assert [error["field"] for error in body["errors"]] == ["view"]


def test_the_outline_and_lessons_need_the_courses_roles(dynamodb, lambda_context):
    create(lambda_context)
    add_lesson(lambda_context)
    stranger = {"groups": "[course:2:manager]"}
    assert outline(lambda_context, query={"view": "edit"}, **stranger)[0] == 403
    assert lesson_call(lambda_context, "GET", lesson=1, **stranger)[0] == 403
    assert lesson_call(lambda_context, "POST", body=EDITOR_ADD, **stranger)[0] == 403
    assert lesson_call(lambda_context, "DELETE", lesson=1, **stranger)[0] == 403
    assert course_item(dynamodb)["lesson_count"] == {"N": "1"}


def test_an_idempotency_key_replays_a_lessons_create(dynamodb, lambda_context):
    create(lambda_context)
    key = {"headers": {"idempotency-key": "lesson-key-1"}}
    first = lesson_call(lambda_context, "POST", body=EDITOR_ADD, **key)
    again = lesson_call(lambda_context, "POST", body=EDITOR_ADD, **key)
    assert first[0] == again[0] == 201 and first[2] == again[2]
    assert course_item(dynamodb)["lesson_count"] == {"N": "1"}


def test_a_section_delete_that_meets_a_new_lesson_reads_its_lessons_again(dynamodb, lambda_context):
    """The delete read no lesson; a create committed one before the delete's transaction, whose condition on the
    section's lesson_count then fails with the section still there: it reads the lessons again and deletes all."""
    from botocore.stub import Stubber

    from sections.repository import COURSE_SK
    from sections.wiring import dependencies

    create(lambda_context)
    client = dependencies().client
    with Stubber(client) as stubber:
        stubber.add_response("get_item", {"Item": {"sk": {"S": COURSE_SK}}})
        stubber.add_response("query", {"Items": []})
        stubber.add_client_error(
            "transact_write_items",
            "TransactionCanceledException",
            "Transaction cancelled",
            400,
            modeled_fields={
                "CancellationReasons": [
                    {"Code": "ConditionalCheckFailed", "Item": {"lesson_count": {"N": "1"}}},
                    {"Code": "None"},
                ]
            },
        )
        stubber.add_response("query", {"Items": [{"lesson_id": {"N": "7"}}]})
        stubber.add_response("transact_write_items", {})
        status, _, _ = call(make_event(method="DELETE", section="1", body=None), lambda_context)
        stubber.assert_no_pending_responses()
    assert status == 204


def test_a_lesson_key_another_writer_left_is_503_not_a_lesson_that_was_never_written(
    dynamodb, lambda_context, monkeypatch
):
    """An item under the next lesson's key, which lesson_seq never handed out (only a writer outside this service
    can leave one): the create cannot take that id, so it answers 503 once its budget is spent, and writes nothing."""
    from sections import contention

    create(lambda_context)
    dynamodb.put_item(
        TableName=COURSES_TABLE,
        Item={"course_id": {"N": "1"}, "sk": {"S": lesson_sk(1, 1)}, "lesson_id": {"N": "1"}, "section_id": {"N": "1"}},
    )
    before = stored(dynamodb, 1, lesson_sk(1, 1))
    monkeypatch.setattr(contention.RetryBudget, "for_invocation", classmethod(lambda cls, context: cls(0.05)))
    status, headers, body = lesson_call(lambda_context, "POST", body=EDITOR_ADD)
    assert_problem(status, headers, body, 503)
    assert stored(dynamodb, 1, lesson_sk(1, 1)) == before and "lesson_seq" not in course_item(dynamodb)


def test_the_sanitiser_loads_only_for_a_write_that_carries_text():
    """nh3 is compiled code: the editor's add ({name, type}) and every read run without it."""
    import subprocess
    import sys

    from localdev.functions import import_path

    script = (
        "import sys\n"
        "from sections.lesson_repository import _html\n"
        "assert _html('') == '' and 'nh3' not in sys.modules\n"
        "assert _html('<p>x</p>') == '<p>x</p>' and 'nh3' in sys.modules\n"
    )
    path = ":".join(str(folder) for folder in import_path())
    result = subprocess.run([sys.executable, "-c", script], env={"PYTHONPATH": path}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
