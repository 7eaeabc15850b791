"""The repository stands alone: every file or folder its text names can be opened in it.

A newcomer reads the README, the papers and maintainer notes, the docstrings and comments, the
lessons' printed text and the hints. Each path-like name there (`papers/README.md`,
`examples/05_dqn/`, `policywerk/actors/dqn.py`) must exist in the repository, and none may
point at an issue thread or at throwaway trial code the reader has no way to open. The few
folders that only appear at run time are listed in RUN_TIME.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Folders that appear only when something runs: the lessons' output, the grader's memory and
# the environments maintainer/bench.py makes for other interpreters.
RUN_TIME = ("output/", ".policywerk/", ".bench-envs/")
# Path-like names that are not the repository's files, each for its reason.
NOT_FILES = {
    "coverage.py": "the coverage tool's own name",
    "src/": "the layout another tool expects (maintainer/mutate.py says why it is not used)",
    "destination/policywerk/": "a parameter's name in a path (maintainer/generate_exercises.py)",
    "lessons/0N_name.py": "the form of a new lesson's name (CONTRIBUTING.md)",
    "examples/NN_name/": "the form of a captured example's folder (maintainer/capture_examples.py)",
}

# Markdown read whole; Python read for its docstrings and comments (and, in lessons/, for every
# string literal: that is the text the lessons print); TOML read whole (its comments and its
# strings, the hints among them, are all prose).
MARKDOWN = ("*.md", "papers/*.md", "maintainer/*.md")
PYTHON = (
    "solutions/**/*.py",
    "spec_tests/**/*.py",
    "tests/**/*.py",
    "lessons/*.py",
    "grading/*.py",
    "maintainer/*.py",
    "adapters/*.py",
    "grader.py",
    "treepath.py",
)
TOML = ("curriculum.toml", "pyproject.toml", "maintainer/*.toml")

# A file name: a dotted or slashed name ending in one of the repository's own text suffixes.
# Glob patterns (`test_*.py`), placeholders (`{name}.py`, `NN_…`) and URLs are not names.
FILE_NAME = re.compile(r"(?<![\w./{}*<-])(?:\.{1,2}/)?[\w.-]*\w(?:/[\w.-]+)*\.(?:md|py|toml)(?![\w/*}-])")
# A folder path: names joined by slashes. Kept only when it reads as a path (see is_folder_path),
# so that m/s, and/or and 1/6 stay prose.
SLASHED = re.compile(
    r"(?<![\w./{}*<:-])(?:\.{1,2}/)?[A-Za-z_.][\w.-]*(?:/[\w.-]+)*/(?:[\w.-]+)?(?=[\s`'\"),;:]|\.?$|\.\s)"
)
URL = re.compile(r"\w+://\S+")
ISSUE = re.compile(r"\bissues?(?:\s+#?\d+|'s|\s+notes?\b)", re.IGNORECASE)
PROTOTYPE = re.compile(r"\bprototyp", re.IGNORECASE)


def top_level_names() -> set[str]:
    return {entry.name for entry in ROOT.iterdir()}


def is_folder_path(name: str, top_level: set[str]) -> bool:
    """A slashed name is a path when it climbs (../), ends in a slash, or starts at a top-level entry."""
    first = name.split("/")[0]
    return name.startswith(("./", "../")) or name.endswith("/") or first in top_level


def path_like_names(text: str, top_level: set[str]) -> list[tuple[int, str]]:
    """The (line offset, name) of every path-like name in text; line offsets count from 0."""
    text = URL.sub("", text)
    found = {}
    for match in FILE_NAME.finditer(text):
        found[match.start()] = match.group()
    for match in SLASHED.finditer(text):
        if match.start() not in found and is_folder_path(match.group(), top_level):
            found[match.start()] = match.group()
    return [(text.count("\n", 0, start), found[start]) for start in sorted(found)]


# Where a reader looks for a name besides the root and the file's own folder: the package
# (`policywerk/actors/dqn.py`, `actors/dqn.py`) and, for a bare file name (`dense.py`,
# `test_random.py`, `conftest.py`), the package's and the specs' folders.
PACKAGE = (ROOT / "solutions", ROOT / "solutions" / "policywerk")
LAYER_FOLDERS = (ROOT / "spec_tests", ROOT / "tests") + tuple(
    folder
    for tree in ("solutions/policywerk", "spec_tests")
    for folder in sorted((ROOT / tree).iterdir())
    if folder.is_dir()
)


def opens(name: str, folder: Path) -> bool:
    """Whether a reader in folder finds name inside the repository (see PACKAGE, LAYER_FOLDERS)."""
    if name.startswith(RUN_TIME) or name in NOT_FILES:
        return True
    bases = (ROOT, folder, *PACKAGE, *(LAYER_FOLDERS if "/" not in name else ()))
    return any((base / name).exists() and (base / name).resolve().is_relative_to(ROOT) for base in bases)


def problems(text: str, where: Path, first_line: int = 1, top_level: set[str] | None = None) -> list[str]:
    """Everything in text (found in the file `where`, from line first_line) a reader cannot open."""
    top_level = top_level_names() if top_level is None else top_level
    label = where.relative_to(ROOT) if where.is_relative_to(ROOT) else where
    found = []
    for offset, name in path_like_names(text, top_level):
        if not opens(name.rstrip("."), where.parent):
            found.append(f"{label}:{first_line + offset}: names {name!r}, which the repository does not hold")
    for pattern in (ISSUE, PROTOTYPE):
        for match in pattern.finditer(text):
            line = first_line + text.count("\n", 0, match.start())
            found.append(f"{label}:{line}: cites {match.group()!r}, which a reader cannot open")
    return found


def prose_of_python(path: Path) -> list[tuple[int, str]]:
    """(first line, text) of a Python file's comments and docstrings; in lessons/, of every string."""
    source = path.read_text()
    lines = source.splitlines(keepends=True)
    pieces = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            pieces.append((token.start[0], token.string))
    tree = ast.parse(source)
    strings = []
    if path.parent.name == "lessons":
        strings = [node for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)]
        inside = {id(part) for node in strings for part in ast.walk(node)}
        strings += [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in inside
        ]
    else:
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body:
                first = body[0]
                if (
                    isinstance(first, ast.Expr)
                    and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)
                ):
                    strings.append(first.value)
    for node in strings:
        # The literal as written, so that line numbers are the file's; escapes become spaces.
        # (ast's columns count UTF-8 bytes.)
        written = "".join(lines[node.lineno - 1 : node.end_lineno]).encode()
        end = len(written) - len(lines[node.end_lineno - 1].encode()) + node.end_col_offset
        segment = written[node.col_offset : end].decode()
        pieces.append((node.lineno, re.sub(r"\\[nt]", "  ", segment)))
    return pieces


