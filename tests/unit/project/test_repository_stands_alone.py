"""A clone of this repository is all a reader has: no file may point at a path outside it."""

from __future__ import annotations

import re
import subprocess

from localdev.template import ROOT

# A relative path that climbs with ".." segments; not the "..." of an elided path such as ".../section/".
CLIMBING_PATH = re.compile(r"(?<![.\w/])(?:\.\./)+[^\s)\"'`,;:\]>]+")


def tracked_text_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [name for name in listed if (ROOT / name).is_file()]


def paths_outside(name: str, text: str) -> list[str]:
    """Climbing paths that leave the repository, or lead nowhere in it (a folder beside the clone, say)."""
    here = (ROOT / name).parent
    return [
        found
        for found in CLIMBING_PATH.findall(text)
        if not (here / found).resolve().is_relative_to(ROOT) or not (here / found).exists()
    ]


def test_no_file_points_outside_the_repository():
    outside = {}
    for name in tracked_text_files():
        try:
            text = (ROOT / name).read_text()
        except UnicodeDecodeError:
            continue
        if found := paths_outside(name, text):
            outside[name] = found
    assert outside == {}, "put what these rely on into the repository (docs/aws-behaviour.md), in its own words"


UP = "../"  # built up, so that this file's own examples are not paths that climb out


def test_the_check_sees_a_path_that_climbs_out_and_not_an_elided_one():
    beside = f"{UP}shared/notes.md"
    assert paths_outside("README.md", f"see {beside}") == [beside]
    assert paths_outside("docs/api.md", f"see {beside}") == [beside], "inside the repository, it leads nowhere"
    assert paths_outside("docs/api.md", f"as in {UP}README.md") == []
    assert paths_outside("docs/api.md", f"routes such as .../section/ and `{UP}{UP}etc`") == [f"{UP}{UP}etc"]


MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def anchors(text: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    return {
        re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.*)$", text, re.M)
    }


def test_every_link_of_the_readme_and_docs_leads_somewhere_in_the_repository():
    broken = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = page.read_text()
        for target in MARKDOWN_LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists():
                broken.append(f"{page.name}: {target}")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked.read_text()):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert broken == []
