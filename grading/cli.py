"""The commands of grader.py: status, check, lesson, hint, compare, reset, watch.

Every command survives whatever the learner's code does: the code runs in subprocesses
(grading/runner.py), files are read by parsing (grading/source.py), and a problem is reported
as the learner's file and line with a short message, never as the grader's own traceback.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import select
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import treepath
from grading import manifest as manifest_module
from grading.manifest import ROOT, Manifest, module_of
from grading.progress import STATE, ModuleStatus, statuses
from grading.source import function_source, locate, module_file, pristine_stub, shown

HINTS_SEEN = STATE / "hints.json"
BACKUPS = STATE / "backups"
MESSAGE_LINES = 6


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


# ── what to say about a failure ──────────────────────────────────────────────────────────


def short(message: str, lines: int = MESSAGE_LINES) -> str:
    kept = [line.rstrip() for line in message.strip().splitlines() if line.strip()][:lines]
    return "\n".join(kept) or "(no message)"


def indent(text: str, by: str = "      ") -> str:
    return "\n".join(by + line for line in text.splitlines())


def where_is(tree: Path, exercise: str) -> str:
    found = locate(tree, exercise)
    if found.problem:
        return found.problem
    return f"{shown(found.path)}:{found.line}"


def describe_exercise(tree: Path, status: ModuleStatus, exercise: str) -> str:
    """Where the exercise is, its first failing spec, and what that spec said."""
    if status.import_failure is not None:
        failure = status.import_failure
        return f"{failure.location}: {failure.message}\n  (the module must import before any of its specs can run)"
    if status.problem:
        return status.problem
    failing = status.failing(exercise)
    text = f"{where_is(tree, exercise)}"
    if failing:
        spec = failing[0]
        text += f"\n  failing spec: {spec.name}"
        if spec.location:
            text += f"\n  at {spec.location}"
        text += "\n" + indent(short(spec.message), "    ")
    return text


# ── status ───────────────────────────────────────────────────────────────────────────────


def bar(passed: int, total: int, width: int = 12) -> str:
    filled = round(width * passed / total) if total else 0
    return "█" * filled + "░" * (width - filled)


def next_exercise(manifest: Manifest, results: dict[str, ModuleStatus]) -> str | None:
    for exercise in manifest.exercises:
        status = results[module_of(exercise)]
        if status.import_failure or status.problem or status.failing(exercise):
            return exercise
        passed, total = status.exercise_counts(exercise)
        if total == 0 or passed < total:
            return exercise
    return None


def lesson_line(lesson: manifest_module.Lesson, results: dict[str, ModuleStatus]) -> str:
    authors_and_year = re.match(r"^(.*?\d{4})", lesson.paper)
    label = f"  {lesson.number}  {(authors_and_year[1] if authors_and_year else lesson.paper):<32} {lesson.title:<58.58}"
    if lesson.status == "building":
        return f"{label}  being built (not yet reaching its outcome)"
    if lesson.status != "ready":
        return f"{label}  coming later"
    missing = [m for m in lesson.requires if not results[m].complete]
    if not missing:
        return f"{label}  UNLOCKED: uv run python grader.py lesson {lesson.number}"
    to_go = sum(results[m].total - results[m].passed for m in missing)
    return f"{label}  locked: {to_go} specs to go in {len(missing)} modules"


def command_status(manifest: Manifest, tree: Path, tree_flag: str) -> int:
    results = statuses(tree, manifest.modules)
    total = sum(s.total for s in results.values())
    passed = sum(s.passed for s in results.values())
    print(f"policywerk · {shown(tree)} · {passed} of {total} specs pass\n")
    for layer in manifest.layers:
        print(layer.title)
        for module in layer.modules:
            status = results[module]
            mark = "✓" if status.complete else ("!" if status.import_failure else " ")
            note = "  does not import: " + status.import_failure.location if status.import_failure else ""
            print(f"  {mark} {module.split('.')[-1]:<18} {bar(status.passed, status.total)} {status.passed:>4}/{status.total:<4}{note}")
        print()
    print("Lessons")
    for lesson in manifest.lessons.values():
        print(lesson_line(lesson, results))
    print()
    exercise = next_exercise(manifest, results)
    if exercise is None:
        print("Every spec passes. Run the lessons with your code, and compare with the reference:")
        print("  uv run python grader.py compare lesson 01")
        return 0
    module = module_of(exercise)
    print(f"Next exercise: {exercise}")
    print("  " + describe_exercise(tree, results[module], exercise).replace("\n", "\n  "))
    print(f"\n  check it:  uv run python grader.py check {module}{tree_flag}")
    print(f"  a hint:    uv run python grader.py hint {exercise}")
    return 0


# ── check ────────────────────────────────────────────────────────────────────────────────


def command_check(manifest: Manifest, tree: Path, tree_flag: str, name: str) -> int:
    module = resolve_module(manifest, name)
    status = statuses(tree, [module], fresh=True)[module]
    print(f"{module}: {status.passed} of {status.total} specs pass  ({shown(module_file(tree, module))})\n")
    if status.import_failure is not None:
        failure = status.import_failure
        print(f"  {failure.location}: {failure.message}")
        print("  The module must import before its specs can run: fix this line first.")
        return 1
    if status.problem:
        print(f"  {status.problem}")
        return 1
    first_failing = None
    for exercise in manifest.exercises_of(module):
        passed, count = status.exercise_counts(exercise)
        done = count > 0 and passed == count
        label = f"  {'✓' if done else '✗'} {exercise.split('.', 2)[-1]:<28} {passed}/{count}"
        failing = status.failing(exercise)
        if done or not failing:
            print(label)
            continue
        first_failing = first_failing or exercise
        if all("is not written yet" in spec.message for spec in failing):
            print(f"{label}   not written yet ({where_is(tree, exercise)})")
            continue
        spec = failing[0]
        print(f"{label}   {spec.name}" + (f"  ({len(failing) - 1} more failing)" if len(failing) > 1 else ""))
        # Where to look: the line that raised, else (a wrong answer, a missing function) the function.
        found = locate(tree, exercise)
        if spec.location:
            print(f"        at {spec.location}")
        elif found.problem:
            print(f"        {found.problem}")
        else:
            print(f"        at {shown(found.path)}:{found.line}")
        print(indent(short(spec.message, 4), "        "))
    print()
    if first_failing is None:
        print(f"All of {module} passes. Next: uv run python grader.py{tree_flag}")
        return 0
    print(f"Next: {first_failing} at {where_is(tree, first_failing)}")
    print(f"  a hint: uv run python grader.py hint {first_failing}")
    return 1


# ── lesson ───────────────────────────────────────────────────────────────────────────────


def command_lesson(manifest: Manifest, tree: Path, number: str, extra: list[str]) -> int:
    lesson = resolve_lesson(manifest, number)
    if lesson.status != "ready":
        state = "is being built and does not reach its outcome yet" if lesson.status == "building" else "is not built yet"
        print(f"Lesson {lesson.number} ({lesson.paper}) {state}; its script runs with the reference: uv run python {lesson.script}")
        return 0
    results = statuses(tree, list(lesson.requires))
    waiting = [m for m in lesson.requires if not results[m].complete]
    if waiting:
        print(f"Lesson {lesson.number} unlocks when every spec of {', '.join(lesson.requires)} passes. Still in the way:\n")
        for module in waiting:
            status = results[module]
            print(f"  {module}: {status.passed}/{status.total}")
            if status.import_failure:
                print(f"    {status.import_failure.location}: {status.import_failure.message}")
            for spec in status.failing()[:8]:
                print(f"    ✗ {spec.name}")
            if len(status.failing()) > 8:
                print(f"    … and {len(status.failing()) - 8} more")
        print(f"\nStart with: uv run python grader.py check {waiting[0]}")
        return 1
    name = Path(lesson.script).stem
    out = ROOT / "output"
    print(f"Lesson {lesson.number} unlocked: training with your code in {shown(tree)} …\n", flush=True)
    command = [sys.executable, lesson.script, "--tree", str(tree), "--out", str(out), *extra]
    completed = subprocess.run(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    if completed.returncode != 0:
        print(f"\nThe lesson stopped: your code raised an error while training.")
        print(indent(learner_frames(completed.stderr, tree), "  "))
        return 1
    written = sorted(p for p in out.glob(f"{name}*") if p.is_file() and p.stat().st_mtime > time.time() - 3600)
    print("\nFiles written: " + ", ".join(shown(p) for p in written))
    print(f"Compare your run with the reference's: uv run python grader.py compare lesson {lesson.number}")
    return 0


def learner_frames(stderr: str, tree: Path) -> str:
    """The lines of a traceback that point into the learner's tree, and the error itself."""
    lines = stderr.strip().splitlines()
    kept = [line.strip() for line in lines if str(tree) in line]
    kept = [line.replace(str(tree), shown(tree)).replace('File "', "").replace('", line ', ":") for line in kept]
    error = lines[-1] if lines else "(no message)"
    return "\n".join(kept[-3:] + [error])


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


