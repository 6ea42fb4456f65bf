"""docs/openapi.json is what the code generates now (regenerate with `make openapi`)."""

import json
from pathlib import Path

from localdev.openapi import openapi_document

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_openapi_matches_the_code():
    assert json.loads(COMMITTED.read_text()) == openapi_document(), "docs/openapi.json is stale: run `make openapi`"


def test_openapi_documents_the_contract():
    document = openapi_document()
    assert document["openapi"] == "3.1.0"
    (path,) = document["paths"]
    assert path == "/api/v2/course/{id}/section/"
    operation = document["paths"][path]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/json", "application/x-www-form-urlencoded"}
    assert {p["name"] for p in operation["parameters"]} == {"id", "Idempotency-Key"}
    assert operation["responses"]["201"]["headers"]["Location"]["required"] is True
    assert operation["responses"]["503"]["headers"]["Retry-After"]
    for status in ("400", "403", "404", "409", "413", "415", "422", "500", "503"):
        assert "application/problem+json" in operation["responses"][status]["content"], status
    assert document["components"]["securitySchemes"]["bearerJwt"]["scheme"] == "bearer"
    assert document["security"] == [{"bearerJwt": []}]
    request = document["components"]["schemas"]["CreateSectionRequest"]
    assert request["additionalProperties"] is False
    assert request["required"] == ["name"]
