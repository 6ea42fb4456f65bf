"""The function's configuration, read from the environment once, typed."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    table_name: str
    idempotency_table_name: str
    roles_claim: str
    admin_group: str
    role_source: str = "token"

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            table_name=os.environ["TABLE_NAME"],
            idempotency_table_name=os.environ.get("IDEMPOTENCY_TABLE_NAME", ""),  # create only
            roles_claim=os.environ.get("ROLES_CLAIM") or "cognito:groups",
            admin_group=os.environ.get("ADMIN_GROUP", "").strip(),
            role_source=_role_source(os.environ.get("ROLE_SOURCE") or "token"),
        )


ROLE_SOURCES = ("token", "table")


def _role_source(value: str) -> str:
    """template.yaml's RoleSource allows only these; anything else is a broken deploy, refused at init."""
    if value not in ROLE_SOURCES:
        raise ValueError(f"ROLE_SOURCE must be one of {', '.join(ROLE_SOURCES)}, not {value!r}")
    return value


def under_sam_local() -> bool:
    """SAM CLI's `sam local` sets AWS_SAM_LOCAL=true in the function's environment; Lambda never does."""
    return os.environ.get("AWS_SAM_LOCAL") == "true"