def command_compare(manifest: Manifest, tree: Path, target: list[str], force: bool) -> int:
    if target and target[0] == "lesson":
        if len(target) != 2:
            raise UsageProblem("say which lesson: uv run python grader.py compare lesson 01")
        return compare_lesson(manifest, target[1])
    if len(target) != 1:
        raise UsageProblem("say which module: uv run python grader.py compare primitives.vector")
    module = resolve_module(manifest, target[0])
    status = statuses(tree, [module])[module]
    solutions = treepath.tree_folder("solutions")
    for exercise in manifest.exercises_of(module):
        passed, count = status.exercise_counts(exercise)
        print(f"── {exercise} " + "─" * max(0, 70 - len(exercise)))
        if not force and not (count and passed == count):
            print(f"   not passed yet ({passed}/{count}): the reference stays hidden until it passes.")
            print(f"   Try uv run python grader.py hint {exercise}, or add --force to look anyway.\n")
            continue
        yours = function_source(tree, exercise) or f"(cannot read it: {locate(tree, exercise).problem})"
        print(f"   yours ({where_is(tree, exercise)}):\n{indent(yours, '   │ ')}")
        print(f"   the reference:\n{indent(function_source(solutions, exercise) or '', '   │ ')}\n")
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


# ── reset ────────────────────────────────────────────────────────────────────────────────


