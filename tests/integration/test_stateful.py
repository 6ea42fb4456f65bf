"""Hypothesis drives random sequences of creates (with and without keys), deletions and faults.

After every step the table must satisfy the invariants a reader of this data relies on:
- every section id of a course is unique, and sections_order names exactly the stored sections;
- every 201 corresponds to exactly one stored section, and a replay names the same one;
- nothing is stored that no 201 announced.
"""

from __future__ import annotations

import json

from botocore.retries.standard import ExponentialBackoff
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from app import lambda_handler
from localdev.dynamodb import create_tables, drop_tables, seed_demo_courses
from localdev.lambda_context import LocalLambdaContext
from localdev.template import local_template
from sections.wiring import dependencies
from tests.conftest import make_event, sections_order, set_course_deleted
from tests.integration.faults import (
    SECTION_PUT,
    FaultInjector,
    committed_but_answer_lost,
    id_taken,
    internal_error,
    read_timeout,
    side_effect,
    throttled,
    transaction_conflict,
)

COURSES = (1, 2, 3)
# Each fault: (on every attempt, or only the first?), the operation it hits, and the fault.
FAULT_PLANS = {
    "throttled-allocation": (True, "UpdateItem", throttled),
    "throttled-write": (True, SECTION_PUT, throttled),
    "conflict-once": (False, SECTION_PUT, transaction_conflict),
    "allocation-conflict-once": (False, "UpdateItem", transaction_conflict),
    "id-taken-once": (False, SECTION_PUT, id_taken),
    "timeout-once": (False, SECTION_PUT, read_timeout),
    "answer-lost-once": (False, SECTION_PUT, committed_but_answer_lost),
    "dynamodb-500": (True, SECTION_PUT, internal_error),
}
FAULTS = ("none", "deleted-meanwhile", *FAULT_PLANS)


class SectionsMachine(RuleBasedStateMachine):
    client = None  # the DynamoDB server's client, set by the test

    @initialize()
    def fresh_tables(self):
        drop_tables(self.client)
        create_tables(self.client, local_template())
        seed_demo_courses(self.client, "CoursesTable")
        dependencies.cache_clear()
        self.faults = FaultInjector(dependencies().client)
        self.announced: dict[int, set[int]] = {course: set() for course in COURSES}
        self.replays: dict[tuple[int, str], tuple[str, int]] = {}
        self.deleted: set[int] = set()

    def _plan(self, fault: str, course: int) -> None:
        self.faults.reset()
        if fault in FAULT_PLANS:
            every_attempt, operation, make_fault = FAULT_PLANS[fault]
            if every_attempt:
                self.faults.always(operation, make_fault())
            else:
                self.faults.on(operation, 1, make_fault())
        elif fault == "deleted-meanwhile":

            def delete():
                set_course_deleted(self.client, course)
                self.deleted.add(course)

            self.faults.on(SECTION_PUT, 1, side_effect(delete))

    @rule(
        course=st.sampled_from(COURSES),
        key=st.sampled_from([None, "k1", "k2"]),
        name=st.sampled_from(["Alpha", "Beta"]),
        fault=st.sampled_from(FAULTS),
    )
    def create(self, course, key, name, fault):
        self._plan(fault, course)
        headers = {"idempotency-key": key} if key else {}
        event = make_event(
            course=str(course), groups=f"[course:{course}:manager]", body=json.dumps({"name": name}), headers=headers
        )
        was_deleted = course in self.deleted
        response = lambda_handler(event, LocalLambdaContext("create-section", timeout_seconds=15))
        self.faults.reset()
        status, body = response["statusCode"], json.loads(response["body"])
        previous = self.replays.get((course, key)) if key else None

        if status == 201:
            section_id = body["id"]
            assert response["headers"]["Location"] == f"/api/v2/course/{course}/section/{section_id}/"
            if previous is not None:
                # A replay is the original answer, even if the course was deleted since (found by this test).
                assert previous == (name, section_id), "a replay names the original section"
            else:
                assert not was_deleted, "no new section in a deleted course"
                assert section_id not in self.announced[course], "a new 201 never reuses an id"
                self.announced[course].add(section_id)
                if key:
                    self.replays[(course, key)] = (name, section_id)
        elif status == 422:
            assert previous is not None and previous[0] != name
        elif status == 404:
            assert course in self.deleted
        else:
            assert status == 503, (status, body)
            assert response["headers"]["Retry-After"]

    @rule(course=st.sampled_from(COURSES))
    def delete_course(self, course):
        set_course_deleted(self.client, course)
        self.deleted.add(course)

    @rule(course=st.sampled_from(COURSES))
    def restore_course(self, course):
        set_course_deleted(self.client, course, deleted=False)
        self.deleted.discard(course)

    @invariant()
    def sections_order_names_exactly_the_announced_sections(self):
        for course in COURSES:
            order = sections_order(self.client, course)
            assert order == sorted(set(order)), "ids are unique, in order"
            assert set(order) == self.announced[course]


def test_random_sequences_keep_the_invariants(server_dynamodb, monkeypatch):
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)
    SectionsMachine.client = server_dynamodb
    run_state_machine_as_test(
        SectionsMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
