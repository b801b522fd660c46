"""The documentation: README.md as a front page, and the MkDocs site in docs/ (issue 24).

Every relative link in README.md and docs/ resolves to a file in the repository
and, with a #fragment, to a heading of that file: under GitHub's anchors
(every page is also read on GitHub) and, for a page of the site, under the
anchors MkDocs gives it. `make docs` (mkdocs build --strict) checks the site's
own links again when it builds; these checks need no build and cover the README.
Every alarm of the monitoring stack has its runbook in docs/operating.md, and
the Pages workflow builds with `make docs` and publishes from main only.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import pytest
import yaml

from .cfn import REPO

README = REPO / "README.md"
DOCS = REPO / "docs"
PAGES = [README, *sorted(DOCS.rglob("*.md"))]
MAX_README_LINES = 250

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# [text](target) and ![alt](target), with an optional "title"; not inside inline code.
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+\1")
EXPLICIT_ID = re.compile(r"\{\s*#([\w-]+)[^}]*\}\s*$")


def _prose_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks; a block left open is an error."""
    lines, opened = [], 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            opened = 0 if opened else number
            continue
        if not opened:
            lines.append((number, line))
    assert not opened, f"{path.relative_to(REPO)}:{opened}: a code block is never closed"
    return lines


def _heading_text(raw: str) -> str:
    """A heading as rendered text: links to their text, code spans to their content."""
    text = EXPLICIT_ID.sub("", raw)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = text.replace("`", "")
    return re.sub(r"(\*\*|__|\*|_(?=\W)|(?<=\W)_)", "", text).strip()


def github_slug(text: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen."""
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def mkdocs_slug(text: str) -> str:
    """Python-Markdown's toc slugify, as MkDocs uses it: ASCII, no punctuation, a run of spaces a hyphen."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def _unique(slugs: list[str], separator: str) -> set[str]:
    """Repeated headings get -1, -2 (GitHub) or _1, _2 (MkDocs)."""
    seen: dict[str, int] = {}
    found = set()
    for slug in slugs:
        if slug in seen:
            seen[slug] += 1
            found.add(f"{slug}{separator}{seen[slug]}")
        else:
            seen[slug] = 0
            found.add(slug)
    return found


@cache
def anchors(path: Path) -> dict[str, set[str]]:
    """The anchors of a Markdown file, as GitHub and as MkDocs make them (plus explicit { #id }s)."""
    github, mkdocs, explicit = [], [], set()
    for _, line in _prose_lines(path):
        heading = HEADING.match(line)
        if not heading:
            continue
        raw = heading.group(2)
        if found := EXPLICIT_ID.search(raw):
            explicit.add(found.group(1))
        text = _heading_text(raw)
        github.append(github_slug(text))
        mkdocs.append(mkdocs_slug(text))
    return {
        "GitHub": _unique(github, "-") | explicit,
        "MkDocs": _unique(mkdocs, "_") | explicit,
    }


def _links(path: Path) -> list[tuple[int, str]]:
    found = []
    for number, line in _prose_lines(path):
        for link in LINK.finditer(CODE_SPAN.sub("", line)):
            found.append((number, link.group(1)))
    return found


def _is_relative(target: str) -> bool:
    return not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) and not target.startswith("//")


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(REPO)) for p in PAGES])
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for number, target in _links(page):
        if not _is_relative(target):
            continue
        where = f"{page.relative_to(REPO)}:{number}: {target}"
        path_part, _, fragment = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        if not resolved.is_relative_to(REPO):
            broken.append(f"{where}: outside the repository")
            continue
        if not resolved.exists():
            broken.append(f"{where}: no such file")
            continue
        if not fragment:
            continue
        if resolved.suffix != ".md":
            broken.append(f"{where}: an anchor into a file that is not Markdown")
            continue
        readers = ["GitHub"] + (["MkDocs"] if resolved.is_relative_to(DOCS) else [])
        for reader in readers:
            if fragment not in anchors(resolved)[reader]:
                broken.append(f"{where}: no heading with that anchor as {reader} renders it")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_the_link_checker_finds_what_it_should(tmp_path: Path) -> None:
    """The checker itself: headings in code blocks are not anchors, links in code are not links."""
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n## Without an AWS account: the stacks on moto_server\n\n"
        "## Delivery: `git push` → prod\n\n```\n# not a heading\n[not](a-link.md)\n```\n\n"
        'See [here](other.md#x) and `[code](nope.md)` and ![img](pic.png "title").\n'
    )
    assert anchors(page)["GitHub"] == {
        "title",
        "without-an-aws-account-the-stacks-on-moto_server",
        "delivery-git-push--prod",
    }
    assert "delivery-git-push-prod" in anchors(page)["MkDocs"]
    assert [target for _, target in _links(page)] == ["other.md#x", "pic.png"]


def test_readme_is_a_front_page() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines; the rest belongs in docs/"
    text = "\n".join(lines)
    for command in ("make run", "make test"):
        assert command in text
    assert "](docs/scoreboard.png)" in text, "the scoreboard picture"
    linked = {target.partition("#")[0] for _, target in _links(README)}
    guides = {f"docs/{p.relative_to(DOCS)}" for p in DOCS.rglob("*.md") if p.name != "index.md"}
    assert guides <= linked, f"guides the README does not link: {sorted(guides - linked)}"


def test_every_page_is_in_the_site_navigation() -> None:
    config = yaml.load((REPO / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)

    def pages(entry: object) -> list[str]:
        if isinstance(entry, str):
            return [entry]
        if isinstance(entry, list):
            return [page for item in entry for page in pages(item)]
        if isinstance(entry, dict):
            return [page for value in entry.values() for page in pages(value)]
        return []

    in_nav = pages(config["nav"])
    on_disk = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    assert sorted(in_nav) == on_disk


def test_every_alarm_has_its_runbook() -> None:
    template = (REPO / "cloudformation" / "monitoring.yaml").read_text()
    alarms = re.findall(r"AlarmName: !Sub \$\{ProjectName\}-\$\{Environment\}-([\w-]+)", template)
    assert len(alarms) >= 10, "the monitoring stack's alarms were not found"
    runbooks = {
        heading.group(2).strip("` ")
        for _, line in _prose_lines(DOCS / "operating.md")
        if (heading := HEADING.match(line)) and heading.group(1) == "###"
    }
    missing = sorted(set(alarms) - runbooks)
    assert not missing, f"docs/operating.md has no runbook (### <name>) for: {missing}"


def test_the_pages_workflow_builds_with_make_docs_and_publishes_from_main() -> None:
    path = REPO / ".github" / "workflows" / "pages.yml"
    workflow = yaml.safe_load(path.read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["branches"] == ["main"]
    jobs = workflow["jobs"]
    runs = [step.get("run", "").strip() for step in jobs["build"]["steps"]]
    assert "make docs" in runs
    deploy = jobs["deploy"]
    assert deploy["needs"] == "build"
    assert "refs/heads/main" in deploy["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
