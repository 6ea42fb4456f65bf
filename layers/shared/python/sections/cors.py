"""CORS as the API's x-amazon-apigateway-cors configures it: which origins may call, and the preflight answer.

Standard library only: the preflight function imports nothing else, and the local gateway applies the
same rules where API Gateway applies its CORS configuration (AWS, "Configure CORS for HTTP APIs":
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html).
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CorsConfiguration:
    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...]
    allow_headers: tuple[str, ...]
    expose_headers: tuple[str, ...] = ()
    max_age: int = 0

    @classmethod
    def from_openapi(cls, extension: Mapping[str, object]) -> CorsConfiguration:
        """From an x-amazon-apigateway-cors object, its intrinsics already resolved."""

        def strings(name: str) -> tuple[str, ...]:
            value = extension.get(name) or []
            if not isinstance(value, list):
                raise ValueError(f"x-amazon-apigateway-cors.{name} must be a list, not {value!r}")
            return tuple(str(item) for item in value)

        return cls(
            allow_origins=strings("allowOrigins"),
            allow_methods=strings("allowMethods"),
            allow_headers=strings("allowHeaders"),
            expose_headers=strings("exposeHeaders"),
            max_age=int(str(extension.get("maxAge", 0))),
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> CorsConfiguration:
        """From the preflight function's CORS_* variables: comma-separated lists, as template.yaml writes them.

        Split exactly as Fn::Split splits the API's allowOrigins, with no trimming: an origin that API
        Gateway would not match is not matched here either (CorsAllowedOrigins' AllowedPattern refuses
        spaces and empty items before a deploy).
        """

        def listed(name: str) -> tuple[str, ...]:
            value = env.get(name, "")
            return tuple(value.split(",")) if value else ()

        return cls(
            allow_origins=listed("CORS_ALLOW_ORIGINS"),
            allow_methods=listed("CORS_ALLOW_METHODS"),
            allow_headers=listed("CORS_ALLOW_HEADERS"),
            max_age=int(env.get("CORS_MAX_AGE") or 0),
        )

    def origin_allowed(self, origin: str) -> bool:
        """`*`, the exact origin, or a wildcard origin such as `https://*.example.com`."""
        return any(
            allowed == "*" or allowed == origin or ("*" in allowed and fnmatch.fnmatchcase(origin, allowed))
            for allowed in self.allow_origins
        )

    def preflight_headers(self, headers: Mapping[str, str]) -> list[tuple[str, str]]:
        """The answer's CORS headers for a preflight (lower-cased request headers); none for an origin not allowed."""
        origin = headers.get("origin")
        requested = headers.get("access-control-request-method", "").upper()
        methods = [method.upper() for method in self.allow_methods]
        if not origin or not self.origin_allowed(origin) or not (requested in methods or "*" in methods):
            return []
        return [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Methods", ",".join(methods)),
            ("Access-Control-Allow-Headers", ",".join(self.allow_headers)),
            ("Access-Control-Max-Age", str(self.max_age)),
            ("Vary", "Origin"),
        ]

    def response_headers(self, origin: str | None) -> list[tuple[str, str]]:
        """The CORS headers API Gateway adds to an actual (not preflight) request's answer."""
        if not origin or not self.origin_allowed(origin):
            return []
        headers = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
        if self.expose_headers:
            headers.append(("Access-Control-Expose-Headers", ",".join(self.expose_headers)))
        return headers


def is_preflight(method: str, headers: Mapping[str, str]) -> bool:
    """A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method (lower-cased headers)."""
    return method == "OPTIONS" and "origin" in headers and "access-control-request-method" in headers


def lowercase_headers(headers: Sequence[tuple[str, str]] | Mapping[str, str]) -> dict[str, str]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return {name.lower(): value for name, value in pairs}
