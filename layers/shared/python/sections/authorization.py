"""Who may work on a course's sections: from the JWT API Gateway has already verified, or, with
RoleSource=table, from the course item's staff, checked by the repository on a request it makes anyway
(docs/data-model.md, "Course roles")."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from sections.problems import NotAuthenticated, NotCourseManager

# A course id has at most 16 digits (2^53-1): a longer one names no course, and is never converted.
_COURSE_ROLE = re.compile(r"course:([1-9][0-9]{0,15}):(manager|creator)")
# The values of a course item's staff map that grant a role (docs/data-model.md); any other value grants nothing.
STAFF_ROLES = ("creator", "manager")


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
        """403 unless the claims decided, or `staff` (the item's attribute, as DynamoDB returns it) gives the
        member one of STAFF_ROLES. A staff that is not a map, or any other value, grants nothing."""
        if self.staff_member is None:
            return
        entries = staff.get("M") if isinstance(staff, dict) else None
        entry = entries.get(self.staff_member) if isinstance(entries, dict) else None
        if not isinstance(entry, dict) or entry.get("S") not in STAFF_ROLES:
            raise _not_course_manager()


NO_CHECK = CourseAccess()


def authenticated_caller(claims: Mapping[str, object] | None, roles_claim: str, authorization: str | None) -> Caller:
    """401 unless the authorizer passed claims with a subject; the groups exactly as the verified token names them."""
    if not claims:
        raise NotAuthenticated("The request carries no verified token.")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.strip():
        raise NotAuthenticated("The token has no subject.")
    return Caller(sub=sub, groups=frozenset(token_groups(authorization, sub, roles_claim)))


def token_groups(authorization: str | None, sub: str, roles_claim: str) -> list[str]:
    """The caller's groups, read from the token in the Authorization header: the one the JWT authorizer verified.

    API Gateway hands the claims over flattened, an array as "[a b]", which cannot be split back when
    a group name holds a space (Auth0, Okta and Entra ID allow one; Cognito does not). The header's
    token is the identity source the authorizer checked for this very request, so its payload is read
    here without checking the signature again, and its `sub` must be the verified one.
    - An array claim: each string in it, whole.
    - A string claim: that one group, whole.
    - Anything else, or no claim: no groups.
    """
    payload = _token_payload(authorization)
    if payload.get("sub") != sub:
        raise NotAuthenticated("The token in the Authorization header is not the one the authorizer verified.")
    value = payload.get(roles_claim)
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str) and item]
    return []


def bearer_token(authorization: str | None) -> str | None:
    """The identity source holds the token alone or prefixed with "Bearer ", as API Gateway accepts."""
    value = (authorization or "").strip()
    scheme, _, rest = value.partition(" ")
    if not rest:
        return value or None
    return rest.strip() if scheme.lower() == "bearer" and rest.strip() else None


def _token_payload(authorization: str | None) -> dict[str, object]:
    token = bearer_token(authorization) or ""
    parts = token.split(".")
    try:
        if len(parts) != 3:
            raise ValueError("not a JWS compact serialization")
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise NotAuthenticated("The token in the Authorization header could not be read.") from None
    if not isinstance(payload, dict):
        raise NotAuthenticated("The token in the Authorization header could not be read.")
    return payload


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
