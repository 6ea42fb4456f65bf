"""The outline's cost, on DynamoDB Local: one Query of the course's partition up to the texts, one request per
MB it reads (a Query page is at most 1 MB), and never a text. docs/performance.md has the figures."""

from __future__ import annotations

import json
from typing import Any

import pytest

from localdev.functions import handler_module
from sections import wiring
from sections.lesson import MAX_LESSONS_PER_SECTION
from tests.support import COURSES_TABLE, make_event

SECTIONS = 25  # enough for 1,000 lessons at 49 a section, and a course's usual size


def seed(client: Any, lessons: int) -> None:
    """A course of SECTIONS sections and `lessons` lessons with usual names and a 10,000-character text each."""
    from sections.repository import lesson_sk, section_sk, text_sk

    for section in range(1, SECTIONS + 1):
        client.put_item(
            TableName=COURSES_TABLE,
            Item={
                "course_id": {"N": "1"},
                "sk": {"S": section_sk(section)},
                "section_id": {"N": str(section)},
                "name": {"S": f"Week {section}"},
                "lessons_order": {"L": []},
            },
        )
    for lesson in range(1, lessons + 1):
        section = (lesson - 1) // MAX_LESSONS_PER_SECTION + 1
        key = {"course_id": {"N": "1"}}
        client.put_item(
            TableName=COURSES_TABLE,
            Item={
                **key,
                "sk": {"S": lesson_sk(section, lesson)},
                "lesson_id": {"N": str(lesson)},
                "section_id": {"N": str(section)},
                "type": {"S": "lesson"},
                "name": {"S": f"Lesson {lesson}: what it covers"},
                "status": {"S": "published"},
                "comments_enabled": {"BOOL": True},
                "created_at": {"S": "2026-12-07T10:00:00Z"},
            },
        )
        client.put_item(
            TableName=COURSES_TABLE,
            Item={
                **key,
                "sk": {"S": text_sk(section, lesson)},
                "lesson_id": {"N": str(lesson)},
                "html": {"S": "x" * 10_000},
            },
        )


@pytest.mark.parametrize("lessons", [0, 100, 1000])
def test_the_outline_is_one_query_page_per_mb_and_reads_no_text(server_dynamodb, lambda_context, lessons):
    seed(server_dynamodb, lessons)
    wiring.dependencies.cache_clear()
    calls: list[str] = []
    client = wiring.dependencies().client
    client.meta.events.register("before-call.dynamodb.*", lambda model, **_: calls.append(model.name))

    event = make_event(method="GET", body=None, course_path=True, query={"view": "edit"})
    response = handler_module("ReadSectionsFunction").lambda_handler(event, lambda_context)

    assert response["statusCode"] == 200
    outline = json.loads(response["body"])
    assert (outline["num_sections"], outline["num_lessons"]) == (SECTIONS, lessons)
    # 1,000 lessons' outline items are about 200 KB: one page. Their texts (10 MB here) are never read.
    assert calls == ["Query"], calls
