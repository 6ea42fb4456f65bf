"""README.md, then docs/local-development.md, followed from the top as a newcomer would, against a fresh
`make dev`: every command they show against it is run as written (only the port differs), and every
output they show is what comes back."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from localdev.template import ROOT
from tests.e2e.conftest import serve

pytestmark = pytest.mark.e2e

README = (ROOT / "README.md").read_text()
# README first, then the page it sends a reader to for every operation: read as one text, in that order.
PAGES = README + "\n" + (ROOT / "docs" / "local-development.md").read_text()
DEFAULT_URL = "http://127.0.0.1:3000"


def blocks(language: str = "bash") -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", PAGES, re.S)


def block_after(heading_text: str, language: str = "bash") -> str:
    start = PAGES.index(heading_text)
    return re.search(rf"```{language}\n(.*?)```", PAGES[start:], re.S).group(1)  # type: ignore[union-attr]


def commands(block: str) -> list[tuple[str, str]]:
    """Each command of a block (continuation lines joined) with the comment after it, if any."""
    joined = re.sub(r"\\\n\s*", "", block)
    found = []
    for line in joined.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        command, _, comment = line.partition("  # ")
        found.append((command.strip(), comment.strip()))
    return found


def run(command: str, environment: dict[str, str]) -> str:
    result = subprocess.run(
        ["bash", "-c", command], env=environment, capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout


def shown_in_order(expected: str, output: str) -> bool:
    """The README elides with "...": each shown piece must appear in the output, in order."""
    position = 0
    for piece in (part for part in expected.split("...") if part):
        found = output.find(piece, position)
        if found < 0:
            return False
        position = found + len(piece)
    return True


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory):
    """A fresh `make dev` (its own keys and DynamoDB), and the shell a newcomer pastes its command into."""
    home = tmp_path_factory.mktemp("readme-home")
    with serve("--dynamodb-port", "0", env={"LOCALDEV_HOME": str(home)}) as server:
        url = server.wait_for([r"Local API:\s+(?P<url>http://\S+)"])["url"]
        banner = server.output()
        yield url, banner, {**os.environ, "LOCALDEV_HOME": str(home)}


def test_the_readme_from_the_top_gives_the_outputs_it_shows(newcomer):
    url, banner, environment = newcomer
    local = lambda command: command.replace(DEFAULT_URL, url)  # noqa: E731 - the one change: the port
    # 1. The command `make dev` prints, pasted as is; the README shows its answer.
    printed = re.search(r"(export TOKEN=.*?\}')", banner, re.S).group(1)  # type: ignore[union-attr]
    environment["TOKEN"] = re.search(r"export TOKEN=(\S+)", printed).group(1)  # type: ignore[union-attr]
    answer = run(printed.replace("export TOKEN=", "TOKEN=", 1), environment)
    shown = re.search(r"```\n(HTTP/1.1.*?)```", README[README.index("prints a ready-to-paste") :], re.S).group(1)  # type: ignore[union-attr]
    for line in shown.strip().splitlines():
        if line.strip():
            assert line.strip() in answer.replace("\r", ""), (line, answer)

    # 2. README's read, then every operation of docs/local-development.md in its order, each against the
    # answer its comment shows.
    walkthrough = (
        block_after("Then read the course outline back")
        + block_after("In the shell where you pasted")
        + block_after("Lessons, in the same shell")
    )
    for command, comment in commands(walkthrough):
        if re.fullmatch(r"[A-Z_]+=\S+", command):  # a variable the next commands use
            name, value = command.split("=", 1)
            environment[name] = local(value)
            continue
        output = run(local(command) + " -o /dev/stdout -w '\\n%{http_code}'", environment)
        body, _, status = output.rpartition("\n")
        expected_status, _, rest = comment.partition(" ")
        assert status == expected_status.rstrip(","), (command, output)
        if rest[:1] in "{[":
            assert shown_in_order(rest, body), (command, body)

    # 3. The published example's form request creates the next section.
    form = run(local(block_after("The platform's published example").strip()), environment)
    assert "201 Created" in form and '"id":3' in form, form

    # 4. Safe retries: the loop prints the same section twice.
    retried = run(local(block_after("## Safe retries")), environment).splitlines()
    (loop_comment,) = [line for line in block_after("## Safe retries").splitlines() if "both print" in line]
    shown_once = re.search(r"both print (\{.*?\})", loop_comment).group(1)  # type: ignore[union-attr]
    assert len(retried) == 2 and retried[0] == retried[1], retried
    assert shown_in_order(shown_once, retried[0]), (shown_once, retried)
    listed = json.loads(run(f'curl -s "{url}/api/v2/course/1/section/" -H "Authorization: Bearer $TOKEN"', environment))
    assert [section["id"] for section in listed] == [1, 3, 4], "one section per key: the loop created one"


LOCAL_DEVELOPMENT = (ROOT / "docs" / "local-development.md").read_text()
ROLES = (ROOT / "docs" / "roles.md").read_text()


def _block_of(text: str, heading_text: str) -> str:
    start = text.index(heading_text)
    return re.search(r"```bash\n(.*?)```", text[start:], re.S).group(1)  # type: ignore[union-attr]


def _status(url: str, token: str, course: int, environment: dict[str, str]) -> str:
    """The status of a section create in `course` with `token`, as curl prints it."""
    command = (
        f'curl -s -o /dev/null -w "%{{http_code}}" -X POST "{url}/api/v2/course/{course}/section/" '
        f"-H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' -d '{{\"name\": \"Docs\"}}'"
    )
    return run(command, environment)


def test_the_local_tools_do_what_docs_say(newcomer):
    """docs/local-development.md, "Local tools": each token command's token gets the answer its comment says,
    and seed-course adds, then deletes, a course in the running API's DynamoDB. (`serve` is what the fixture runs.)"""
    url, _, environment = newcomer
    tokens: dict[str, str] = {}
    for command, comment in commands(_block_of(LOCAL_DEVELOPMENT, "## Local tools")):
        if " token " in command:
            tokens[comment] = run(command, environment).strip()
        elif " seed-course " in command:
            run(command, environment)
            deleted = "--deleted" in command
            manager = run(".venv/bin/python -m localdev token --sub docs --group course:7:manager", environment).strip()
            assert _status(url, manager, 7, environment) == ("404" if deleted else "201"), command
    assert _status(url, tokens["a token (1 h)"], 2, environment) == "201", "alice creates in course 2"
    assert _status(url, tokens["an expired one"], 1, environment) == "401"
    assert _status(url, tokens["wrong aud"], 1, environment) == "401"
    assert _status(url, tokens["like an ID token: 403"], 1, environment) == "403"


