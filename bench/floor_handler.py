"""The bare floors: each function's DynamoDB requests, parameter for parameter, with boto3 and json only.

No framework, no validation, no authorization, no error handling: what any Python function doing
this work must pay. The requests are the functions' own (sections/repository.py), conditions and
attributes included, so the ratios measure what each function adds around them, not what it asks
DynamoDB to do. One handler per benched request: `lambda_handler` (create a section), `lesson_handler`
(create a lesson), `read_handler` (read a section), `patch_handler` (patch a section).
"""

import json
import os
import uuid
from datetime import UTC, datetime

import boto3

client = boto3.client("dynamodb")
TABLE = os.environ["TABLE_NAME"]
LIVE_COURSE = "attribute_exists(sk) AND (attribute_not_exists(deleted) OR deleted = :false)"


def lambda_handler(event, context):
    course_id = event["rawPath"].split("/")[4]  # the $default route brings no pathParameters
    body = json.loads(event["body"])
    key = {"course_id": {"N": course_id}, "sk": {"S": "COURSE"}}
    allocated = client.update_item(
        TableName=TABLE,
        Key=key,
        UpdateExpression="ADD section_seq :one",
        ConditionExpression=LIVE_COURSE,
        ExpressionAttributeValues={":one": {"N": "1"}, ":false": {"BOOL": False}},
        ReturnValues="UPDATED_NEW",
    )
    section_id = int(allocated["Attributes"]["section_seq"]["N"])
    dripped_at = body.get("dripped_at")
    lessons_order = body.get("lessons_order", [])
    client.put_item(
        TableName=TABLE,
        Item={
            "course_id": {"N": course_id},
            "sk": {"S": f"SECTION#{section_id:010d}"},
            "section_id": {"N": str(section_id)},
            "name": {"S": body["name"]},
            "dripped_at": {"S": dripped_at} if dripped_at else {"NULL": True},
            "drip_delay": {"N": str(body.get("drip_delay", 0))},
            "lessons_order": {"L": [{"N": str(lesson)} for lesson in lessons_order]},
            "created_at": {"S": datetime.now(UTC).isoformat()},
            "created_by": {"S": event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]},
            "write_token": {"S": str(uuid.uuid4())},
        },
        ConditionExpression="attribute_not_exists(sk)",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    section = {
        "id": section_id,
        "name": body["name"],
        "dripped_at": dripped_at,
        "drip_delay": body.get("drip_delay", 0),
        "lessons_order": lessons_order,
    }
    return {
        "statusCode": 201,
        "headers": {
            "Content-Type": "application/json",
            "Location": f"/api/v2/course/{course_id}/section/{section_id}/",
        },
        "body": json.dumps(section),
    }


def _live_course(course_id):
    key = {"course_id": {"N": course_id}, "sk": {"S": "COURSE"}}
    course = client.get_item(TableName=TABLE, Key=key, ConsistentRead=True, ProjectionExpression="sk, deleted")
    return "Item" in course and course["Item"].get("deleted", {"BOOL": False}) == {"BOOL": False}


def _section_of(item):
    return {
        "id": int(item["section_id"]["N"]),
        "name": item["name"]["S"],
        "dripped_at": item["dripped_at"].get("S"),
        "drip_delay": int(item["drip_delay"]["N"]),
        "lessons_order": [int(lesson["N"]) for lesson in item["lessons_order"]["L"]],
    }


