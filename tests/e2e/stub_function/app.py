"""A stand-in function for the gateway's own tests: what it returns is chosen by the last path segment."""

import os
import time


def lambda_handler(event, context):
    action = event["rawPath"].rstrip("/").rsplit("/", 1)[-1]
    if action == "cors":
        headers = {"Access-Control-Allow-Origin": "*", "access-control-allow-credentials": "true", "X-Kept": "yes"}
        return {"statusCode": 200, "headers": headers, "body": "{}"}
    if action == "no-status-code":
        return {"hello": "world"}
    if action == "crash":
        os._exit(3)
    if action == "raise":
        raise RuntimeError("the stub failed")
    if action == "sleep":
        time.sleep(1)
    return {"statusCode": 200, "body": str(os.getpid())}
