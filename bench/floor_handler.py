"""The bare floor: the same two DynamoDB calls as the real function, with boto3 and json only.

No framework, no validation, no authorization: what any Python function doing this work must pay.
"""

import json
import os
import uuid

import boto3

client = boto3.client("dynamodb")
TABLE = os.environ["TABLE_NAME"]


def lambda_handler(event, context):
    course_id = event["pathParameters"]["id"]
    body = json.loads(event["body"])
    key = {"course_id": {"N": course_id}, "sk": {"S": "COURSE"}}
    allocated = client.update_item(
        TableName=TABLE,
        Key=key,
        UpdateExpression="ADD section_seq :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="UPDATED_NEW",
    )
    section_id = int(allocated["Attributes"]["section_seq"]["N"])
    client.transact_write_items(
        ClientRequestToken=str(uuid.uuid4()),
        TransactItems=[
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": {
                        "course_id": {"N": course_id},
                        "sk": {"S": f"SECTION#{section_id:010d}"},
                        "name": {"S": body["name"]},
                    },
                }
            },
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": key,
                    "UpdateExpression": "SET sections_order = list_append(sections_order, :new)",
                    "ExpressionAttributeValues": {":new": {"L": [{"N": str(section_id)}]}},
                }
            },
        ],
    )
    section = {"id": section_id, "name": body["name"], "dripped_at": None, "drip_delay": 0, "lessons_order": []}
    return {
        "statusCode": 201,
        "headers": {
            "Content-Type": "application/json",
            "Location": f"/api/v2/course/{course_id}/section/{section_id}/",
        },
        "body": json.dumps(section),
    }
