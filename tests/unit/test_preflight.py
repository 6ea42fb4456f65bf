"""The preflight function: what the API's OPTIONS route (no authorizer) invokes for every CORS preflight."""

from __future__ import annotations

import sys

import pytest

from localdev.functions import handler_module
from localdev.template import local_template
from sections.cors import CorsConfiguration

MODULE = "PreflightFunction.app"


@pytest.fixture
def preflight(monkeypatch):
    """The handler with the environment template.yaml gives it, the origins as a deploy would set them."""
    environment = local_template({"CorsAllowedOrigins": "https://app.example.com,https://*.example.org"})
    for name, value in environment.function_environment("PreflightFunction").items():
        monkeypatch.setenv(name, value)
    sys.modules.pop(MODULE, None)  # imported afresh: it reads its environment at init, as on Lambda
    yield handler_module("PreflightFunction")
    sys.modules.pop(MODULE, None)


def event(**headers):
    return {"version": "2.0", "routeKey": "OPTIONS /{proxy+}", "rawPath": "/api/v2/course/1/", "headers": headers}


def test_a_preflight_from_an_allowed_origin_gets_204_the_cors_headers_and_no_body(preflight):
    answer = preflight.lambda_handler(
        event(origin="https://a.example.org", **{"access-control-request-method": "PATCH"}), None
    )
    assert answer == {
        "statusCode": 204,
        "headers": {
            "Access-Control-Allow-Origin": "https://a.example.org",
            "Access-Control-Allow-Methods": "GET,POST,PUT,PATCH,DELETE",
            "Access-Control-Allow-Headers": "authorization,content-type,idempotency-key",
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        },
        "body": "",
    }


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example", "access-control-request-method": "POST"},
        {"origin": "https://app.example.com", "access-control-request-method": "TRACE"},
        {"origin": "https://app.example.com"},
        {},
    ],
)
def test_anything_else_gets_204_without_cors_headers(preflight, headers):
    assert preflight.lambda_handler(event(**headers), None) == {"statusCode": 204, "headers": {}, "body": ""}


def test_it_reads_its_configuration_from_the_environment_and_imports_nothing_of_the_data_path(preflight):
    assert (
        CorsConfiguration(
            ("https://app.example.com", "https://*.example.org"),
            ("GET", "POST", "PUT", "PATCH", "DELETE"),
            ("authorization", "content-type", "idempotency-key"),
            max_age=600,
        )
        == preflight.CORS
    )
    assert not [name for name in vars(preflight) if name in ("boto3", "botocore", "repository")]
