"""A `sam local` build never leaks into a deploy build.

SAM keys a layer's cached build on its source folder only (aws-sam-cli samcli/lib/build/build_strategy.py;
docs/aws-behaviour.md, "What is deployed is SAM's translation"), so a deploy build that shared the sam-local build's cache
would ship its PyJWT. This runs both builds, in that order, the way a developer would, in a copy of
the project, and looks inside the deploy artifact.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from localdev.template import ROOT

pytestmark = pytest.mark.infrastructure


def project_copy(destination: Path) -> Path:
    """The tracked files, with their times (so make sees the tool environments as up to date), .venv-sam and uv."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    (destination / ".venv-sam").symlink_to(ROOT / ".venv-sam")
    (destination / ".tools").mkdir()
    (destination / ".tools" / "uv").symlink_to(ROOT / ".tools" / "uv")
    return destination


def make(project: Path, *targets: str) -> str:
    result = subprocess.run(
        ["make", "--no-print-directory", *targets],
        cwd=project,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_the_deploy_build_after_a_sam_local_build_holds_no_pyjwt(tmp_path):
    if not (ROOT / ".venv-sam" / "bin" / "sam").exists():
        pytest.fail("aws-sam-cli lives in .venv-sam: run `make test`")
    project = project_copy(tmp_path / "project")
    if not make(project, "--eval=python313: ; @echo $(PYTHON313)", "python313").strip():
        pytest.skip("python3.13 is not installed, so the Makefile skips sam build")

    make(project, "build-samlocal")
    make(project, "build")

    sam_local_layer = project / ".aws-sam" / "samlocal" / "build" / "RuntimeLayer" / "python"
    deploy_layer = project / ".aws-sam" / "build" / "RuntimeLayer" / "python"
    assert (sam_local_layer / "jwt").is_dir(), "the sam-local build has PyJWT"
    assert (deploy_layer / "aws_lambda_powertools").is_dir()
    assert not (deploy_layer / "jwt").exists(), "the deploy build reused the sam-local layer"
    assert not list(deploy_layer.glob("PyJWT-*")) and not list(deploy_layer.glob("cryptography*"))


def test_deploy_prod_builds_with_the_prod_config():
    """`[prod.build.parameters]` (no build cache) is read only by a build run with `--config-env prod`."""
    plan = subprocess.run(
        ["make", "-n", "--no-print-directory", "deploy-prod"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    build_lines = [line for line in plan.splitlines() if " build" in line and "sam" in line]
    assert build_lines and all("--config-env prod" in line for line in build_lines), plan
    assert any("deploy --config-env prod" in line for line in plan.splitlines()), plan


@pytest.mark.parametrize("target", ["deploy", "deploy-prod", "build"])
def test_deploys_refuse_to_run_without_the_python_that_builds(target):
    """Without python3.13 there is no build; `sam deploy` would then ship template.yaml's unbuilt code or a stale build."""
    result = subprocess.run(
        ["make", "--no-print-directory", target, "PYTHON313="], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "python3.13 is not installed" in result.stderr
    assert "nothing is deployed" in result.stderr
    assert "sam deploy" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("target", "build", "config"),
    [("deploy", "build --parallel", "default"), ("deploy-prod", "build --config-env prod", "prod")],
)
def test_each_deploy_ships_the_template_its_own_build_just_wrote(target, build, config):
    plan = subprocess.run(
        ["make", "-n", "--no-print-directory", target], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    # Every sam command of the plan, in order (a new stack's first create is a second deploy on one line).
    commands = [re.split(r";|&&|\n", part)[0].strip() for part in plan.split(".venv-sam/bin/sam ")[1:]]
    deploys = [command for command in commands if command.startswith("deploy")]
    assert commands[commands.index(build) + 1 :] == deploys and len(deploys) == 2
    for deploy in deploys:
        assert deploy.startswith(f"deploy --config-env {config} --template-file .aws-sam/build/template.yaml"), deploy
