"""The commands of grader.py: status, check, lesson, hint, compare, reset, borrow, goal, watch.

Every command survives whatever the learner's code does: the code runs in subprocesses
(grading/runner.py), files are read by parsing (grading/source.py), and a problem is reported
as the learner's file and line with a short message, never as the grader's own traceback.
Nothing is called a pass that did not run and pass (grading/progress.py).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import select
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import treepath
from grading import borrow, manifest as manifest_module, progress
from grading.manifest import ROOT, Manifest, module_of
from grading.progress import NOT_A_PASS, STATE, ModuleStatus, statuses
from grading.source import function_source, locate, module_file, pristine_stub, shown

HINTS_SEEN = STATE / "hints.json"
BACKUPS = STATE / "backups"
MESSAGE_LINES = 6
GLYPHS = {"complete": "✓", "import_failure": "!", "borrowed": "◇", "stale": "◆", "cut": "?"}


class UsageProblem(Exception):
    """A name the learner typed that does not exist: said plainly, exit status 2."""


# ── names ────────────────────────────────────────────────────────────────────────────────


def resolve_module(manifest: Manifest, name: str) -> str:
    """'vector', 'primitives.vector' or 'exercises/policywerk/primitives/vector.py' -> 'primitives.vector'."""
    candidate = name.strip().removesuffix(".py").replace("/", ".")
    candidate = candidate.split("policywerk.", 1)[-1]
    if candidate in manifest.modules:
        return candidate
    matches = [m for m in manifest.modules if m.split(".")[-1] == candidate]
    if len(matches) == 1:
        return matches[0]
    close = difflib.get_close_matches(candidate, manifest.modules + [m.split(".")[-1] for m in manifest.modules], n=3)
    suggestion = f" Did you mean {', '.join(close)}?" if close else ""
    raise UsageProblem(f"there is no module {name!r}.{suggestion} Modules: {', '.join(manifest.modules)}")


def resolve_exercise(manifest: Manifest, name: str) -> str:
    """'primitives.vector.dot', 'vector.dot' or 'dot' (when unique) -> 'primitives.vector.dot'."""
    name = name.strip()
    if name in manifest.hints:
        return name
    matches = [e for e in manifest.exercises if e.endswith("." + name)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise UsageProblem(f"{name!r} is ambiguous: {', '.join(matches)}")
    close = difflib.get_close_matches(name, manifest.exercises, n=3, cutoff=0.5)
    suggestion = f" Did you mean {', '.join(close)}?" if close else ""
    raise UsageProblem(f"there is no exercise {name!r}.{suggestion}")


def resolve_lesson(manifest: Manifest, number: str) -> manifest_module.Lesson:
    number = number.strip().zfill(2)
    if number not in manifest.lessons:
        raise UsageProblem(f"there is no lesson {number!r}; lessons are {', '.join(manifest.lessons)}")
    return manifest.lessons[number]


def refuse_the_reference(tree: Path, command: str) -> None:
    if tree == treepath.tree_folder("solutions"):
        raise UsageProblem(f"the reference in solutions/ is never changed; {command} works on your exercises")


# ── what to say about a module or an exercise that does not pass ─────────────────────────


def short(message: str, lines: int = MESSAGE_LINES) -> str:
    kept = [line.rstrip() for line in message.strip().splitlines() if line.strip()][:lines]
    return "\n".join(kept) or "(no message)"


def indent(text: str, by: str = "      ") -> str:
    return "\n".join(by + line for line in text.splitlines())


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def where_is(tree: Path, exercise: str) -> str:
    found = locate(tree, exercise)
    if found.problem:
        return found.problem
    return f"{shown(found.path)}:{found.line}"


def did_not_run(status: ModuleStatus, exercise: str | None = None, why: bool = True) -> str | None:
    """'3 specs did not run: the run stopped at …' (without the why when it is said elsewhere),
    or None when every spec ran."""
    missing = status.not_run(exercise)
    if not missing or status.import_failure:
        return None
    reason = status.problem or "this run never reached them (deselected, or not collected with your code)"
    return f"{plural(len(missing), 'spec')} did not run" + (f": {reason}" if why else " (why: below)")


def did_not_pass(status: ModuleStatus, exercise: str | None = None) -> str | None:
    """'test_x was skipped at scalar.py:40 (Skipped: …), not a pass', or None."""
    unpassed = status.unpassed(exercise)
    if not unpassed:
        return None
    spec = unpassed[0]
    at = f" at {spec.location}" if spec.location else ""
    said = f" ({short(spec.message, 1)})" if spec.message else ""
    more = f" (and {plural(len(unpassed) - 1, 'more spec')} like it)" if len(unpassed) > 1 else ""
    return f"{spec.name} {NOT_A_PASS[spec.outcome]}{at}{said}: that is not a pass{more}"


def describe_exercise(tree: Path, status: ModuleStatus, exercise: str) -> str:
    """Where the exercise is, and the first thing that keeps it from passing."""
    if status.import_failure is not None:
        failure = status.import_failure
        return f"{failure.location}: {failure.message}\n  (the module must import before any of its specs can run)"
    text = where_is(tree, exercise)
    failing = status.failing(exercise)
    if failing:
        spec = failing[0]
        text += f"\n  failing spec: {spec.name}"
        if spec.location:
            text += f"\n  at {spec.location}"
        return text + "\n" + indent(short(spec.message), "    ")
    reason = did_not_pass(status, exercise) or did_not_run(status, exercise)
    return text + (f"\n  {reason}" if reason else "")


# ── the road: which lesson is next, and which exercise on the way ────────────────────────


def ready_lessons(manifest: Manifest) -> list[manifest_module.Lesson]:
    return [lesson for lesson in manifest.lessons.values() if lesson.status == "ready"]


def unlocked(lesson: manifest_module.Lesson, results: dict[str, ModuleStatus]) -> bool:
    return all(results[m].done for m in lesson.requires)


def target_lesson(manifest: Manifest, results: dict[str, ModuleStatus]) -> manifest_module.Lesson | None:
    """The goal lesson while it is locked, else the first locked lesson; None when all are unlocked."""
    chosen = progress.goal()
    if chosen in manifest.lessons and not unlocked(manifest.lessons[chosen], results):
        return manifest.lessons[chosen]
    return next((lesson for lesson in ready_lessons(manifest) if not unlocked(lesson, results)), None)


def next_step(manifest: Manifest, results: dict[str, ModuleStatus]) -> tuple[str | None, str | None]:
    """(exercise, module) to work on next: the first unfinished exercise in curriculum order
    among the modules the target lesson requires (or, with every lesson unlocked, among all
    modules). A module can be unfinished with every exercise done (a spec tied to no exercise,
    a stale borrowed copy): then the exercise is None. Borrowed modules are left alone."""
    lesson = target_lesson(manifest, results)
    road = [m for m in manifest.modules if (lesson is None or m in lesson.requires) and not results[m].borrowed]
    for exercise in manifest.exercises:
        if module_of(exercise) in road and not results[module_of(exercise)].exercise_done(exercise):
            return exercise, module_of(exercise)
    waiting = [m for m in manifest.modules if (lesson is None or m in lesson.requires) and not results[m].done]
    return None, (waiting[0] if waiting else None)


# ── status ───────────────────────────────────────────────────────────────────────────────


def meter(passed: int, total: int, width: int = 12) -> str:
    filled = round(width * passed / total) if total else 0
    return "█" * filled + "░" * (width - filled)


def module_line(module: str, status: ModuleStatus) -> str:
    name = module.split(".")[-1]
    if status.borrowed == "borrowed":
        return f"  {GLYPHS['borrowed']} {name:<18} borrowed: the reference's code, not counted as yours"
    if status.borrowed == "stale":
        return (
            f"  {GLYPHS['stale']} {name:<18} borrowed, stale: the reference changed since; "
            f"borrow it again: uv run python grader.py borrow {module}"
        )
    note, mark = "", " "
    if status.complete:
        mark = GLYPHS["complete"]
    elif status.import_failure:
        mark, note = GLYPHS["import_failure"], "  does not import: " + status.import_failure.location
    elif status.problem or status.not_run() or status.unpassed():
        mark, note = GLYPHS["cut"], "  " + (did_not_run(status) or did_not_pass(status) or status.problem or "")
    return f"  {mark} {name:<18} {meter(status.passed, status.total)} {status.passed:>4}/{status.total:<4}{note}"


def lesson_line(lesson: manifest_module.Lesson, results: dict[str, ModuleStatus]) -> str:
    authors_and_year = re.match(r"^(.*?\d{4})", lesson.paper)
    label = (
        f"  {lesson.number}  {(authors_and_year[1] if authors_and_year else lesson.paper):<32} {lesson.title:<58.58}"
    )
    if lesson.status == "building":
        return f"{label}  being built (not yet reaching its outcome)"
    if lesson.status != "ready":
        return f"{label}  coming later"
    done = [m for m in lesson.requires if results[m].done]
    lent = sum(results[m].borrowed == "borrowed" for m in done)
    count = f"{len(done)} of {len(lesson.requires)} modules done" + (f", {lent} borrowed" if lent else "")
    if len(done) == len(lesson.requires):
        return f"{label}  UNLOCKED ({count}): uv run python grader.py lesson {lesson.number}"
    return f"{label}  locked: {count}"


def command_status(manifest: Manifest, tree: Path, tree_flag: str) -> int:
    results = statuses(tree, manifest.modules)
    total = sum(s.total for s in results.values())
    passed = sum(s.passed for s in results.values())
    lent = [m for m in manifest.modules if results[m].borrowed]
    borrowed_note = f" · {plural(len(lent), 'module')} borrowed" if lent else ""
    print(f"policywerk · {shown(tree)} · {passed} of {total} specs pass{borrowed_note}\n")
    for layer in manifest.layers:
        print(layer.title)
        for module in layer.modules:
            print(module_line(module, results[module]))
        print()
    print("Lessons")
    for lesson in manifest.lessons.values():
        print(lesson_line(lesson, results))
    print()
    chosen, lesson = progress.goal(), target_lesson(manifest, results)
    if chosen in manifest.lessons and (lesson is None or lesson.number != chosen):
        print(f"Your goal, lesson {chosen}, is unlocked: uv run python grader.py lesson {chosen}")
    if lesson is not None:
        why = "your goal" if lesson.number == chosen else "the next locked lesson"
        print(f"On the way to lesson {lesson.number} ({why}; choose another: uv run python grader.py goal NN)")
    exercise, module = next_step(manifest, results)
    if module is None:
        if lent:
            print(
                f"Every other module passes; borrowed: {', '.join(lent)}. Write one yourself: uv run python grader.py reset MODULE"
            )
        else:
            print("Every spec passes. Run the lessons with your code, and compare with the reference:")
            print("  uv run python grader.py compare lesson 01")
        return 0
    if results[module].borrowed == "stale":
        print(f"Next: {module} is a stale borrowed copy: uv run python grader.py borrow {module}")
        return 0
    if exercise is None:
        status = results[module]
        reason = did_not_run(status) or did_not_pass(status)
        failing = status.failing()
        print(f"Next: {module}: " + (reason or (f"{failing[0].name} fails" if failing else "it does not pass yet")))
        print(f"\n  check it:  uv run python grader.py check {module}{tree_flag}")
        return 0
    print(f"Next exercise: {exercise}")
    print("  " + describe_exercise(tree, results[module], exercise).replace("\n", "\n  "))
    print(f"\n  check it:  uv run python grader.py check {module}{tree_flag}")
    print(f"  a hint:    uv run python grader.py hint {exercise}")
    return 0


# ── check ────────────────────────────────────────────────────────────────────────────────


def exercise_report(tree: Path, status: ModuleStatus, exercise: str) -> str:
    """One exercise's line of `check`, with what keeps it from passing beneath it."""
    passed, count = status.exercise_counts(exercise)
    done = status.exercise_done(exercise)
    label = f"  {'✓' if done else '✗'} {exercise.split('.', 2)[-1]:<28} {passed}/{count}"
    waiting = status.waiting(exercise)
    if done:
        if not waiting:
            return label
        waits = count - passed
        names = ", ".join(other.split(".", 2)[-1] for other in waiting)
        return f"{label}   done ({plural(waits, 'spec')} also {'needs' if waits == 1 else 'need'} {names}, not written yet)"
    failing = status.failing(exercise)
    if not failing:
        reason = did_not_pass(status, exercise) or did_not_run(status, exercise, why=False)
        return f"{label}   {reason}" if reason else f"{label}   no spec holds it yet"
    if all("is not written yet" in spec.message for spec in failing):
        return f"{label}   not written yet ({where_is(tree, exercise)})"
    spec = failing[0]
    lines = [f"{label}   {spec.name}" + (f"  ({len(failing) - 1} more failing)" if len(failing) > 1 else "")]
    # Where to look: the line that raised, else (a wrong answer, a missing function) the function.
    found = locate(tree, exercise)
    if spec.location:
        lines.append(f"        at {spec.location}")
    elif found.problem:
        lines.append(f"        {found.problem}")
    else:
        lines.append(f"        at {shown(found.path)}:{found.line}")
    lines.append(indent(short(spec.message, 4), "        "))
    return "\n".join(lines)


