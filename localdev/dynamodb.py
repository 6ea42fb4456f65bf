"""The embedded DynamoDB: moto in server mode on loopback, with the template's tables and demo courses."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.config import Config
from werkzeug.serving import BaseWSGIServer, make_server

from localdev.template import LOCAL_REGION, Template

DEMO_COURSES = (
    (1, "Python for Beginners", "self-paced", False),
    (2, "Structured Data Engineering", "structured", False),
    (3, "Scheduled Cloud Bootcamp", "scheduled", False),
    (4, "Retired Course", "self-paced", True),
)


def _serialized(app: Callable[..., Any]) -> Callable[..., Any]:
    """DynamoDB applies each request atomically; moto's backend does not lock, so requests take turns."""
    lock = threading.Lock()

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with lock:
            return list(app(environ, start_response))

    return application


def project_as_dynamodb() -> None:
    """moto, made to project a document path as DynamoDB does: through an attribute that is not a map (a string,
    a list, NULL) the path resolves to nothing, and the item comes back without it. moto 5 raises instead
    (`find_nested_key` indexes whatever it finds), which a client sees as a server error.

    What DynamoDB does: "If an attribute in a projection expression does not exist, it is not returned"
    (DynamoDB developer guide, "Projection expressions"); a path that goes through a scalar does not
    exist. DynamoDB Local, AWS's own engine, answers so (tests/integration/test_roles_from_table.py holds
    both to it). Idempotent: applying it twice wraps once.
    """
    from moto.dynamodb.models import dynamo_type, utilities

    original = utilities.find_nested_key
    if getattr(original, "as_dynamodb", False):
        return

    def find_nested_key(keys: list[str], dct: Any, processed_keys: Any = None, result: Any = None) -> Any:
        if not isinstance(dct, dict):
            return {}  # the whole path resolves to nothing: no partial map is left in the item
        return original(keys, dct, processed_keys=processed_keys, result=result)

    find_nested_key.as_dynamodb = True  # type: ignore[attr-defined]
    utilities.find_nested_key = find_nested_key  # its own recursion looks the name up here
    dynamo_type.find_nested_key = find_nested_key


class DynamoDBServer:
    """moto's DynamoDB on 127.0.0.1; `start()` returns once it accepts connections."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1"):
        from moto.server import DomainDispatcherApplication, create_backend_app

        project_as_dynamodb()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per DynamoDB call drowns the API's log
        app = _serialized(DomainDispatcherApplication(create_backend_app))
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="dynamodb", daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> DynamoDBServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def dynamodb_client(endpoint: str | None = None, attempts: int | None = None) -> Any:
    """A client of the local DynamoDB; `attempts` bounds botocore's tries (a command line should not wait long)."""
    config = Config(retries={"mode": "standard", "total_max_attempts": attempts}) if attempts else None
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=LOCAL_REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - moto accepts any credentials
        config=config,
    )


def drop_tables(client: Any) -> None:
    for name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)


def create_tables(client: Any, template: Template) -> list[str]:
    """Creates every AWS::DynamoDB::Table of the template, named by its logical id, with its key schema and TTL."""
    existing = set(client.list_tables()["TableNames"])
    for name, properties in template.tables().items():
        if name in existing:
            continue
        client.create_table(
            TableName=name,
            KeySchema=properties["KeySchema"],
            AttributeDefinitions=properties["AttributeDefinitions"],
            BillingMode=properties.get("BillingMode", "PAY_PER_REQUEST"),
        )
        ttl = properties.get("TimeToLiveSpecification")
        if ttl:
            client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    return list(template.tables())


def put_course(
    client: Any,
    table: str,
    course_id: int,
    *,
    name: str,
    course_type: str,
    deleted: bool = False,
    staff: dict[str, str] | None = None,
) -> None:
    """Adds a course item, or sets an existing one's name, type and state, as the services that own courses would.

    An existing course keeps its `section_seq` (ids are never handed out twice) and its sections,
    which are items of their own. `staff` (subject to "creator" or "manager", docs/data-model.md)
    replaces the course's staff; None leaves it as it is.
    """
    values: dict[str, Any] = {
        ":name": {"S": name},
        ":type": {"S": course_type},
        ":deleted": {"BOOL": deleted},
        ":zero": {"N": "0"},
    }
    update = "SET #name = :name, #type = :type, deleted = :deleted, section_seq = if_not_exists(section_seq, :zero)"
    if staff is not None:
        update += ", staff = :staff"
        values[":staff"] = {"M": {sub: {"S": role} for sub, role in staff.items()}}
    client.update_item(
        TableName=table,
        Key=_course_key(course_id),
        UpdateExpression=update,
        ExpressionAttributeNames={"#name": "name", "#type": "type"},
        ExpressionAttributeValues=values,
    )


def course_staff(client: Any, table: str, course_id: int) -> dict[str, str]:
    """The course's staff as stored: subject to role."""
    item = client.get_item(
        TableName=table,
        Key=_course_key(course_id),
        ConsistentRead=True,
        ProjectionExpression="staff",
    ).get("Item", {})
    return {sub: role["S"] for sub, role in item.get("staff", {}).get("M", {}).items()}


# The banner's token subject manages the live demo courses, for RoleSource=table (the token's groups
# say the same for RoleSource=token); `make editor` signs in as it too.
DEMO_STAFF = {"local-user": "manager"}


def _course_key(course_id: int) -> dict[str, Any]:
    # The course item's key, as docs/data-model.md defines it (sk "COURSE").
    return {"course_id": {"N": str(course_id)}, "sk": {"S": "COURSE"}}


def seed_demo_courses(client: Any, table: str) -> None:
    for course_id, name, course_type, deleted in DEMO_COURSES:
        put_course(client, table, course_id, name=name, course_type=course_type, deleted=deleted, staff=DEMO_STAFF)


@contextmanager
def course_service_transactions(
    client: Any, table: str, course_id: int, pause_seconds: float
) -> Iterator[Counter[str]]:
    """Another writer of a course item, as the service that owns courses may be: a transaction on it, over and over.

    While the block runs, each transaction holds the course item for its commit; the counter says
    how many were committed and how many were cancelled (by a conflict of their own).
    """
    outcomes: Counter[str] = Counter()
    stop = threading.Event()

    def write() -> None:
        while not stop.wait(pause_seconds):
            try:
                client.transact_write_items(
                    ClientRequestToken=str(uuid.uuid4()),
                    TransactItems=[
                        {
                            "Update": {
                                "TableName": table,
                                "Key": _course_key(course_id),
                                "UpdateExpression": "SET updated_at = :now",
                                "ExpressionAttributeValues": {":now": {"N": str(time.time())}},
                            }
                        }
                    ],
                )
                outcomes["committed"] += 1
            except client.exceptions.TransactionCanceledException:
                outcomes["cancelled"] += 1

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        yield outcomes
    finally:
        stop.set()
        writer.join()
