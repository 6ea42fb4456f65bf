"""The route matcher, case by case, against what AWS documents for HTTP APIs.

Sources:
- [routes] AWS, "Working with routes for HTTP APIs":
  https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
  (path variables, greedy `{proxy+}`, most-specific match first, `$default`, 404 otherwise)
- [slash] docs/aws-behaviour.md, "API Gateway HTTP API: routes": powertools-lambda-python
  tests/e2e/event_handler/test_paths_ending_with_slash.py, run against AWS, expects
  `POST /todos/` not to reach a route `POST /todos`.
- [decode] docs/aws-behaviour.md, "API Gateway HTTP API: routes": the path is decoded before matching.
"""

from __future__ import annotations

import pytest

from localdev.route_matching import DEFAULT_ROUTE_KEY, Route, decoded_path, match_route

SECTION = Route("POST /api/v2/course/{id}/section", "Create")
SECTION_ITEM = Route("GET /api/v2/course/{id}/section/{section_id}", "Read")
LITERAL = Route("GET /api/v2/course/featured/section/{section_id}", "Featured")
GREEDY = Route("GET /api/v2/course/{id}/{proxy+}", "Greedy")
ANY = Route("ANY /api/v2/course/{id}/section", "Any")
DEFAULT = Route(DEFAULT_ROUTE_KEY, "Default")

CASES = [
    # (case, routes, method, path, expected target or None for API Gateway's 404, path parameters)
    ("exact match", [SECTION], "POST", "/api/v2/course/1/section", "Create", {"id": "1"}),
    (
        "parameter takes one segment",
        [SECTION_ITEM],
        "GET",
        "/api/v2/course/7/section/42",
        "Read",
        {"id": "7", "section_id": "42"},
    ),
    ("parameter never spans segments", [SECTION_ITEM], "GET", "/api/v2/course/7/section/4/2", None, {}),
    ("[slash] trailing slash is not ignored", [SECTION], "POST", "/api/v2/course/1/section/", None, {}),
    ("[slash] double slash is not ignored", [SECTION], "POST", "/api/v2/course/1/section//", None, {}),
    ("empty segment is no parameter", [SECTION], "POST", "/api/v2/course//section", None, {}),
    (
        "[routes] greedy takes child resources",
        [GREEDY],
        "GET",
        "/api/v2/course/3/section/9/x",
        "Greedy",
        {"id": "3", "proxy": "section/9/x"},
    ),
    (
        "greedy takes a trailing slash",
        [GREEDY],
        "GET",
        "/api/v2/course/3/section/",
        "Greedy",
        {"id": "3", "proxy": "section/"},
    ),
    ("greedy takes one character at least", [GREEDY], "GET", "/api/v2/course/3/", None, {}),
    ("greedy needs its slash", [GREEDY], "GET", "/api/v2/course/3", None, {}),
    (
        "[routes] full match beats a parameter",
        [SECTION_ITEM, LITERAL],
        "GET",
        "/api/v2/course/featured/section/5",
        "Featured",
        {"section_id": "5"},
    ),
    (
        "[routes] parameter beats greedy",
        [GREEDY, SECTION_ITEM],
        "GET",
        "/api/v2/course/7/section/42",
        "Read",
        {"id": "7", "section_id": "42"},
    ),
    ("an explicit method beats ANY", [ANY, SECTION], "POST", "/api/v2/course/1/section", "Create", {"id": "1"}),
    ("ANY takes the other methods", [ANY, SECTION], "DELETE", "/api/v2/course/1/section", "Any", {"id": "1"}),
    ("methods are case-sensitive", [SECTION], "post", "/api/v2/course/1/section", None, {}),
    ("wrong method, no match", [SECTION], "GET", "/api/v2/course/1/section", None, {}),
    (
        "[routes] $default takes what nothing else matches",
        [SECTION, DEFAULT],
        "POST",
        "/api/v2/course/1/section/",
        "Default",
        {},
    ),
    (
        "$default yields to a matching route",
        [DEFAULT, SECTION],
        "POST",
        "/api/v2/course/1/section",
        "Create",
        {"id": "1"},
    ),
    ("$default takes any method", [SECTION, DEFAULT], "TRACE", "/", "Default", {}),
    ("[routes] no match is API Gateway's 404", [SECTION, SECTION_ITEM], "GET", "/nothing", None, {}),
    ("paths are case-sensitive", [SECTION], "POST", "/API/v2/course/1/section", None, {}),
]


@pytest.mark.parametrize(("case", "routes", "method", "path", "target", "parameters"), CASES, ids=[c[0] for c in CASES])
def test_route_selection(case, routes, method, path, target, parameters):
    matched = match_route(routes, method, path)
    if target is None:
        assert matched is None, case
    else:
        assert matched is not None, case
        assert (matched.route.target, matched.path_parameters) == (target, parameters), case


def test_the_greedy_empty_rest_is_refused():
    """`{proxy+}` takes one character at least (docs/aws-behaviour.md): `.../section/{proxy+}` does not match `.../section/`."""
    assert (
        match_route([Route("POST /api/v2/course/{id}/section/{proxy+}", "F")], "POST", "/api/v2/course/1/section/")
        is None
    )


def test_route_key_parts():
    assert (SECTION.method, SECTION.path, SECTION.is_default) == ("POST", "/api/v2/course/{id}/section", False)
    assert (DEFAULT.method, DEFAULT.path, DEFAULT.is_default) == (None, None, True)


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("/api/v2/course/%31/section/", "/api/v2/course/1/section/"),
        ("/api/v2/course/1/sec%74ion", "/api/v2/course/1/section"),
        ("/a%20b", "/a b"),
        ("/plain", "/plain"),
    ],
)
def test_paths_are_percent_decoded_before_matching(raw, decoded):
    """[decode] an HTTP API decodes the path before matching, and rawPath arrives decoded."""
    assert decoded_path(raw) == decoded
    assert match_route([SECTION], "POST", decoded_path("/api/v2/course/%31/section")) is not None
