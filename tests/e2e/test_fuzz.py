"""schemathesis, driven by docs/openapi.json, against a running `localdev serve`.

The fuzzing caller is in an admin group (AdminGroup parameter override), so generated course ids
reach validation, the 404 path and the writes instead of stopping at 403.
Bounded here by count, not time: FUZZ_EXAMPLES (default 30 per operation, about 200 generated
examples as issue #7 set the bounded run, besides the coverage phase's boundary values and the
stateful scenarios). `make fuzz` runs a long one, for FUZZ_MAX_SECONDS.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from localdev.processes import ROOT
from tests.e2e.conftest import mint, serve

pytestmark = pytest.mark.e2e

PHASES = "examples,coverage,fuzzing,stateful"


def test_schemathesis_finds_no_5xx_and_no_undocumented_response(tmp_path_factory):
    if os.environ.get("BASE_URL"):
        pytest.skip("fuzzing writes many sections: local only")
    home = os.environ.get("LOCALDEV_HOME") or str(tmp_path_factory.mktemp("fuzz-home"))
    os.environ["LOCALDEV_HOME"] = home
    overrides = "AdminGroup=fuzz-admins"
    # --max-time is a budget, not a ceiling: under it the fuzzing and stateful phases keep drawing
    # cases until the time is spent (schemathesis docs, "Benchmarking"). Only `make fuzz` sets one.
    seconds = int(os.environ.get("FUZZ_MAX_SECONDS", "0"))
    time_budget = ["--max-time", str(seconds)] if seconds else []
    with serve("--dynamodb-port", "0", "--parameter-overrides", overrides) as server:
        url = server.wait_for([r"Local API:\s+(?P<url>http://\S+)"])["url"]
        token = mint("--sub", "fuzzer", "--group", "fuzz-admins")
        command = [
            str(Path(sys.executable).with_name("schemathesis")),
            "--config-file",
            str(Path(__file__).with_name("schemathesis.toml")),
            "run",
            str(ROOT / "docs" / "openapi.json"),
            "--url",
            url,
            "--header",
            f"Authorization: Bearer {token}",
            # Every check runs: schemathesis enables each one unless schemathesis.toml turns it off
            # (there, one check for PATCH only). `--checks all` would override that file.
            "--phases",
            PHASES,
            "--max-examples",
            os.environ.get("FUZZ_EXAMPLES", "30"),
            "--seed",
            os.environ.get("FUZZ_SEED", "20261126"),
            "--workers",
            "1",
            "--request-timeout",
            "20",
            *time_budget,
        ]
        # schemathesis runs none of the project's code, so coverage stays out of its process.
        unmeasured = {name: value for name, value in os.environ.items() if not name.startswith("COVERAGE_")}
        unmeasured["SCHEMATHESIS_HOOKS"] = "tests.e2e.schemathesis_hooks"  # what the schema cannot say
        result = subprocess.run(
            command, cwd=ROOT, env=unmeasured, capture_output=True, text=True, timeout=seconds + 300
        )
        report = readable_report(result.stdout) + result.stderr[-2000:]
        assert result.returncode == 0, report
        # The server logs a request once it has answered it: one more request's line, waited for, follows the run's.
        requests.get(url + "/api/v2/fuzz-finished", timeout=30)
        server.wait_for([r"^GET /api/v2/fuzz-finished 401 "])
        statuses = [int(m.group(1)) for m in re.finditer(r"^[A-Z]+ /\S* (\d{3}) [\d.]+ms$", server.output(), re.M)]
        assert 201 in statuses, "the fuzzer reached the write path"
        assert not [status for status in statuses if status >= 500], report


def readable_report(output: str) -> str:
    """schemathesis's failures from their start, each line cut short: a generated body can fill the whole report."""
    start = output.find("FAILURES")
    lines = output[start if start >= 0 else max(0, len(output) - 6000) :].splitlines()
    return "\n".join(line if len(line) <= 400 else line[:400] + " [...]" for line in lines)[-12000:]
