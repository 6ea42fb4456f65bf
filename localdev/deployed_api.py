"""The HTTP API as `sam deploy` creates it: template.yaml translated by aws-sam-translator, then read as
API Gateway imports the translated OpenAPI body (routes, each route's authorizer, CORS).

Local tools must not read the API from template.yaml as written: SAM rewrites it on the way to AWS,
and a defect of that rewrite (a CORS block dropped, say) reaches AWS but not a reader of the raw
YAML. The translation takes about two seconds, so each result is kept in .localdev/translated/,
keyed by everything it depends on.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localdev.route_matching import ANY_METHOD, DEFAULT_ROUTE_KEY, Route
from localdev.template import ROOT, Template
from sections.cors import CorsConfiguration

TRANSLATOR_PYTHON = ROOT / ".venv-translator" / "bin" / "python"
TRANSLATE_SCRIPT = Path(__file__).with_name("sam_translate.py")
TRANSLATOR_LOCK = ROOT / "requirements" / "translator.lock"
CACHE_DIR = ROOT / ".localdev" / "translated"
_ANY = "x-amazon-apigateway-any-method"
_API_TYPE = "AWS::ApiGatewayV2::Api"
_ALIAS_TYPE = "AWS::Lambda::Alias"


class TranslationFailed(RuntimeError):
    """aws-sam-translator refused the template, or is not installed."""


@dataclass(frozen=True)
class DeployedApi:
    routes: list[Route]
    # None where API Gateway would have no CORS configuration; `cors_problem` then says why.
    cors: CorsConfiguration | None
    cors_problem: str | None = None
    # Each JWT authorizer's token header, lower-cased, from its identitySource ($request.header.X).
    identity_headers: dict[str, str] = field(default_factory=dict)

    @property
    def functions(self) -> set[str]:
        return {route.target for route in self.routes}


def translate(path: Path, parameters: dict[str, str]) -> dict[str, Any]:
    """The CloudFormation that `sam deploy` would hand to AWS for this template and these parameter values."""
    key = hashlib.sha256()
    for part in (path.read_bytes(), TRANSLATE_SCRIPT.read_bytes(), TRANSLATOR_LOCK.read_bytes()):
        key.update(hashlib.sha256(part).digest())
    key.update(json.dumps(sorted(parameters.items())).encode())
    cached = CACHE_DIR / f"{key.hexdigest()}.json"
    if cached.exists():
        return json.loads(cached.read_text())
    if not TRANSLATOR_PYTHON.exists():
        raise TranslationFailed(f"{TRANSLATOR_PYTHON} is missing: run `make dev`, which installs it")
    assignments = [f"{name}={value}" for name, value in sorted(parameters.items())]
    result = subprocess.run(  # noqa: S603 - our own script on our own environment's python
        [str(TRANSLATOR_PYTHON), str(TRANSLATE_SCRIPT), str(path), *assignments],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["no output"]
        raise TranslationFailed(f"aws-sam-translator refused {path.name}: {lines[-1]}")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(result.stdout)
    partial.replace(cached)  # atomic: a concurrent reader sees all of it or nothing
    return json.loads(result.stdout)


def deployed_api(template: Template) -> DeployedApi:
    """The API of the template's translation, its intrinsics resolved with the template's parameter values."""
    cloudformation = translate(template.path, template.overrides)
    resolved = Template(cloudformation, template.overrides, template.path)
    (api,) = [resource for resource in cloudformation["Resources"].values() if resource["Type"] == _API_TYPE]
    body = api["Properties"]["Body"]
    identity_headers = _jwt_identity_headers(body)
    cors, cors_problem = _cors(body, resolved)
    routes = _routes(body, resolved, set(identity_headers), cloudformation["Resources"])
    return DeployedApi(routes, cors, cors_problem, identity_headers)


def _jwt_identity_headers(body: dict[str, Any]) -> dict[str, str]:
    """The JWT authorizers (security schemes) of the body, each with the header its token comes in."""
    found = {}
    for name, scheme in body.get("components", {}).get("securitySchemes", {}).items():
        authorizer = scheme.get("x-amazon-apigateway-authorizer", {})
        if authorizer.get("type") == "jwt":
            found[name] = (
                str(authorizer.get("identitySource", "$request.header.Authorization")).rsplit(".", 1)[-1].lower()
            )
    return found


def _integration_function(uri: dict[str, Any], resources: dict[str, Any]) -> str:
    """The function an integration invokes: `${Function.Arn}`, or `${FunctionAliaslive}` with AutoPublishAlias.

    Locally the alias is its function: a version is the code as it was deployed, and the code here is
    the source (or its build), so the same code runs whether or not the route names an alias.
    """
    (name,) = re.findall(r"\$\{(\w+)(?:\.Arn)?\}", uri["Fn::Sub"].split("/functions/", 1)[1])
    resource = resources[name]
    if resource["Type"] == _ALIAS_TYPE:
        return str(resource["Properties"]["FunctionName"]["Ref"])
    return name


def _routes(body: dict[str, Any], resolved: Template, jwt_schemes: set[str], resources: dict[str, Any]) -> list[Route]:
    routes = []
    for path, operations in body["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            target = _integration_function(operation["x-amazon-apigateway-integration"]["uri"], resources)
            method_name = ANY_METHOD if method == _ANY else method.upper()
            key = DEFAULT_ROUTE_KEY if path == DEFAULT_ROUTE_KEY else f"{method_name} {path}"
            # SAM writes `{"NONE": []}` for a route without authorization; only a JWT scheme authorizes.
            requirements = [req for req in operation.get("security", []) if set(req) & jwt_schemes]
            if requirements:
                ((authorizer, scopes),) = requirements[0].items()
                scope_values = [scope for scope in resolved.resolve(scopes) if scope is not None]
                routes.append(Route(key, target, authorizer, tuple(scope_values)))
            else:
                routes.append(Route(key, target))
    return routes


def _cors(body: dict[str, Any], resolved: Template) -> tuple[CorsConfiguration | None, str | None]:
    """API Gateway's CORS configuration: x-amazon-apigateway-cors must be an object (AWS, "x-amazon-apigateway-cors object")."""
    if "x-amazon-apigateway-cors" not in body:
        return None, None
    extension = resolved.resolve(body["x-amazon-apigateway-cors"])
    if not isinstance(extension, dict):
        return None, f"x-amazon-apigateway-cors is {type(extension).__name__}, not the object API Gateway requires"
    try:
        return CorsConfiguration.from_openapi(extension), None
    except ValueError as error:
        return None, str(error)
