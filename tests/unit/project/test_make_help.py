"""`make help` is generated from the Makefile: every target a user can name has its one line, once."""

from __future__ import annotations

import re
import subprocess

from localdev.template import ROOT


def test_make_help_lists_every_phony_target_once():
    makefile = (ROOT / "Makefile").read_text()
    (phony,) = re.findall(r"^\.PHONY: (.*)$", makefile, re.M)
    listed = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    lines = listed.stdout.splitlines()
    targets = [line.split()[1] for line in lines]
    assert sorted(targets) == sorted(phony.split())
    assert all(len(line.split(None, 2)) == 3 for line in lines), "each target has its description"