def command_reset(manifest: Manifest, tree: Path, name: str) -> int:
    module = resolve_module(manifest, name)
    if tree == treepath.tree_folder("solutions"):
        raise UsageProblem("the reference in solutions/ is never reset; reset works on your exercises")
    path = module_file(tree, module)
    stub = pristine_stub(module)
    if path.exists() and path.read_text() == stub:
        print(f"{shown(path)} is already the pristine stub: nothing changed.")
        return 0
    if path.exists():
        BACKUPS.mkdir(parents=True, exist_ok=True)
        backup = BACKUPS / f"{module}.{datetime.now().strftime('%Y%m%d-%H%M%S-%f')}.py"
        shutil.copy2(path, backup)
        print(f"Your file is kept at {shown(backup)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(stub)
    print(f"{shown(path)} is the pristine stub again.")
    return 0


# ── watch ────────────────────────────────────────────────────────────────────────────────


def snapshot(tree: Path) -> dict[Path, float]:
    return {path: path.stat().st_mtime for path in (tree / "policywerk").rglob("*.py")}


def command_watch(manifest: Manifest, tree: Path, tree_flag: str, interval: float = 0.5) -> int:
    """Re-check the module being edited each time a file under the tree is saved."""
    seen = snapshot(tree)
    current = module_of(next_exercise(manifest, statuses(tree, manifest.modules)) or manifest.exercises[-1])

    def rerun() -> None:
        if sys.stdout.isatty():
            print("\033[2J\033[H", end="")  # clear the screen
        command_check(manifest, tree, tree_flag, current)
        results = statuses(tree, manifest.modules)
        passed, total = sum(s.passed for s in results.values()), sum(s.total for s in results.values())
        print(f"\n[{passed}/{total} specs] watching {shown(tree)} · Enter: re-run now · h: hint · l: list · q: quit")
        print("(If saving does not trigger a re-run, your editor writes elsewhere: press Enter after saving.)", flush=True)

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
                command_hint(manifest, next_exercise(manifest, statuses(tree, manifest.modules)) or manifest.exercises[-1])
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
uv run python grader.py                    your progress and the next exercise
uv run python grader.py check MODULE       that module's specs (e.g. check primitives.vector)
uv run python grader.py hint EXERCISE      one more hint each time (e.g. hint primitives.vector.dot)
uv run python grader.py lesson NN          train and draw lesson NN with your code, once it unlocks
uv run python grader.py compare MODULE     your code beside the reference, for what you have passed
uv run python grader.py compare lesson NN  your training trace drawn over the reference's
uv run python grader.py reset MODULE       put the stub back (your file is kept as a backup)
uv run python grader.py watch              re-check the module you are editing on every save
Add --tree solutions to any of them to run it on the reference."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grader.py", usage=USAGE, add_help=True)
    parser.add_argument("command", nargs="?", default="status")
    parser.add_argument("names", nargs="*")
    parser.add_argument("--tree", default="exercises")
    parser.add_argument("--force", action="store_true", help="compare: show the reference before you pass")
    parser.add_argument("--quick", action="store_true", help="lesson: the small budget")
    args = parser.parse_args(argv)
    try:
        tree = treepath.tree_folder(args.tree)
        tree_flag = "" if args.tree == "exercises" else f" --tree {args.tree}"
        manifest = manifest_module.load()
        names = args.names
        if args.command == "status":
            return command_status(manifest, tree, tree_flag)
        if args.command in ("check", "hint", "lesson", "reset") and len(names) != 1:
            raise UsageProblem(f"{args.command} takes one name; see: uv run python grader.py --help")
        if args.command == "check":
            return command_check(manifest, tree, tree_flag, names[0])
        if args.command == "hint":
            return command_hint(manifest, names[0])
        if args.command == "lesson":
            return command_lesson(manifest, tree, names[0], ["--quick"] if args.quick else [])
        if args.command == "compare":
            return command_compare(manifest, tree, names, args.force)
        if args.command == "reset":
            return command_reset(manifest, tree, names[0])
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
        print()
        return 0
