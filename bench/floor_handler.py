"""The bare floor: the function's two DynamoDB requests, parameter for parameter, with boto3 and json only.

No framework, no validation, no authorization, no error handling: what any Python function doing
this work must pay. The requests are the function's own (sections/repository.py), conditions and
attributes included, so the ratios measure what the function adds around them, not what it asks
DynamoDB to do.
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