def command_check(manifest: Manifest, tree: Path, tree_flag: str, name: str) -> int:
    module = resolve_module(manifest, name)
    status = statuses(tree, [module], fresh=True)[module]
    ran = sum(s.outcome == "passed" for s in status.specs if s.nodeid in status.expected)
    print(f"{module}: {ran} of {status.total} specs pass  ({shown(module_file(tree, module))})\n")
    if status.import_failure is not None:
        failure = status.import_failure
        print(f"  {failure.location}: {failure.message}")
        print("  The module must import before its specs can run: fix this line first.")
        return 1
    if not status.expected:
        print(f"  {status.problem or 'no spec holds this module yet'}")
        return 1
    for exercise in manifest.exercises_of(module):
        print(exercise_report(tree, status, exercise))
    loose = [s for s in status.failing() if not s.exercises]  # specs tied to no exercise
    for spec in loose:
        print(f"  ✗ {spec.name}" + (f"\n        at {spec.location}" if spec.location else ""))
        print(indent(short(spec.message, 4), "        "))
    print()
    everything_passed = ran == status.total and status.problem is None
    if status.borrowed:
        verdict = "every spec passes" if everything_passed else "not every spec passes"
        print(f"{module} is borrowed from the reference ({verdict}): these passes are the reference's, not yours.")
        if status.borrowed == "stale":
            print(f"  The reference changed since you borrowed it: uv run python grader.py borrow {module}")
        print(f"  To write it yourself: uv run python grader.py reset {module}")
        return 0 if everything_passed else 1
    if status.problem or status.not_run():
        print(f"  {did_not_run(status)}")
        print("  Nothing of this run is kept: the next check runs every spec again.")
    if status.complete:
        print(f"All of {module} passes. Next: uv run python grader.py{tree_flag}")
        return 0
    first = next((e for e in manifest.exercises_of(module) if not status.exercise_done(e)), None)
    if first is not None:
        print(f"Next: {first} at {where_is(tree, first)}")
        print(f"  a hint: uv run python grader.py hint {first}")
    return 1


