"""Borrowing the reference: a module of the learner's tree that holds the reference's code.

A borrowed file is the reference's file with one comment line on top that names the hash of
the text it copied. The file is borrowed while everything below that line still hashes to it:
an edit by the learner makes it theirs again. It is stale when the reference has changed since
(after a pull), so the copy may no longer fit the specs or the lessons.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from grading.source import module_file
from grading.stubs import SOLUTIONS

HEADER = re.compile(r"# borrowed from the reference \(sha256 ([0-9a-f]{16})\)[^\n]*\n")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def header(module: str, reference: str) -> str:
    return (
        f"# borrowed from the reference (sha256 {digest(reference)}): not yours to edit; "
        f"to write it yourself: uv run python grader.py reset {module}\n"
    )


def borrowed_copy(module: str) -> str:
    """The file `borrow` writes: the header line, then the reference's module as it is now."""
    reference = module_file(SOLUTIONS, module).read_text()
    return header(module, reference) + reference


def state(tree: Path, module: str) -> str | None:
    """'borrowed' or 'stale' when the learner's file is an untouched borrowed copy, else None."""
    try:
        text = module_file(tree, module).read_text()
    except (OSError, UnicodeDecodeError):
        return None
    found = HEADER.match(text)
    if found is None or digest(text[found.end() :]) != found[1]:
        return None
    current = digest(module_file(SOLUTIONS, module).read_text())
    return "borrowed" if found[1] == current else "stale"
