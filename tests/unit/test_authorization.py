import pytest

from sections.authorization import (
    NO_CHECK,
    Caller,
    CourseAccess,
    authenticated_caller,
    course_access,
    parse_groups,
)
from sections.http_api import parse_path_id
from sections.problems import InvalidRequest, NotAuthenticated, NotCourseManager


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["course:1:manager", "admin"], ["course:1:manager", "admin"]),  # a JSON array
        ("[course:1:manager admin]", ["course:1:manager", "admin"]),  # API Gateway's flattened form
        ("course:1:manager admin", ["course:1:manager", "admin"]),  # space-separated
        ("course:1:manager,admin", ["course:1:manager,admin"]),  # one group: commas are punctuation
        ("[team,course:1:manager other]", ["team,course:1:manager", "other"]),
        ('["course:1:manager","admin"]', ['"course:1:manager","admin"']),  # one group, never JSON-decoded
        (["team,course:1:manager"], ["team,course:1:manager"]),
        ("[]", []),
        ("", []),
        (None, []),
    ],
)
def test_groups_claim_formats(raw, expected):
    assert parse_groups(raw) == expected


@pytest.mark.parametrize("raw", ["1", "42", "9007199254740991"])
@pytest.mark.parametrize("name", ["id", "section_id"])
def test_valid_path_ids(raw, name):
    assert parse_path_id(raw, name) == int(raw)


@pytest.mark.parametrize(
    "raw",
    ["-1", "1.0", "abc", "9007199254740992", "１", "", "1e3", "99999999999999999999", "9" * 5000, None],
)
@pytest.mark.parametrize("name", ["id", "section_id"])
def test_invalid_path_ids_name_their_parameter(raw, name):
    with pytest.raises(InvalidRequest) as raised:
        parse_path_id(raw, name)
    assert [error.field for error in raised.value.errors] == [name]
    assert raised.value.errors[0].message == "must be a positive integer no larger than 9007199254740991"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("007", "must be written without a leading zero (7)"),
        ("01", "must be written without a leading zero (1)"),
        ("0", "must be 1 or more"),
        ("00", "must be 1 or more"),
    ],
)
def test_a_leading_zero_is_named_as_the_rule_it_breaks(raw, message):
    with pytest.raises(InvalidRequest) as raised:
        parse_path_id(raw, "section_id")
    assert [(error.field, error.message) for error in raised.value.errors] == [("section_id", message)]


def test_claims_without_sub_are_unauthenticated():
    with pytest.raises(NotAuthenticated):
        authenticated_caller({"cognito:groups": "[course:1:manager]"}, "cognito:groups")
    with pytest.raises(NotAuthenticated):
        authenticated_caller({}, "cognito:groups")
    with pytest.raises(NotAuthenticated):
        authenticated_caller({"sub": "  "}, "cognito:groups")


def test_roles_claim_name_is_configurable():
    caller = authenticated_caller({"sub": "u", "roles": "[course:9:creator]"}, "roles")
    assert caller == Caller("u", frozenset({"course:9:creator"}))


def token_access(caller: Caller, course_id: int, admin_group: str) -> CourseAccess:
    return course_access(caller, course_id, admin_group=admin_group, role_source="token")


@pytest.mark.parametrize("group", ["course:7:manager", "course:7:creator"])
def test_manager_or_creator_of_the_course_is_allowed(group):
    token_access(Caller("u", frozenset({group})), 7, "")


@pytest.mark.parametrize(
    "groups",
    [
        {"course:8:manager"},
        {"course:7:student"},
        {"course:07:manager"},
        {"course:7:manager:extra"},
        {"xcourse:7:manager"},
        {"admins"},
        set(),
    ],
)
def test_other_roles_are_forbidden(groups):
    with pytest.raises(NotCourseManager):
        token_access(Caller("u", frozenset(groups)), 7, "")


def test_admin_group_manages_every_course_only_when_configured():
    admin = Caller("u", frozenset({"admins"}))
    assert token_access(admin, 12345, "admins") is NO_CHECK
    with pytest.raises(NotCourseManager):
        token_access(admin, 12345, "")


# Cognito group names: any letter, mark, symbol, number or punctuation, no whitespace (CreateGroup's
# GroupName pattern [\p{L}\p{M}\p{S}\p{N}\p{P}]+). Each of these is one group, and grants nothing.
LOOKALIKE_GROUPS = [
    "team,course:1:manager",
    "course:1:manager,team",
    ",course:1:manager",
    "course:1:manager;x",
    '"course:1:manager"',
    "[course:1:manager]",
    "course:1:manager]",
    "(course:1:manager)",
    "course:1:manager/",
    "«course:1:manager»",
]


@pytest.mark.parametrize("group", LOOKALIKE_GROUPS)
def test_a_group_name_with_punctuation_stays_one_group_and_grants_no_role(group):
    flattened = f"[{group} other]"  # as API Gateway flattens ["<group>", "other"]
    for claim in (flattened, [group, "other"], f"[{group}]", [group]):
        groups = parse_groups(claim)
        assert group in groups
        with pytest.raises(NotCourseManager):
            token_access(Caller("u", frozenset(groups)), 1, "")


def test_with_roles_from_the_table_a_course_group_grants_nothing_and_the_item_decides():
    manager_by_group = Caller("m2", frozenset({"course:7:manager"}))
    access = course_access(manager_by_group, 7, admin_group="admins", role_source="table")
    assert access == CourseAccess(staff_member="m2")
    with pytest.raises(NotCourseManager) as refused:
        access.require({"M": {"m1": {"S": "manager"}}})
    assert refused.value.detail == "You are not a manager or creator of this course."
    for staff in (None, {"M": {}}, {"S": "m2"}, {"M": {"M2": {"S": "manager"}}}):
        with pytest.raises(NotCourseManager):
            access.require(staff)
    CourseAccess(staff_member="m1").require({"M": {"m1": {"S": "manager"}}})
    CourseAccess(staff_member="c1").require({"M": {"c1": {"S": "creator"}}})


def test_with_roles_from_the_table_the_admin_group_still_comes_from_the_claims():
    admin = Caller("a", frozenset({"admins"}))
    assert course_access(admin, 7, admin_group="admins", role_source="table") is NO_CHECK
    assert course_access(admin, 7, admin_group="", role_source="table") == CourseAccess(staff_member="a")
    NO_CHECK.require(None)  # nothing to show: the claims decided
