"""A clone of the project explains itself (issue 16, point 4).

No tracked file may point at documents that live outside the repository (the
shared folder next to it, or the design, style, wire and performance notes that
were written there); what the code relies on from them is in docs/. The wire
facts are docs/instagram-wire.md, and that exact path is the one allowed way to
name them. Every docs/<name>.md path a file mentions must exist.

The forbidden names are assembled from pieces (the examples below are written with
placeholders such as {shared} and {design}) so this file passes its own scan.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MD = r"\.md"
PERF_NOTES = "performance" + "-notes"
SHARED = "shared"
OUTSIDE_NOTES = ("instagram-wire", PERF_NOTES, "design", "style")
# The one spelling of a note's name that points inside the repository.
ALLOWED = {"docs/instagram-wire" + ".md"}
# A whole path token ending in one of the notes' names: the name alone, or with any
# folders before it. Case-insensitive: a capitalised name is the same file to a reader.
NOTE_MENTION = re.compile(
    r"[\w./~-]*(?<![\w-])(?:" + "|".join(map(re.escape, OUTSIDE_NOTES)) + r")" + MD + r"\b",
    re.IGNORECASE,
)
# The shared folder itself, in any path: "../{shared}", "/work/{shared}/", "{shared}/x.md".
SHARED_FOLDER = re.compile(
    r"\.\./" + SHARED + r"\b|(?<![\w.-])/?" + SHARED + r"/[\w./-]*", re.IGNORECASE
)
# The performance notes by name, with or without their extension ("the {perf} say").
PERF_NAME = re.compile(r"(?<![\w-])" + PERF_NOTES + r"\b(?!" + MD + ")", re.IGNORECASE)
# A docs/ path at the top of the repository ("igdash/docs/x.md" is another folder).
DOCS_PATH = re.compile(r"(?<![\w./-])docs/[\w./-]+?" + MD + r"\b")
# Excluded from the scan: tool folders that are not the project's text.
SKIP_PARTS = {".git", ".venv", "node_modules", "__pycache__", ".hypothesis", ".pytest_cache"}


def outside_mentions(text: str) -> list[str]:
    """Every mention in `text` of a document outside the repository, each once
    (a note's path inside the shared folder is reported as the whole path)."""
    notes = [
        match
        for match in NOTE_MENTION.finditer(text)
        if match.group(0).lstrip("./") not in ALLOWED or match.group(0).startswith("../")
    ]
    others = [
        match
        for pattern in (SHARED_FOLDER, PERF_NAME)
        for match in pattern.finditer(text)
        if not any(note.start() <= match.start() < note.end() for note in notes)
    ]
    return [match.group(0) for match in sorted(notes + others, key=lambda m: m.start())]


def missing_docs(text: str, root: Path) -> list[str]:
    """The docs/<name>.md paths `text` names that do not exist under `root`."""
    return [path for path in DOCS_PATH.findall(text) if not (root / path).is_file()]


def project_files(root: Path) -> list[Path]:
    """Tracked files plus new ones git does not ignore; without git (an unpacked
    archive), every file outside the tool folders."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        paths = [path for path in root.rglob("*") if path.is_file()]
    else:
        paths = [root / name for name in listed.decode().split("\0") if name]
    return sorted(
        path
        for path in paths
        if path.is_file() and not SKIP_PARTS.intersection(path.relative_to(root).parts)
    )


def text_of(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def problems(root: Path) -> list[str]:
    found = []
    for path in project_files(root):
        text = text_of(path)
        if text is None:
            continue
        name = path.relative_to(root).as_posix()
        for line_number, line in enumerate(text.splitlines(), 1):
            for mention in outside_mentions(line):
                found.append(f"{name}:{line_number}: points outside the repository: {mention}")
            for doc in missing_docs(line, root):
                found.append(f"{name}:{line_number}: names {doc}, which does not exist")
    return found


def test_no_file_points_outside_the_repository_and_every_named_doc_exists() -> None:
    assert problems(ROOT) == []


# The acceptance check of issue 16, `git grep -n` of these three patterns, as a
# plain search: it must find nothing at all, in this file neither.
ISSUE_GREP = re.compile(SHARED + "/|design" + MD + "|" + PERF_NOTES)


def test_the_issue_grep_finds_nothing() -> None:
    found = [
        f"{path.relative_to(ROOT).as_posix()}:{number}: {line.strip()}"
        for path in project_files(ROOT)
        for number, line in enumerate((text_of(path) or "").splitlines(), 1)
        if ISSUE_GREP.search(line)
    ]
    assert found == []


# Placeholders for the names this test forbids, so that it does not name them itself.
NAMES = {
    "shared": "../" + SHARED,
    "shared_dir": SHARED,
    "perf_name": PERF_NOTES,
    "wire": "instagram-wire" + ".md",
    "perf": PERF_NOTES + ".md",
    "design": "design" + ".md",
    "style": "style" + ".md",
    "docs": "docs" + "/",
}


@pytest.mark.parametrize(
    "text",
    [
        "Wire facts: {docs}{wire} section 6.",
        "({docs}{wire})",
        "`{docs}{wire}`",
        "./{docs}{wire}",
        '{docs}performance.md "Background"',
        "the layout of the designer's notes.md, ui-{design}, my{style}",
    ],
)
def test_references_inside_the_repository_pass(text: str) -> None:
    assert outside_mentions(text.format(**NAMES)) == []


@pytest.mark.parametrize(
    "text",
    [
        "Wire facts: {shared}/{wire}.",
        "Wire facts: `{shared}/{wire}` section 6.",
        "answer of {wire}; the scrape",
        "Delta ({perf}): read",
        'finalise. {design} "A scrape, end to end".',
        "see {design_upper}",
        "per {style}",
        "as /work/{shared_dir}/{design} says",
        "the notes in /work/{shared_dir}/",
        "see {shared_dir}/instagram-wire, section 6",
        "as the {perf_name} measured",
        "({perf_name}, Background)",
        "{shared}/ holds the notes",
        "see ./{wire}",
        "see ../{docs}{wire}",
        "see other/{docs}{wire}",
        "the names in {docs}{design}",
    ],
)
def test_references_outside_the_repository_are_caught(text: str) -> None:
    names = {**NAMES, "design_upper": NAMES["design"].capitalize()}
    assert outside_mentions(text.format(**names)) != []


def test_a_docs_path_must_exist(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "scraping.md").write_text("# Scraping\n")
    text = "See {docs}scraping.md, {docs}gone.md and igdash/{docs}elsewhere.md.".format(**NAMES)
    assert missing_docs(text, tmp_path) == [NAMES["docs"] + "gone.md"]


def test_the_scan_reports_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    note = "{shared}/{design}".format(**NAMES)
    (tmp_path / "docs" / "a.md").write_text(f"fine\nsee {note}\nand {NAMES['docs']}b.md\n")
    (tmp_path / "blob.bin").write_bytes(b"\0" + note.encode())
    assert problems(tmp_path) == [
        f"{NAMES['docs']}a.md:2: points outside the repository: {note}",
        f"{NAMES['docs']}a.md:3: names {NAMES['docs']}b.md, which does not exist",
    ]
