"""Who may work on a course's sections: from the JWT claims API Gateway has already verified, or, with
RoleSource=table, from the course item's staff, checked by the repository on a request it makes anyway
(docs/data-model.md, "Course roles"). Also the path's ids."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sections.problems import NotAuthenticated, NotCourseManager

_COURSE_ROLE = re.compile(r"course:([1-9][0-9]*):(manager|creator)")


@dataclass(frozen=True)
class Caller:
    sub: str
    groups: frozenset[str]


@dataclass(frozen=True)
class CourseAccess:
    """What the course item must show before this caller may work on its sections.

    `staff_member` None: nothing, the claims decided (a course role in the token, or the admin group).
    Otherwise that subject must be on the course item's `staff`; a course it cannot see is
    answered like one it is not staff of (NotCourseManager), so a 403 says nothing about the course.
    """

    staff_member: str | None = None

    def require(self, staff: object) -> None:
        """403 unless the claims decided, or `staff` (the item's attribute, as DynamoDB returns it) names the member."""
        if self.staff_member is None:
            return
        if not isinstance(staff, dict) or self.staff_member not in staff.get("M", {}):
            raise _not_course_manager()


NO_CHECK = CourseAccess()


def authenticated_caller(claims: Mapping[str, object] | None, roles_claim: str) -> Caller:
    """401 unless the authorizer passed claims with a subject."""
    if not claims:
        raise NotAuthenticated("The request carries no verified token.")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.strip():
        raise NotAuthenticated("The token has no subject.")
    return Caller(sub=sub, groups=frozenset(parse_groups(claims.get(roles_claim))))


def parse_groups(value: object) -> list[str]:
    """The caller's groups, split exactly as they were joined, so no group name can pose as another.

    - A JSON array (claims passed unflattened): each item whole.
    - API Gateway's flattened array, "[a b c]": items joined by single spaces inside brackets.
    - Any other string: one group per whitespace-separated word.

    Group names may hold any punctuation, commas and quotes included, but never whitespace (Cognito's
    GroupName pattern; role values elsewhere must keep to that too). So commas never separate, and a
    flattened string is never JSON-decoded: a group named `"course:1:manager"`, quotes included,
    flattens to `["course:1:manager"]`, which JSON would read as that role.
    """
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value if str(item)]
    text = str(value)
    if text.startswith("[") and text.endswith("]"):
        return [item for item in text[1:-1].split(" ") if item]
    return text.split()


def course_access(caller: Caller, course_id: int, *, admin_group: str, role_source: str) -> CourseAccess:
    """The admin group passes in both modes. With roles from the token, 403 here unless a group names the
    course; with roles from the table, what the course item must show (checked where it is read or written).
    Per-course groups grant nothing in table mode."""
    if admin_group and admin_group in caller.groups:
        return NO_CHECK
    if role_source == "table":
        return CourseAccess(staff_member=caller.sub)
    authorize_course_manager(caller, course_id)
    return NO_CHECK


def authorize_course_manager(caller: Caller, course_id: int) -> None:
    """403 unless a group in the token makes the caller a manager or creator of this course.

    The answer is the same whether or not the course exists, so a 403 reveals nothing about it.
    """
    for group in caller.groups:
        match = _COURSE_ROLE.fullmatch(group)
        if match and int(match.group(1)) == course_id:
            return
    raise _not_course_manager()


def _not_course_manager() -> NotCourseManager:
    return NotCourseManager("You are not a manager or creator of this course.")