def _answer(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def read_handler(event, context):
    _, _, _, _, course_id, _, section_id = event["rawPath"].rstrip("/").split("/")
    if not _live_course(course_id):
        return _answer(404, {})
    item = client.get_item(
        TableName=TABLE,
        Key={"course_id": {"N": course_id}, "sk": {"S": f"SECTION#{int(section_id):010d}"}},
        ConsistentRead=True,
        ProjectionExpression="sk, deleted, section_id, #name, dripped_at, drip_delay, lessons_order",
        ExpressionAttributeNames={"#name": "name"},
    )
    return _answer(200, _section_of(item["Item"]))


def patch_handler(event, context):
    _, _, _, _, course_id, _, section_id = event["rawPath"].rstrip("/").split("/")
    if not _live_course(course_id):
        return _answer(404, {})
    values = {
        **{
            name: {"S": value} if name == "name" else {"N": str(value)}
            for name, value in json.loads(event["body"]).items()
        },
        "updated_at": {"S": datetime.now(UTC).isoformat()},
        "updated_by": {"S": event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]},
    }
    updated = client.update_item(
        TableName=TABLE,
        Key={"course_id": {"N": course_id}, "sk": {"S": f"SECTION#{int(section_id):010d}"}},
        UpdateExpression="SET " + ", ".join(f"#{name} = :{name}" for name in values),
        ConditionExpression="attribute_exists(sk)",
        ExpressionAttributeNames={f"#{name}": name for name in values},
        ExpressionAttributeValues={f":{name}": value for name, value in values.items()},
        ReturnValues="ALL_NEW",
    )
    return _answer(200, _section_of(updated["Attributes"]))


def lesson_handler(event, context):
    """A lesson's create: the course item's lesson_seq read, then the one transaction (sections/lesson_repository.py)."""
    _, _, _, _, course_id, _, section_id, _ = event["rawPath"].rstrip("/").split("/")
    body = json.loads(event["body"])
    course_key = {"course_id": {"N": course_id}, "sk": {"S": "COURSE"}}
    course = client.get_item(
        TableName=TABLE,
        Key=course_key,
        ConsistentRead=True,
        ProjectionExpression="sk, deleted, lesson_seq, lesson_count",
    )["Item"]
    seen = course.get("lesson_seq")
    lesson_id = int(seen["N"]) + 1 if seen else 1
    created_at = datetime.now(UTC).isoformat()
    prefix = f"{int(section_id):010d}#{lesson_id:010d}"
    client.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": course_key,
                    "UpdateExpression": "SET lesson_seq = :next ADD lesson_count :one",
                    "ConditionExpression": LIVE_COURSE
                    + (" AND lesson_seq = :seen" if seen else " AND attribute_not_exists(lesson_seq)")
                    + " AND (attribute_not_exists(lesson_count) OR lesson_count < :max)",
                    "ExpressionAttributeValues": {
                        ":next": {"N": str(lesson_id)},
                        ":one": {"N": "1"},
                        ":false": {"BOOL": False},
                        ":max": {"N": "1000"},
                        **({":seen": seen} if seen else {}),
                    },
                }
            },
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": {"course_id": {"N": course_id}, "sk": {"S": f"SECTION#{int(section_id):010d}"}},
                    "UpdateExpression": "ADD lesson_count :one",
                    "ConditionExpression": "attribute_exists(sk) AND (attribute_not_exists(lesson_count) OR lesson_count < :max)",
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":max": {"N": "49"}},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": {
                        "course_id": {"N": course_id},
                        "sk": {"S": f"LESSON#{prefix}"},
                        "lesson_id": {"N": str(lesson_id)},
                        "section_id": {"N": section_id},
                        "type": {"S": "lesson"},
                        "name": {"S": body["name"]},
                        "status": {"S": "draft"},
                        "comments_enabled": {"BOOL": True},
                        "medias": {"L": []},
                        "created_at": {"S": created_at},
                        "created_by": {"S": event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]},
                    },
                    "ConditionExpression": "attribute_not_exists(sk)",
                }
            },
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": {
                        "course_id": {"N": course_id},
                        "sk": {"S": f"TEXT#{prefix}"},
                        "lesson_id": {"N": str(lesson_id)},
                        "html": {"S": ""},
                    },
                }
            },
        ],
        ClientRequestToken=str(uuid.uuid4()),
    )
    lesson = {
        "id": lesson_id,
        "name": body["name"],
        "type": "lesson",
        "status": "draft",
        "comments_enabled": True,
        "medias": [],
        "html": "",
        "course_id": int(course_id),
        "section_id": int(section_id),
        "created_at": created_at,
    }
    location = f"/api/v2/course/{course_id}/section/{section_id}/lesson/{lesson_id}/"
    return {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json", "Location": location},
        "body": json.dumps(lesson),
    }