# ── lesson ───────────────────────────────────────────────────────────────────────────────


def command_lesson(manifest: Manifest, tree: Path, number: str, extra: list[str]) -> int:
    lesson = resolve_lesson(manifest, number)
    if lesson.status != "ready":
        state = (
            "is being built and does not reach its outcome yet" if lesson.status == "building" else "is not built yet"
        )
        print(
            f"Lesson {lesson.number} ({lesson.paper}) {state}; its script runs with the reference: uv run python {lesson.script}"
        )
        return 0
    results = statuses(tree, list(lesson.requires))
    waiting = [m for m in lesson.requires if not results[m].done]
    if waiting:
        print(
            f"Lesson {lesson.number} unlocks when each of {', '.join(lesson.requires)} passes (or is borrowed). Still in the way:\n"
        )
        for module in waiting:
            print(waiting_report(module, results[module]))
        first = waiting[0]
        again = results[first].borrowed == "stale"
        print(f"\nStart with: uv run python grader.py {'borrow' if again else 'check'} {first}")
        print(
            f"Or let the reference stand in for the modules below it: uv run python grader.py borrow lesson {lesson.number}"
        )
        return 1
    lent = [m for m in lesson.requires if results[m].borrowed]
    name = Path(lesson.script).stem
    out = ROOT / "output"
    print(f"Lesson {lesson.number} unlocked: training with your code in {shown(tree)} …")
    if lent:
        print(f"Borrowed from the reference for this run: {', '.join(lent)}")
    print(flush=True)
    started = time.time()
    command = [sys.executable, lesson.script, "--tree", str(tree), "--out", str(out), *extra]
    completed = subprocess.run(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    if completed.returncode != 0:
        print("\nThe lesson stopped: your code raised an error while training.")
        print(indent(learner_frames(completed.stderr, tree), "  "))
        return 1
    written = sorted(p for p in out.glob(f"{name}*") if p.is_file() and p.stat().st_mtime >= started - 1)
    print("\nFiles written: " + ", ".join(shown(p) for p in written))
    print()
    print(judgement(out / f"{name}_trace.json", ROOT / "examples" / name / f"{name}_trace.json", started))
    print(f"\nCompare your run with the reference's: uv run python grader.py compare lesson {lesson.number}")
    return 0


def waiting_report(module: str, status: ModuleStatus) -> str:
    if status.borrowed == "stale":
        return f"  {module}: borrowed, but the reference changed since: uv run python grader.py borrow {module}"
    lines = [f"  {module}: {status.passed}/{status.total}"]
    if status.import_failure:
        lines.append(f"    {status.import_failure.location}: {status.import_failure.message}")
    reason = did_not_run(status) or did_not_pass(status)
    if reason:
        lines.append(f"    {reason}")
    failing = status.failing()
    lines += [f"    ✗ {spec.name}" for spec in failing[:8]]
    if len(failing) > 8:
        lines.append(f"    … and {len(failing) - 8} more")
    return "\n".join(lines)


def learner_frames(stderr: str, tree: Path) -> str:
    """The lines of a traceback that point into the learner's tree, and the error itself."""
    lines = stderr.strip().splitlines()
    kept = [line.strip() for line in lines if str(tree) in line]
    kept = [line.replace(str(tree), shown(tree)).replace('File "', "").replace('", line ', ":") for line in kept]
    error = lines[-1] if lines else "(no message)"
    return "\n".join(kept[-3:] + [error])


RESULT_FIELDS = {
    "name": str,
    "value": (int, float),
    "bar": (int, float),
    "higher_is_better": bool,
    "measured": str,
    "quick": bool,
}


def stated_result(path: Path) -> tuple[dict | None, str | None]:
    """The "result" a lesson wrote into its trace JSON, or why there is none to judge."""
    try:
        result = json.loads(path.read_text()).get("result")
    except (OSError, ValueError, AttributeError) as error:
        return None, f"{shown(path)} cannot be read ({error})"
    if result is None:
        return None, 'the lesson did not state its bar (its trace JSON has no "result")'
    wrong = [key for key, kind in RESULT_FIELDS.items() if not isinstance(result.get(key), kind)]
    if wrong:
        return None, f"the result in {shown(path)} lacks or mistypes {', '.join(wrong)}"
    return result, None


def reached(result: dict) -> bool:
    return result["value"] >= result["bar"] if result["higher_is_better"] else result["value"] <= result["bar"]


def judgement(yours: Path, reference: Path, started: float) -> str:
    """The learner's result beside the reference's, and plainly whether it reached the bar."""
    if not yours.exists() or yours.stat().st_mtime < started - 1:
        return f"This run wrote no {shown(yours)}: there is no result to judge."
    mine, why = stated_result(yours)
    if mine is None:
        return f"No verdict: {why}. Compare your trace with the reference's instead."
    theirs, _ = stated_result(reference) if reference.exists() else (None, None)
    direction = "higher is better" if mine["higher_is_better"] else "lower is better"
    lines = [f"Your result: {mine['name']}: {mine['value']:.4g}"]
    if theirs is not None:
        lines.append(f"The reference's: {theirs['name']}: {theirs['value']:.4g} ({shown(reference)})")
    lines.append(f"The bar: {mine['bar']:.4g} ({direction}); {mine['measured']}")
    if mine["quick"]:
        lines.append("A --quick run is too short to be judged against the bar: run the lesson without --quick.")
    elif reached(mine):
        lines.append("You reached the bar.")
    else:
        lines.append("You did not reach the bar yet.")
    return "\n".join(lines)


# ── hint ─────────────────────────────────────────────────────────────────────────────────


def command_hint(manifest: Manifest, name: str) -> int:
    exercise = resolve_exercise(manifest, name)
    hints = manifest.hints[exercise]
    try:
        seen = json.loads(HINTS_SEEN.read_text())
    except (OSError, ValueError):
        seen = {}
    level = min(seen.get(exercise, 0) + 1, len(hints))
    seen[exercise] = level
    STATE.mkdir(exist_ok=True)
    HINTS_SEEN.write_text(json.dumps(seen, indent=1))
    print(f"Hints for {exercise} ({level} of {len(hints)}):\n")
    for index, hint in enumerate(hints[:level], start=1):
        print(f"  {index}. " + hint.replace("\n", "\n     "))
        print()
    if level < len(hints):
        print("Run the same command again for the next hint.")
    else:
        print(f"That is every hint. Once it passes: uv run python grader.py compare {module_of(exercise)}")
    return 0


# ── compare ──────────────────────────────────────────────────────────────────────────────


def coloured(line: str) -> str:
    codes = {"+": "32", "-": "31", "@": "36"}
    code = codes.get(line[:1]) if not line.startswith(("+++", "---")) else "1"
    return f"\033[{code}m{line}\033[0m" if code else line


def body_diff(tree: Path, solutions: Path, exercise: str, colour: bool) -> str:
    """A unified diff of the learner's definition against the reference's, docstrings left out."""
    yours = function_source(tree, exercise, docstring=False)
    if yours is None:
        return f"   (cannot read yours: {locate(tree, exercise).problem})"
    reference = function_source(solutions, exercise, docstring=False) or ""
    diff = list(
        difflib.unified_diff(
            yours.splitlines(),
            reference.splitlines(),
            f"yours ({where_is(tree, exercise)})",
            "the reference",
            lineterm="",
        )
    )
    if not diff:
        return "   the same as the reference, line for line"
    return "\n".join("   " + (coloured(line) if colour else line) for line in diff)


def side_by_side(yours: str, reference: str, width: int) -> str:
    """The two definitions in two columns, lines that match beside each other, the others across
    from what they replace (difflib's alignment); `│` between equal lines, `┃` between lines that
    differ. A line too long for its column wraps onto the next row."""
    column = max(20, (width - 7) // 2)
    left, right = yours.splitlines(), reference.splitlines()
    rows: list[tuple[str, str, bool]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, left, right, autojunk=False).get_opcodes():
        mine, theirs = left[i1:i2], right[j1:j2]
        for index in range(max(len(mine), len(theirs))):
            a = mine[index] if index < len(mine) else ""
            b = theirs[index] if index < len(theirs) else ""
            rows.append((a, b, tag == "equal"))
    lines = [f"   {'yours':<{column}} │ the reference"]
    for a, b, same in rows:
        pieces_a = [a[k : k + column] for k in range(0, len(a), column)] or [""]
        pieces_b = [b[k : k + column] for k in range(0, len(b), column)] or [""]
        for k in range(max(len(pieces_a), len(pieces_b))):
            piece_a = pieces_a[k] if k < len(pieces_a) else ""
            piece_b = pieces_b[k] if k < len(pieces_b) else ""
            lines.append(f"   {piece_a:<{column}} {'│' if same else '┃'} {piece_b}".rstrip())
    return "\n".join(lines)


def command_compare(manifest: Manifest, tree: Path, target: list[str], force: bool, full: bool) -> int:
    if target and target[0] == "lesson":
        if len(target) != 2:
            raise UsageProblem("say which lesson: uv run python grader.py compare lesson 01")
        return compare_lesson(manifest, target[1])
    if len(target) != 1:
        raise UsageProblem("say which module: uv run python grader.py compare primitives.vector")
    module = resolve_module(manifest, target[0])
    status = statuses(tree, [module])[module]
    if status.borrowed:
        print(
            f"{module} is borrowed: it is the reference's code. To write it yourself: uv run python grader.py reset {module}"
        )
        return 0
    solutions = treepath.tree_folder("solutions")
    colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    for exercise in manifest.exercises_of(module):
        passed, count = status.exercise_counts(exercise)
        print(f"── {exercise} " + "─" * max(0, 70 - len(exercise)))
        if not force and not status.exercise_done(exercise):
            print(f"   not passed yet ({passed}/{count}): the reference stays hidden until it passes.")
            print(f"   Try uv run python grader.py hint {exercise}, or add --force to look anyway.\n")
            continue
        if not full:
            print(body_diff(tree, solutions, exercise, colour) + "\n")
            continue
        yours = function_source(tree, exercise) or f"(cannot read it: {locate(tree, exercise).problem})"
        print(f"   yours: {where_is(tree, exercise)}")
        print(
            side_by_side(yours, function_source(solutions, exercise) or "", shutil.get_terminal_size((160, 24)).columns)
            + "\n"
        )
    if not full:
        print("The lines marked - are yours, + the reference's; docstrings left out. Whole definitions: add --full.")
    return 0


def compare_lesson(manifest: Manifest, number: str) -> int:
    lesson = resolve_lesson(manifest, number)
    name = Path(lesson.script).stem
    yours = ROOT / "output" / f"{name}_trace.json"
    reference = ROOT / "examples" / name / f"{name}_trace.json"
    if not reference.exists():
        print(f"Lesson {lesson.number} has no reference run in examples/ yet.")
        return 0
    if not yours.exists():
        print(f"No run of yours yet: uv run python grader.py lesson {lesson.number} writes {shown(yours)}.")
        return 0
    sys.path.insert(0, str(ROOT / "lessons"))
    import kit  # the drawing kit, only needed here

    try:
        your_trace, reference_trace = kit.Trace.load(yours), kit.Trace.load(reference)
    except (ValueError, TypeError, KeyError) as error:
        print(f"Cannot read {shown(yours)}: {error}. Run the lesson again to rewrite it.")
        return 1
    figure, axes = kit.plt.subplots(figsize=(9, 4.5), dpi=kit.DPI)
    kit.draw_trace(axes, reference_trace, style="--", alpha=0.6, label_suffix=" (reference)")
    kit.draw_trace(axes, your_trace, label_suffix=" (yours)")
    axes.set_title(f"Lesson {lesson.number}: your run (solid) over the reference (dashed)")
    figure.tight_layout()
    picture = ROOT / "output" / f"{name}_compare.png"
    figure.savefig(picture)
    kit.plt.close(figure)
    print(f"Your trace ({your_trace.settings.get('tree', '?')}) drawn over the reference's: {shown(picture)}")
    for series, points in reference_trace.series.items():
        mine = your_trace.series.get(series)
        if mine and mine["y"] and points["y"]:
            print(f"  {series}: yours ends at {mine['y'][-1]:.4g}, the reference at {points['y'][-1]:.4g}")
    return 0


# ── reset and borrow: the learner's file replaced, never lost ────────────────────────────


def replace_file(tree: Path, module: str, text: str) -> str | None:
    """Write a module's file, keeping the learner's own version as a backup first (not a stub,
    not an untouched borrowed copy: those are not the learner's work). Returns the backup's path."""
    path = module_file(tree, module)
    kept = None
    if path.exists() and path.read_text() != pristine_stub(module) and borrow.state(tree, module) is None:
        BACKUPS.mkdir(parents=True, exist_ok=True)
        backup = BACKUPS / f"{module}.{datetime.now().strftime('%Y%m%d-%H%M%S-%f')}.py"
        shutil.copy2(path, backup)
        kept = shown(backup)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return kept


def command_reset(manifest: Manifest, tree: Path, name: str) -> int:
    module = resolve_module(manifest, name)
    refuse_the_reference(tree, "reset")
    path = module_file(tree, module)
    stub = pristine_stub(module)
    if path.exists() and path.read_text() == stub:
        print(f"{shown(path)} is already the pristine stub: nothing changed.")
        return 0
    was_borrowed = borrow.state(tree, module) is not None
    kept = replace_file(tree, module, stub)
    if kept:
        print(f"Your file is kept at {kept}")
    elif was_borrowed:
        print(f"{module} was borrowed: the reference's code is gone from your tree (no backup: it was not yours).")
    print(f"{shown(path)} is the pristine stub again.")
    return 0


def borrow_modules(tree: Path, modules: list[str]) -> list[str]:
    """Copy the reference into each module's file; return the modules actually borrowed now."""
    fresh = []
    for module in modules:
        path = module_file(tree, module)
        if borrow.state(tree, module) == "borrowed":
            print(f"  {module}: already borrowed, and the reference has not changed: nothing to do")
            continue
        kept = replace_file(tree, module, borrow.borrowed_copy(module))
        print(f"  {module}: borrowed into {shown(path)}" + (f" (your file is kept at {kept})" if kept else ""))
        fresh.append(module)
    return fresh


def command_borrow(manifest: Manifest, tree: Path, names: list[str]) -> int:
    refuse_the_reference(tree, "borrow")
    if not names:
        raise UsageProblem("say what to borrow: uv run python grader.py borrow MODULE… or borrow lesson NN")
    if names[0] == "lesson":
        if len(names) != 2:
            raise UsageProblem("say which lesson: uv run python grader.py borrow lesson 06")
        lesson = resolve_lesson(manifest, names[1])
        below = [m for m in manifest.modules if m in lesson.requires and not m.startswith("actors.")]
        # What already passes stays the learner's: borrowing replaces only what does not.
        results = statuses(tree, below)
        yours = [m for m in below if results[m].complete]
        print(f"Lesson {lesson.number}: the reference stands in for the modules below its agent.")
        if yours:
            print(f"  kept yours (every spec passes): {', '.join(yours)}")
        borrow_modules(tree, [m for m in below if m not in yours])
        left = [m for m in lesson.requires if m.startswith("actors.")]
        progress.set_goal(lesson.number)  # borrowing below a lesson is choosing it as the goal
        print(f"\nWhat lesson {lesson.number} waits for now: {', '.join(left)}. Status leads there (your goal now;")
        print("back to the next locked lesson: uv run python grader.py goal none). Next: uv run python grader.py")
    else:
        borrow_modules(tree, [resolve_module(manifest, name) for name in names])
        print("\nNext: uv run python grader.py")
    print(
        "A borrowed module is never counted as your pass; to write one yourself: uv run python grader.py reset MODULE"
    )
    return 0


# ── goal ─────────────────────────────────────────────────────────────────────────────────


def command_goal(manifest: Manifest, names: list[str]) -> int:
    if len(names) > 1:
        raise UsageProblem("goal takes one lesson: uv run python grader.py goal 06 (or goal none)")
    if not names:
        chosen = progress.goal()
        if chosen not in manifest.lessons:  # none set, or a lesson the curriculum no longer has
            print("No goal set: status leads to the next locked lesson. Choose one: uv run python grader.py goal NN")
        else:
            print(
                f"Your goal: lesson {chosen} ({manifest.lessons[chosen].title}). Back to the next locked lesson: goal none"
            )
        return 0
    if names[0] == "none":
        progress.set_goal(None)
        print("Goal cleared: status leads to the next locked lesson again.")
        return 0
    lesson = resolve_lesson(manifest, names[0])
    if lesson.status != "ready":
        raise UsageProblem(
            f"lesson {lesson.number} is not ready yet; choose one of {', '.join(l.number for l in ready_lessons(manifest))}"
        )
    progress.set_goal(lesson.number)
    print(f"Goal: lesson {lesson.number} ({lesson.title}). Status now leads there: uv run python grader.py")
    print(
        f"To start there at once, let the reference stand in below it: uv run python grader.py borrow lesson {lesson.number}"
    )
    return 0


# ── watch ────────────────────────────────────────────────────────────────────────────────


def snapshot(tree: Path) -> dict[Path, float]:
    return {path: path.stat().st_mtime for path in (tree / "policywerk").rglob("*.py")}


def command_watch(manifest: Manifest, tree: Path, tree_flag: str, interval: float = 0.5) -> int:
    """Re-check the module being edited each time a file under the tree is saved."""
    seen = snapshot(tree)
    exercise, module = next_step(manifest, statuses(tree, manifest.modules))
    current = module or module_of(manifest.exercises[-1])

    def rerun() -> None:
        if sys.stdout.isatty():
            print("\033[2J\033[H", end="")  # clear the screen
        command_check(manifest, tree, tree_flag, current)
        results = statuses(tree, manifest.modules)
        passed, total = sum(s.passed for s in results.values()), sum(s.total for s in results.values())
        print(f"\n[{passed}/{total} specs] watching {shown(tree)} · Enter: re-run now · h: hint · l: list · q: quit")
        print(
            "(If saving does not trigger a re-run, your editor writes elsewhere: press Enter after saving.)", flush=True
        )

    rerun()
    reading = True  # standard input can be a terminal or a pipe; at its end, only the files are watched
    while True:
        ready = select.select([sys.stdin], [], [], interval)[0] if reading else []
        if not reading:
            time.sleep(interval)
        if ready:
            line = sys.stdin.readline()
            if not line:
                reading = False
                continue
            key = line.strip().lower()
            if key in ("q", "quit"):
                return 0
            if key == "h":
                exercise, _ = next_step(manifest, statuses(tree, manifest.modules))
                command_hint(manifest, exercise or manifest.exercises_of(current)[0])
            elif key == "l":
                command_status(manifest, tree, tree_flag)
            else:
                rerun()
            continue
        now = snapshot(tree)
        changed = [path for path in now if seen.get(path) != now[path]]
        if changed:
            seen = now
            touched = [m for m in manifest.modules if module_file(tree, m) in changed]
            current = touched[0] if touched else current
            rerun()


# ── entry point ──────────────────────────────────────────────────────────────────────────

USAGE = """\
uv run python grader.py                    your progress and the next exercise on the way to your goal
uv run python grader.py check MODULE       that module's specs (e.g. check primitives.vector)
uv run python grader.py hint EXERCISE      one more hint each time (e.g. hint primitives.vector.dot)
uv run python grader.py lesson NN          train and draw lesson NN with your code, once it unlocks
uv run python grader.py goal [NN|none]     the lesson status leads to (default: the next locked one)
uv run python grader.py borrow MODULE…     let the reference's code stand in for modules (borrow lesson NN:
                                           every module below that lesson's agent)
uv run python grader.py compare MODULE     your code against the reference, as a diff, for what you have
                                           passed (--full: both whole, side by side)
uv run python grader.py compare lesson NN  your training trace drawn over the reference's
uv run python grader.py reset MODULE       put the stub back (your file is kept as a backup)
uv run python grader.py watch              re-check the module you are editing on every save
Add --tree solutions to any of them to run it on the reference."""

ONE_NAME = ("check", "hint", "lesson", "reset")
INTERRUPTED = 130  # what a shell reports for a program stopped by Ctrl-C


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grader.py", usage=USAGE, add_help=True)
    parser.add_argument("command", nargs="?", default="status")
    parser.add_argument("names", nargs="*")
    parser.add_argument("--tree", default="exercises")
    parser.add_argument("--force", action="store_true", help="compare: show the reference before you pass")
    parser.add_argument("--full", action="store_true", help="compare: both definitions whole, side by side, not a diff")
    parser.add_argument("--quick", action="store_true", help="lesson: the small budget (never judged against the bar)")
    args = parser.parse_args(argv)
    try:
        tree = treepath.tree_folder(args.tree)
        tree_flag = "" if args.tree == "exercises" else f" --tree {args.tree}"
        manifest = manifest_module.load()
        names = args.names
        if args.command == "status":
            return command_status(manifest, tree, tree_flag)
        if args.command in ONE_NAME and len(names) != 1:
            raise UsageProblem(f"{args.command} takes one name; see: uv run python grader.py --help")
        if args.command == "check":
            return command_check(manifest, tree, tree_flag, names[0])
        if args.command == "hint":
            return command_hint(manifest, names[0])
        if args.command == "lesson":
            return command_lesson(manifest, tree, names[0], ["--quick"] if args.quick else [])
        if args.command == "compare":
            return command_compare(manifest, tree, names, args.force, args.full)
        if args.command == "reset":
            return command_reset(manifest, tree, names[0])
        if args.command == "borrow":
            return command_borrow(manifest, tree, names)
        if args.command == "goal":
            return command_goal(manifest, names)
        if args.command == "watch":
            return command_watch(manifest, tree, tree_flag)
        raise UsageProblem(f"unknown command {args.command!r}\n\n{USAGE}")
    except UsageProblem as problem:
        print(f"grader: {problem}")
        return 2
    except ValueError as problem:  # an unknown tree
        print(f"grader: {problem}")
        return 2
    except KeyboardInterrupt:
        # Results are written only after a whole run, in one replace: nothing half-done is kept.
        print("\nStopped (Ctrl-C): nothing from the interrupted run was recorded.", flush=True)
        return INTERRUPTED
