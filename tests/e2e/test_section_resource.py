"""The whole Course Section resource over real HTTP, through `localdev serve` (what `make dev` runs), both URL forms."""

from __future__ import annotations

import pytest
import requests

from sections.routes import METHODS_BY_PATH
from tests.e2e.conftest import mint

pytestmark = pytest.mark.e2e


def headers(target, token=None):
    return {"Authorization": f"Bearer {token or target.token()}", "Content-Type": "application/json"}


def sections_url(target, trailing_slash=True):
    path = f"/api/v2/course/{target.course_id}/section/"
    return target.url(path if trailing_slash else path.rstrip("/"))


def section_url(target, section_id, trailing_slash=True):
    return sections_url(target) + (f"{section_id}/" if trailing_slash else str(section_id))


@pytest.mark.parametrize("trailing_slash", [True, False], ids=["slash", "no-slash"])
def test_create_list_read_replace_patch_delete(target, trailing_slash):
    created = requests.post(
        sections_url(target, trailing_slash),
        json={"name": "Lifecycle", "drip_delay": 2},
        headers=headers(target),
        timeout=30,
    )
    assert created.status_code == 201
    section_id = created.json()["id"]
    # The 201's Location is a URL that answers.
    located = requests.get(target.url(created.headers["Location"]), headers=headers(target), timeout=30)
    assert (located.status_code, located.json()) == (200, created.json())
    url = section_url(target, section_id, trailing_slash)

    listed = requests.get(sections_url(target, trailing_slash), headers=headers(target), timeout=30)
    assert listed.status_code == 200
    assert listed.json()[-1] == created.json(), "a list right after the 201 reflects it"

    replaced = requests.put(url, json={"name": "Replaced", "lessons_order": [3]}, headers=headers(target), timeout=30)
    assert replaced.status_code == 200
    assert replaced.json() == {
        "id": section_id,
        "name": "Replaced",
        "dripped_at": None,
        "drip_delay": 0,
        "lessons_order": [3],
    }
    assert requests.get(url, headers=headers(target), timeout=30).json() == replaced.json()

    patched = requests.patch(url, json={"dripped_at": "2026-01-01T00:00:00Z"}, headers=headers(target), timeout=30)
    assert patched.status_code == 200
    assert patched.json() == {**replaced.json(), "dripped_at": "2026-01-01T00:00:00Z"}

    deleted = requests.delete(url, headers=headers(target), timeout=30)
    assert (deleted.status_code, deleted.content) == (204, b"")
    listed = requests.get(sections_url(target, trailing_slash), headers=headers(target), timeout=30).json()
    assert section_id not in [section["id"] for section in listed], "a list right after the 204 reflects it"
    again = requests.delete(url, headers=headers(target), timeout=30)
    assert again.status_code == 404
    assert again.headers["Content-Type"] == "application/problem+json"
    assert again.json()["type"] == "urn:course-api:problem:section-not-found"


def test_every_operation_is_behind_the_authorizer(target):
    for method, url in [
        ("GET", sections_url(target)),
        ("GET", section_url(target, 1)),
        ("PUT", section_url(target, 1)),
        ("PATCH", section_url(target, 1)),
        ("DELETE", section_url(target, 1, trailing_slash=False)),
    ]:
        response = requests.request(method, url, json={"name": "x"}, timeout=30)
        assert (response.status_code, response.json()) == (401, {"message": "Unauthorized"}), (method, url)


def test_another_courses_manager_gets_403_and_changes_nothing(local_only):
    created = requests.post(sections_url(local_only), json={"name": "Mine"}, headers=headers(local_only), timeout=30)
    stranger = mint("--sub", "stranger", "--group", "course:2:manager")
    url = section_url(local_only, created.json()["id"])
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        response = requests.request(
            method, url, json={"name": "Theirs"}, headers=headers(local_only, stranger), timeout=30
        )
        assert response.status_code == 403, method
        assert response.json()["type"] == "urn:course-api:problem:forbidden"
    assert requests.get(url, headers=headers(local_only), timeout=30).json() == created.json()


def test_a_bad_section_id_is_400_naming_it(target):
    response = requests.get(section_url(target, "abc"), headers=headers(target), timeout=30)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "section_id", "message": "must be a positive integer no larger than 9007199254740991"}
    ]


@pytest.mark.parametrize("trailing_slash", [True, False], ids=["slash", "no-slash"])
def test_cors_preflight_of_every_operation_passes_without_a_token(target, trailing_slash):
    """What a browser sends before each of the editor's calls: no Authorization, so no authorizer may meet it."""
    for path, methods in METHODS_BY_PATH.items():
        url = target.url(path.replace("<id>", str(target.course_id)).replace("<section_id>", "1"))
        url = url if trailing_slash else url.rstrip("/")
        for method in methods:
            preflight = {
                "Origin": "http://localhost:5173",
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
            }
            response = requests.options(url, headers=preflight, timeout=30)
            assert response.status_code == 204, (method, url, response.text)
            assert response.content == b""
            assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
            assert response.headers["Access-Control-Allow-Methods"] == "GET,POST,PUT,PATCH,DELETE"
            assert response.headers["Access-Control-Allow-Headers"] == "authorization,content-type,idempotency-key"
            assert response.headers["Access-Control-Max-Age"] == "600"
            refused = requests.options(url, headers={**preflight, "Origin": "https://evil.example"}, timeout=30)
            assert refused.status_code == 204
            assert not [name for name in refused.headers if name.lower().startswith("access-control-")], refused.headers


@pytest.mark.parametrize("trailing_slash", [True, False], ids=["slash", "no-slash"])
def test_a_manager_reorders_the_sections_over_http(target, trailing_slash):
    course = f"/api/v2/course/{target.course_id}/"
    created = [
        requests.post(sections_url(target), json={"name": f"Reorder {n}"}, headers=headers(target), timeout=30).json()[
            "id"
        ]
        for n in range(3)
    ]
    current = [
        section["id"] for section in requests.get(sections_url(target), headers=headers(target), timeout=30).json()
    ]
    chosen = list(reversed(current))
    url = target.url(course if trailing_slash else course.rstrip("/"))
    response = requests.patch(url, json={"sections_order": chosen}, headers=headers(target), timeout=30)
    assert (response.status_code, response.json()) == (200, {"id": target.course_id, "sections_order": chosen})
    listed = requests.get(sections_url(target, trailing_slash), headers=headers(target), timeout=30).json()
    assert [section["id"] for section in listed] == chosen
    stale = requests.patch(url, json={"sections_order": created[:1]}, headers=headers(target), timeout=30)
    assert stale.status_code == 409
    assert stale.headers["Content-Type"] == "application/problem+json"
    assert stale.json()["sections_order"] == chosen
    unauthenticated = requests.patch(url, json={"sections_order": chosen}, timeout=30)
    assert (unauthenticated.status_code, unauthenticated.json()) == (401, {"message": "Unauthorized"})
