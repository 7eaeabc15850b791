"""The classic mistakes, by name: each one a patch of the reference that its spec must catch.

`maintainer/mistakes.toml` lists the mistakes learners really make, one `[[mistake]]` table
each: the lesson it belongs to, the exercise, the mistake in a learner's words, what it does
to learning, the spec (a node id) that catches it, the words of that spec's failure message,
and the mistake itself as an exact `old` snippet of the exercise's body and the `new` text
that replaces it (like the mutants of maintainer/mutate.py, but written by hand).

    uv run python maintainer/mistakes.py            # prove every mistake fails its spec, with its message
    uv run python maintainer/mistakes.py --write    # regenerate MISTAKES.md from the list
    uv run python maintainer/mistakes.py --check    # MISTAKES.md and the list agree (exit 1 if not)

The proof is one pytest run over the named specs: each spec runs once on the reference (it
must pass) and once per mistake that names it, with that exercise's code object swapped for
the patched one for the duration of the run, as maintainer/trivial_answers.py swaps in its
trivial answers; the source files are never written. A mistake is proven when its spec fails
and the failure's text holds the mistake's message. Loaded into pytest as a plugin
(`-p maintainer.mistakes --mistakes-json FILE`); `--mistake N` instead swaps the N-th
mistake (0-based) into every spec of an ordinary run, to see which specs catch it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import tomllib
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, the repository's packages are not on the path
from maintainer.generate_exercises import SOLUTIONS, all_exercises  # noqa: E402
from maintainer.trivial_answers import resolve_exercise  # noqa: E402

LIST = Path(__file__).resolve().parent / "mistakes.toml"
PAGE = ROOT / "MISTAKES.md"
PACKAGE = "policywerk"
FIELDS = ("lesson", "exercise", "mistake", "effect", "spec", "message", "old", "new")

SECTIONS = {
    "01": "Lesson 01 · Bellman: value iteration and policy iteration",
    "02": "Lesson 02 · Barto, Sutton & Anderson: the actor-critic",
    "03": "Lesson 03 · Sutton: TD(0), TD(λ) and Monte Carlo",
    "04": "Lesson 04 · Watkins: Q-learning and Sarsa",
    "05": "Lesson 05 · Mnih et al.: DQN",
    "06": "Lesson 06 · Schulman et al.: PPO",
    "07": "Lesson 07 · Hafner et al.: DreamerV3",
    "blocks": "The building blocks: returns, traces, backward passes, optimizers",
}


def load(path: Path = LIST) -> list[dict]:
    """The mistakes, in the order of the list; every field present and non-empty."""
    entries = tomllib.loads(path.read_text()).get("mistake", [])
    for index, entry in enumerate(entries):
        missing = [name for name in FIELDS if not entry.get(name)]
        if missing or set(entry) - set(FIELDS):
            raise ValueError(
                f"{path.name}: mistake {index} ({entry.get('mistake')!r}) needs exactly {FIELDS}; missing {missing}"
            )
        if entry["lesson"] not in SECTIONS:
            raise ValueError(
                f"{path.name}: mistake {index}: lesson must be one of {list(SECTIONS)}, got {entry['lesson']!r}"
            )
    return entries


# ---------------------------------------------------------------- the patch


@cache
def _exercises(tree: Path) -> dict:
    return {exercise.name: exercise for exercise in all_exercises(tree)}


def patched_source(entry: dict, tree: Path = SOLUTIONS) -> tuple[Path, str]:
    """The exercise's module file and its text with the mistake applied.

    The `old` snippet must occur exactly once inside the exercise's body (after its
    docstring), so a patch can never edit given code, another exercise or a docstring.
    """
    exercise = _exercises(tree).get(entry["exercise"])
    if exercise is None:
        raise LookupError(f"no exercise named {entry['exercise']}")
    path = tree.joinpath(PACKAGE, *exercise.module.split(".")).with_suffix(".py")
    if not path.exists():
        path = tree.joinpath(PACKAGE, *exercise.module.split("."), "__init__.py")
    lines = path.read_text().splitlines(keepends=True)
    before = "".join(lines[: exercise.body_first_line - 1])
    body = "".join(lines[exercise.body_first_line - 1 : exercise.body_last_line])
    after = "".join(lines[exercise.body_last_line :])
    count = body.count(entry["old"])
    if count != 1:
        raise ValueError(
            f"{entry['exercise']}: the old snippet occurs {count} times in the body, not once: {entry['old']!r}"
        )
    return path, before + body.replace(entry["old"], entry["new"]) + after


def _code_named(code, qualname: str):
    for constant in code.co_consts:
        if hasattr(constant, "co_qualname"):
            if constant.co_qualname == qualname:
                return constant
            found = _code_named(constant, qualname)
            if found is not None:
                return found
    return None


def mistake_code(entry: dict, function):
    """The code object of the exercise with the mistake applied, ready to swap in."""
    path, text = patched_source(entry)
    module_code = compile(text, str(path), "exec", dont_inherit=True)
    code = _code_named(module_code, function.__qualname__)
    if code is None or code.co_freevars != function.__code__.co_freevars:
        raise ValueError(f"{entry['exercise']}: the patched function cannot stand in for the reference's")
    return code


@contextmanager
def swapped(entry: dict):
    """The exercise runs with the mistake for as long as the block runs."""
    function = resolve_exercise(entry["exercise"])
    original = function.__code__
    function.__code__ = mistake_code(entry, function)
    try:
        yield
    finally:
        function.__code__ = original


# ---------------------------------------------------------------- the plugin


def pytest_addoption(parser):
    group = parser.getgroup("policywerk mistakes")
    group.addoption(
        "--mistakes-json",
        default=None,
        metavar="FILE",
        help="run each listed mistake against its spec; write the outcomes",
    )
    group.addoption(
        "--mistake", type=int, default=None, metavar="N", help="swap the N-th listed mistake into every spec"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    index = item.config.getoption("--mistake")
    if index is None:
        yield
        return
    with swapped(load()[index]):
        yield


def _failure_text(reports) -> tuple[str, str]:
    """('passed' | 'failed' | 'skipped', the text of the failure) over one run's reports."""
    for report in reports:
        if report.failed:
            return "failed", str(report.longrepr)
    if any(report.skipped for report in reports):
        return "skipped", ""
    return "passed", ""