def test_the_roles_page_seeds_as_it_says(newcomer):
    """docs/roles.md's seed-course command (with RoleSource=token too, it writes the staff the table mode reads)."""
    _, _, environment = newcomer
    (command, _), *_ = [pair for pair in commands(_block_of(ROLES, "`RoleSource` chooses")) if "seed-course" in pair[0]]
    assert "staff: alice (manager), carol (creator)" in run(command, environment)


def test_make_editor_prints_what_the_docs_show(newcomer):
    """docs/local-development.md's `make editor` block: each line it shows is a line of the command's output
    (the port, token and names elided with "...")."""
    from localdev.processes import localdev_process

    url, _, environment = newcomer
    block = _block_of(LOCAL_DEVELOPMENT, "To click through it yourself")
    shown = [line.removeprefix("# ") for line in block.splitlines() if line.startswith("# ")]
    home = {"LOCALDEV_HOME": environment["LOCALDEV_HOME"]}
    with localdev_process("editor", "--api", url, "--port", "0", env=home) as editor:
        editor.wait_for([r"The API must allow the origin"], timeout=300)
        printed = [line.strip() for line in editor.output().splitlines() if line.strip()]
    for line in shown:
        expected = line.replace(DEFAULT_URL, url).replace("http://localhost:5173", "http://localhost:...")
        assert any(shown_in_order(expected, output) for output in printed), (line, printed)
