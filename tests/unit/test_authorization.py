import pytest

from sections.authorization import (
    NO_CHECK,
    Caller,
    CourseAccess,
    authenticated_caller,
    course_access,
    token_groups,
)
from sections.http_api import parse_path_id
from sections.problems import InvalidRequest, NotAuthenticated, NotCourseManager
from tests.support import unsigned_token


def bearer(**payload) -> str:
    return "Bearer " + unsigned_token(payload)


def parse_groups(value) -> list[str]:
    """The groups a token whose roles claim holds `value` gives its caller."""
    return token_groups(bearer(sub="u", groups=value), "u", "groups")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["course:1:manager", "admin"], ["course:1:manager", "admin"]),  # an array: each item whole
        (["Support admins", "course:2:manager "], ["Support admins", "course:2:manager "]),  # spaces and all
        ("course:1:manager admin", ["course:1:manager admin"]),  # a string is one group, never split
        ("[course:1:manager admin]", ["[course:1:manager admin]"]),  # a token never holds the flattened form
        ("course:1:manager,admin", ["course:1:manager,admin"]),  # commas are punctuation
        ('["course:1:manager","admin"]', ['["course:1:manager","admin"]']),  # never JSON-decoded
        (["team,course:1:manager", 7, None, ""], ["team,course:1:manager"]),  # only non-empty strings
        ([], []),
        ("", []),
        (None, []),
        ({"course:1:manager": True}, []),
    ],
)
def test_groups_come_from_the_verified_token_each_name_whole(raw, expected):
    assert parse_groups(raw) == expected


@pytest.mark.parametrize(
    ("groups", "course", "admin_group"),
    [
        (["Support admins"], 1, "admins"),  # flattened "[Support admins]" split on spaces granted `admins`
        (["course:2:manager "], 2, ""),  # ... and this one course 2
        (["x course:2:manager"], 2, ""),
        (["admins x"], 1, "admins"),
    ],
)
def test_a_group_name_with_whitespace_grants_only_what_it_spells_exactly(groups, course, admin_group):
    """API Gateway flattens ["Support admins"] to "[Support admins]"; the claim alone cannot say it was one group."""
    flattened = "[" + " ".join(groups) + "]"
    caller = authenticated_caller({"sub": "u", "groups": flattened}, "groups", bearer(sub="u", groups=groups))
    assert caller.groups == frozenset(groups)
    with pytest.raises(NotCourseManager):
        course_access(caller, course, admin_group=admin_group, role_source="token")


def test_a_cognito_pool_behaves_as_before():
    caller = authenticated_caller(
        {"sub": "u", "cognito:groups": "[course:1:manager admins]"},
        "cognito:groups",
        bearer(**{"sub": "u", "cognito:groups": ["course:1:manager", "admins"]}),
    )
    assert caller.groups == frozenset({"course:1:manager", "admins"})
    assert course_access(caller, 1, admin_group="", role_source="token") is NO_CHECK
    assert course_access(caller, 99, admin_group="admins", role_source="token") is NO_CHECK


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer not-a-jwt",
        "Bearer a.b",
        "Bearer a.!!!.c",
        "Bearer a." + "e30" + "x.c",  # not base64 of JSON
        "Bearer a.WzFd.c",  # [1]: not an object
        "Basic " + unsigned_token({"sub": "u"}),  # another scheme
        "Bearer " + unsigned_token({"sub": "someone-else", "groups": ["admins"]}),  # not the verified token
        "Bearer " + unsigned_token({"groups": ["admins"]}),
    ],
)
def test_a_header_that_is_not_the_verified_token_is_401(authorization):
    with pytest.raises(NotAuthenticated):
        authenticated_caller({"sub": "u", "groups": "[admins]"}, "groups", authorization)


def test_the_token_may_come_without_the_bearer_prefix_as_api_gateway_accepts():
    token = unsigned_token({"sub": "u", "groups": ["course:3:creator"]})
    for authorization in (token, f"Bearer {token}", f"bearer  {token} "):
        assert authenticated_caller({"sub": "u"}, "groups", authorization).groups == {"course:3:creator"}


@pytest.mark.parametrize("digits", [17, 4301, 100_000])
def test_a_course_role_with_a_very_long_id_is_a_403_not_a_500(digits):
    """int() refuses more than 4,300 digits with ValueError; a course id has at most 16."""
    caller = Caller("u", frozenset({f"course:{'9' * digits}:manager"}))
    with pytest.raises(NotCourseManager):
        course_access(caller, 99999999999999999 % (2**53), admin_group="", role_source="token")


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
    header = bearer(sub="u")
    with pytest.raises(NotAuthenticated):
        authenticated_caller({"cognito:groups": "[course:1:manager]"}, "cognito:groups", header)
    with pytest.raises(NotAuthenticated):
        authenticated_caller({}, "cognito:groups", header)
    with pytest.raises(NotAuthenticated):
        authenticated_caller({"sub": "  "}, "cognito:groups", header)


def test_roles_claim_name_is_configurable():
    caller = authenticated_caller(
        {"sub": "u", "roles": "[course:9:creator]"}, "roles", bearer(sub="u", roles=["course:9:creator"])
    )
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
    for claim in ([group, "other"], [group], group):
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
    # Only the roles the API names grant: any other value of the member's entry, or a staff that is not a map.
    for entry in ({"S": "student"}, {"S": ""}, {"NULL": True}, {"S": "Manager"}, {"N": "1"}, {"M": {}}, {"L": []}):
        with pytest.raises(NotCourseManager):
            access.require({"M": {"m2": entry}})
    for staff in ({"L": [{"S": "m2"}]}, {"NULL": True}, {"M": None}, {"M": ["m2"]}, "m2"):
        with pytest.raises(NotCourseManager):
            access.require(staff)
    CourseAccess(staff_member="m1").require({"M": {"m1": {"S": "manager"}}})
    CourseAccess(staff_member="c1").require({"M": {"c1": {"S": "creator"}}})


def test_with_roles_from_the_table_the_admin_group_still_comes_from_the_claims():
    admin = Caller("a", frozenset({"admins"}))
    assert course_access(admin, 7, admin_group="admins", role_source="table") is NO_CHECK
    assert course_access(admin, 7, admin_group="", role_source="table") == CourseAccess(staff_member="a")
    NO_CHECK.require(None)  # nothing to show: the claims decided