def files(patterns: tuple[str, ...]) -> list[Path]:
    return sorted({path for pattern in patterns for path in ROOT.glob(pattern) if ".venv" not in path.parts})


def test_every_name_the_repository_prints_or_cites_can_be_opened():
    top_level = top_level_names()
    found = []
    for path in files(MARKDOWN) + files(TOML):
        found += problems(path.read_text(), path, top_level=top_level)
    for path in files(PYTHON):
        for line, text in prose_of_python(path):
            found += problems(text, path, line, top_level)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("pattern", MARKDOWN + PYTHON + TOML)
def test_every_place_it_reads_holds_files(pattern):
    # A misspelt pattern would read nothing and pass. (The hints are read with curriculum.toml.)
    assert files((pattern,)), f"{pattern} matches no file"


SAMPLE = ROOT / "lessons" / "sample.py"


@pytest.mark.parametrize(
    "text",
    ["print('see CONSTANTS.md')", "the sizes measured in ../shared/PERFORMANCE.md", "written to notes/summary.md"],
)
def test_a_name_outside_the_repository_is_reported_with_its_line(text):
    found = problems("first line\n" + text, SAMPLE)
    assert len(found) == 1 and found[0].startswith("lessons/sample.py:2: names")


@pytest.mark.parametrize(
    "text",
    [
        "as measured in issue 11",
        "the Issue 7 note",
        "the issue's outcome",
        "in issue notes",
        "the prototype found",
        "Prototypes showed",
    ],
)
def test_an_issue_or_a_prototype_is_reported(text):
    found = problems(text, SAMPLE)
    assert len(found) == 1 and "cites" in found[0]


@pytest.mark.parametrize(
    "text",
    [
        "see papers/README.md and `maintainer/bench.py`",
        "solutions/policywerk/actors/dqn.py and policywerk/actors/ppo.py",
        "kit.py, beside this file",
        "the lesson writes output/05_dqn.gif and .policywerk/progress.json",
        "examples/05_dqn/",
        "https://example.org/paper.md and arXiv:1707.06347",
        "9.8 m/s², 1/6, and/or, tx/ty, 50°/s",
        "each spec_tests/**/test_*.py, every {name}.py",
    ],
)
def test_names_the_repository_holds_and_prose_pass(text):
    assert problems(text, SAMPLE) == []


def test_a_lesson_s_strings_are_read_and_a_module_s_code_strings_are_not(tmp_path):
    lesson = tmp_path / "lessons" / "sample.py"
    module = tmp_path / "solutions" / "sample.py"
    for path in (lesson, module):
        path.parent.mkdir()
        path.write_text(
            '"""The module.\n\nIts notes: see CONSTANTS.md."""\n\nNAME = "a/b.md"  # written to notes/c.md\nprint(f"see {NAME} and d.md")\n'
        )
    names = {
        path.parent.name: [
            (line, name) for line, text in prose_of_python(path) for _, name in path_like_names(text, set())
        ]
        for path in (lesson, module)
    }
    assert sorted(names["solutions"]) == [(1, "CONSTANTS.md"), (5, "notes/c.md")]
    assert sorted(names["lessons"]) == [(1, "CONSTANTS.md"), (5, "a/b.md"), (5, "notes/c.md"), (6, "d.md")]


def test_a_name_is_reported_at_its_own_line_of_a_docstring(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text('def f():\n    """One.\n\n    Three: see CONSTANTS.md.\n    """\n')
    ((first, text),) = prose_of_python(module)
    assert problems(text, module, first) == [f"{module}:4: names 'CONSTANTS.md', which the repository does not hold"]