def pytest_runtestloop(session):
    path = session.config.getoption("--mistakes-json")
    if path is None:
        return None
    from _pytest.runner import runtestprotocol

    items = {item.nodeid: item for item in session.items}
    records = []
    for spec in dict.fromkeys(entry["spec"] for entry in load()):
        item = items.get(spec)
        outcome = "missing" if item is None else _failure_text(runtestprotocol(item, log=False, nextitem=None))[0]
        marks = [] if item is None else [m.name for m in item.iter_markers() if m.name in ("slow", "heavy")]
        exercises = [] if item is None else [name for m in item.iter_markers("exercise") for name in m.args]
        records.append({"kind": "reference", "spec": spec, "outcome": outcome, "marks": marks, "exercises": exercises})
    for index, entry in enumerate(load()):
        item = items.get(entry["spec"])
        if item is None:
            records.append({"kind": "mistake", "index": index, "outcome": "missing", "text": ""})
            continue
        try:
            with swapped(entry):
                outcome, text = _failure_text(runtestprotocol(item, log=False, nextitem=None))
        except (LookupError, ValueError, SyntaxError) as error:
            outcome, text = "unpatched", str(error)
        records.append({"kind": "mistake", "index": index, "outcome": outcome, "text": text})
    Path(path).write_text(json.dumps(records, indent=1))
    return True


# ---------------------------------------------------------------- the proof and the page


