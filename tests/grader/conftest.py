"""The fixtures of the grader's robustness corpus: repository copies, and a guard that no test
touches the real exercises/ or the real grader state."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from harness import IGNORED, NEEDED, ROOT

from maintainer.generate_exercises import generate

# ── the repository copies ────────────────────────────────────────────────────────────────


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> Path:
    """What the grader needs, copied once, with freshly generated stubs in its exercises/."""
    folder = tmp_path_factory.mktemp("template") / "policywerk-repo"
    folder.mkdir()
    for name in NEEDED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=IGNORED)
        elif source.exists():
            shutil.copy2(source, folder / name)
    generate(folder / "exercises", source_tree=folder / "solutions")
    return folder


@pytest.fixture
def repo(template, tmp_path) -> Path:
    """This test's own copy of the template: a fresh clone, its .policywerk/ cache empty."""
    copy = tmp_path / "clone"
    shutil.copytree(template, copy, ignore=IGNORED)
    assert not (copy / ".policywerk").exists()
    return copy


@pytest.fixture(scope="module", autouse=True)
def real_exercises_untouched():
    """No test may touch the learner's real exercises/ or the real grader's state."""
    before = fingerprint(ROOT / "exercises"), fingerprint(ROOT / ".policywerk")
    yield
    assert (fingerprint(ROOT / "exercises"), fingerprint(ROOT / ".policywerk")) == before


def fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")) if folder.exists() else []:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path).encode() + path.read_bytes())
    return digest.hexdigest()
