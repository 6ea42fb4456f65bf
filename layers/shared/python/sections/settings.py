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
    sam_local: bool

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            table_name=os.environ["TABLE_NAME"],
            idempotency_table_name=os.environ.get("IDEMPOTENCY_TABLE_NAME", ""),  # create only
            roles_claim=os.environ.get("ROLES_CLAIM") or "cognito:groups",
            admin_group=os.environ.get("ADMIN_GROUP", "").strip(),
            sam_local=os.environ.get("AWS_SAM_LOCAL") == "true",
        )