def run() -> list[dict]:
    """One pytest run of every named spec, on the reference and with each mistake."""
    entries = load()
    specs = list(dict.fromkeys(entry["spec"] for entry in entries))
    with tempfile.TemporaryDirectory() as folder:
        results = Path(folder) / "mistakes.json"
        command = [
            sys.executable,
            "-m",
            "pytest",
            *specs,
            "-q",
            "-p",
            "maintainer.mistakes",
            "--mistakes-json",
            str(results),
            "--tree",
            "solutions",
            "-o",
            "addopts=-p no:cacheprovider",
            "-n",
            "0",
            "--timeout",
            "300",
        ]
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if not results.exists():
            raise RuntimeError(
                f"the mistakes run wrote no results:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
            )
        return json.loads(results.read_text())


def problems(records: list[dict]) -> list[str]:
    """Everything wrong with a run: a spec that fails on the reference, is slow, is not aimed at
    the mistake's exercise, or passes on the mistake, or a failure that does not say the mistake."""
    entries = load()
    found = []
    reference = {record["spec"]: record for record in records if record["kind"] == "reference"}
    for spec, record in reference.items():
        if record["outcome"] != "passed":
            found.append(f"{spec}: {record['outcome']} on the reference")
        if record["marks"]:
            found.append(f"{spec}: marked {' and '.join(record['marks'])}: a mistake's spec must be a default spec")
    for record in (r for r in records if r["kind"] == "mistake"):
        entry = entries[record["index"]]
        label = f"mistake {record['index']} ({entry['exercise']}: {entry['mistake']})"
        if entry["exercise"] not in reference[entry["spec"]]["exercises"]:
            found.append(f"{label}: {entry['spec']} is not aimed at {entry['exercise']}")
        if record["outcome"] != "failed":
            found.append(f"{label}: {record['outcome']} on {entry['spec']}: {record['text'][-300:]}")
        elif " ".join(entry["message"].split()) not in " ".join(record["text"].split()):
            found.append(
                f"{label}: {entry['spec']} failed without saying {entry['message']!r}:\n{record['text'][-600:]}"
            )
    return found


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def page(entries: list[dict] | None = None) -> str:
    """MISTAKES.md: one section per lesson, one row per mistake."""
    entries = load() if entries is None else entries
    out = [
        "# The classic mistakes, by name",
        "",
        "The mistakes learners really make in each lesson's exercises, what each one does to",
        "learning, and the spec that catches it. When a spec fails with one of these messages, the",
        "row says what went wrong; `uv run python grader.py check MODULE` runs a module's specs.",
        "",
        "Each row is proven: `tests/test_mistakes.py` applies every mistake to the reference and",
        "checks that its spec fails with its message. The rows are generated from",
        "`maintainer/mistakes.toml` (`uv run python maintainer/mistakes.py --write`).",
    ]
    for lesson, title in SECTIONS.items():
        rows = [entry for entry in entries if entry["lesson"] == lesson]
        if not rows:
            continue
        out += [
            "",
            f"## {title}",
            "",
            "| Exercise | The mistake | What it does to learning | Caught by |",
            "|---|---|---|---|",
        ]
        for entry in rows:
            spec = entry["spec"]
            out.append(f"| `{entry['exercise']}` | {_cell(entry['mistake'])} | {_cell(entry['effect'])} | `{spec}` |")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    if "--write" in argv:
        PAGE.write_text(page())
        print(f"wrote {PAGE.name}: {len(load())} mistakes")
        return 0
    if "--check" in argv:
        if not PAGE.exists() or PAGE.read_text() != page():
            print(f"{PAGE.name} does not match {LIST.name}: run uv run python maintainer/mistakes.py --write")
            return 1
        return 0
    found = problems(run())
    for problem in found:
        print(problem)
    if found:
        return 1
    print(f"every one of the {len(load())} mistakes fails its spec with its message")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
