"""Route selection exactly as an API Gateway HTTP API makes it. One matcher for the local gateway,
the fuzz run and the infrastructure test, so all three agree on what the deployed API routes.

AWS, "Working with routes for HTTP APIs"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html):
- a route is `METHOD /path`, `ANY /path` or `$default`; `{name}` is one path segment and a final
  `{name+}` is greedy, taking every child resource;
- the most specific match wins: a full match, then a path variable, then a greedy variable;
  `$default` takes what no other route matches, and nothing matched is 404 {"message":"Not Found"};
- paths are matched segment by segment and a trailing slash is not ignored (only REST APIs do
  that; docs/aws-behaviour.md has the sources); the path is percent-decoded first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

DEFAULT_ROUTE_KEY = "$default"
ANY_METHOD = "ANY"

# Rank of a route segment when several routes match: lower is more specific.
_LITERAL, _VARIABLE, _GREEDY = 0, 1, 2


@dataclass(frozen=True)
class Route:
    """A route of the API: `route_key` is `$default` or `METHOD /path`; `target` names what it invokes.

    `authorizer` names the route's JWT authorizer (None: the route has no authorization) and `scopes`
    the scopes it requires, one of which a token must carry.
    """

    route_key: str
    target: str
    authorizer: str | None = None
    scopes: tuple[str, ...] = ()

    @property
    def method(self) -> str | None:
        return None if self.is_default else self.route_key.split(" ", 1)[0]

    @property
    def path(self) -> str | None:
        return None if self.is_default else self.route_key.split(" ", 1)[1]

    @property
    def is_default(self) -> bool:
        return self.route_key == DEFAULT_ROUTE_KEY


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str]


def decoded_path(raw_path: str) -> str:
    """The path as API Gateway matches it and hands it to the function in `rawPath`: percent-decoded."""
    return unquote(raw_path)


def match_route(routes: Iterable[Route], method: str, path: str) -> RouteMatch | None:
    """The route API Gateway selects for a (decoded) path, or None for its 404. Methods are case-sensitive."""
    candidates: list[tuple[tuple[int, ...], int, RouteMatch]] = []
    default: Route | None = None
    for route in routes:
        if route.is_default:
            default = route
            continue
        if route.method not in (method, ANY_METHOD):
            continue
        matched = _match_path(route.path or "", path)
        if matched is not None:
            parameters, rank = matched
            method_rank = 0 if route.method == method else 1  # an explicit method beats ANY
            candidates.append((rank, method_rank, RouteMatch(route, parameters)))
    if candidates:
        return min(candidates, key=lambda candidate: candidate[:2])[2]
    return RouteMatch(default, {}) if default else None


def _match_path(template: str, path: str) -> tuple[dict[str, str], tuple[int, ...]] | None:
    """Path parameters and the match's specificity, segment by segment; None when the route does not take the path."""
    if not path.startswith("/"):
        return None
    wanted = template[1:].split("/")
    given = path[1:].split("/")
    parameters: dict[str, str] = {}
    rank: list[int] = []
    for index, segment in enumerate(wanted):
        if segment.startswith("{") and segment.endswith("+}"):
            rest = "/".join(given[index:])
            if index != len(wanted) - 1 or not rest:
                return None  # greedy only at the end, and it takes one character at least
            parameters[segment[1:-2]] = rest
            rank.append(_GREEDY)
            return parameters, tuple(rank)
        if index >= len(given):
            return None
        if segment.startswith("{") and segment.endswith("}"):
            if not given[index]:
                return None  # `{x}` takes one non-empty segment: `//` matches nothing
            parameters[segment[1:-1]] = given[index]
            rank.append(_VARIABLE)
        elif segment == given[index]:
            rank.append(_LITERAL)
        else:
            return None
    if len(given) != len(wanted):
        return None
    return parameters, tuple(rank)
