"""The mutation score: how many small, plausible bugs in the reference do the specs catch?

    uv run python maintainer/mutate.py                              # every module
    uv run python maintainer/mutate.py --module primitives.vector   # one module (or a layer)
    uv run python maintainer/mutate.py --sample 6 --seed 0          # at most 6 sites per exercise
    uv run python maintainer/mutate.py --list --module primitives   # show the mutants, run nothing

Each mutant is one change inside the body of one exercise of `solutions/policywerk/` (never
in given code, a docstring, a raise statement's message or another f-string, an annotation,
or code marked `pragma: no cover`, which never runs on this interpreter):

    comparison      < <=, > >=, == !=, is / is not, in / not in flipped
    constant        0 <-> 1, True <-> False, another int n -> n + 1, another float x -> x / 2
    off-by-one      range() bounds, slice bounds and list indices moved by +1 and -1
    drop            one statement replaced by `pass`
    swap-arguments  two neighbouring positional arguments of a call swapped (not a string's,
                    not in a symmetric length check: both move only an error's wording)
    arithmetic      + <-> -, * <-> /, also in augmented assignments; a unary minus dropped
    boolean         and <-> or; a `not` dropped
    return-early    `return` (the last name assigned so far, else None) inserted before the
                    exercise's third or later top-level statement; returning at the very
                    start is what maintainer/trivial_answers.py checks

Each mutant is written as a text edit of the module and parsed back: the check that the
edited file has exactly the mutated syntax tree keeps the report's before -> after snippets
true. For each mutant, the module's specs (its spec file, not slow, not heavy, stopping at
the first failure) run against a copy of the reference with that one edit; a mutant is
killed when a spec fails, the specs crash, or they run past the module's time limit (ten
times the unmutated run, plus 10 s). Two worker processes each own one scratch tree under
/tmp and rewrite only the mutated file, restoring it afterwards. A worker imports pytest once
and forks a child per mutant that runs pytest in-process: the worker never imports
policywerk, so each child imports the mutated tree afresh, and byte-code caching is off so
an edit of the same size in the same second cannot be served from a stale .pyc.

The score of a module is killed / (mutants - listed equivalents). `mutation_survivors.toml`
beside this file lists each survivor the maintainers have judged, by exercise and snippet
(and `occurrence` when one exercise has the same snippet twice),
as `equivalent` (no input tells it apart from the reference: taken out of the denominator)
or `accepted` (a real difference left untested on purpose, with the reason). Survivors not
listed there, listed entries that a run finds killed, and (when every site runs) listed
entries of a module that ran that no mutant matches any more make the exit status 1; `--toml`
prints the unlisted ones as entries to fill in.

Why not mutmut 3: tried on this tree, it works only after copying the package into a
src/ layout (it names modules by their path, so `solutions/policywerk/...` never matches the
`policywerk...` that the specs import through --tree), and even then it mutates given
functions and strings unless pragmas are written into the reference, it has no statement
deletion, early return, argument swap or range/slice off-by-one, its mutant names are
numbers that shift whenever a function changes (so a survivors file could not refer to
them), and it cannot sample sites per exercise. The exercise boundaries come from
maintainer/generate_exercises.py, the same ones the stubs and trivial_answers.py use.
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import importlib.metadata
import os
import random
import select
import shutil
import signal
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, the repository's packages are not on the path
from maintainer.generate_exercises import all_exercises, module_name, reference_modules  # noqa: E402

SOLUTIONS = ROOT / "solutions"
PACKAGE = "policywerk"
SURVIVORS = Path(__file__).resolve().parent / "mutation_survivors.toml"
VERDICTS = ("equivalent", "accepted")
WORKERS = 2
SPEC_ARGUMENTS = [
    "-o",
    "addopts=",
    "-m",
    "not slow and not heavy",
    "-x",
    "-p",
    "no:cacheprovider",
    "-n",
    "0",
    "-q",
    "--tb=no",
]

COMPARISON_FLIPS = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
ARITHMETIC_FLIPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
BOOLEAN_FLIPS = {ast.And: ast.Or, ast.Or: ast.And}


@dataclass(frozen=True)
class Mutant:
    """One edit of one exercise body, with the whole mutated module text."""

    exercise: str  # "primitives.vector.dot"
    module: str  # "primitives.vector"
    path: str  # the module's file inside the package: "primitives/vector.py"
    line: int  # 1-based line of the edit in the reference
    operator: str  # "comparison", "constant", ...
    before: str  # the edited line(s) of the reference, stripped; ' ⏎ ' between lines
    after: str  # the same line(s) in the mutant
    edit: tuple[int, int, str] = field(repr=False)  # replace these UTF-8 bytes of the module by this text
    occurrence: int = 1  # the n-th mutant of this exercise with the same before and after

    @property
    def key(self) -> tuple[str, str, str, int]:
        """What the survivors file names a mutant by: line numbers shift, snippets rarely do."""
        return (self.exercise, self.before, self.after, self.occurrence)

    @property
    def location(self) -> str:
        return f"solutions/{PACKAGE}/{self.path}:{self.line}"


def applied(source: str, edit: tuple[int, int, str]) -> str:
    """A module's text with a mutant's edit applied."""
    start, end, text = edit
    data = source.encode()
    return (data[:start] + text.encode() + data[end:]).decode()


# ---------------------------------------------------------------- which nodes may be mutated


def _literal_int(node: ast.AST) -> int | None:
    """The value of an int literal such as 3 or -1, else None."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if type(value) is int else None


def _number(value: int | float) -> ast.expr:
    """A literal as the parser builds it: a negative number is a minus applied to a constant."""
    if value < 0:
        return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(-value))
    return ast.Constant(value)


def _shifted(node: ast.expr, by: int) -> ast.expr:
    """node + by (or - by), folded into the literal when node is an int literal."""
    value = _literal_int(node)
    if value is not None:
        return _number(value + by)
    return ast.BinOp(left=copy.deepcopy(node), op=ast.Add() if by > 0 else ast.Sub(), right=ast.Constant(abs(by)))


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _mutable_nodes(node: ast.AST, lines: list[str]):
    """The nodes below `node` that mutants may change, depth first in source order.

    A raise statement may be dropped but its arguments (the message) are left alone; f-strings,
    annotations, assert messages and statements excluded from coverage are skipped whole.
    """
    for name, value in ast.iter_fields(node):
        if name in ("annotation", "returns") or (isinstance(node, ast.Assert) and name == "msg"):
            continue
        for child in value if isinstance(value, list) else [value]:
            if not isinstance(child, ast.AST) or isinstance(child, ast.JoinedStr):
                continue
            if isinstance(child, ast.stmt) and "pragma: no cover" in lines[child.lineno - 1]:
                if isinstance(child, ast.If):  # only its test and body are excluded: the else runs
                    for statement in child.orelse:
                        yield statement
                        yield from _mutable_nodes(statement, lines)
                continue
            yield child
            if not isinstance(child, ast.Raise):
                yield from _mutable_nodes(child, lines)


# ---------------------------------------------------------------- the mutation operators
# Each takes a node and yields (operator, replacement node, replacement text or None for
# ast.unparse of the replacement). A replacement is always a fresh node.


def _with(node: ast.AST, **changes) -> ast.AST:
    changed = copy.deepcopy(node)
    for name, value in changes.items():
        setattr(changed, name, value)
    return changed


def _comparison(node):
    if isinstance(node, ast.Compare):
        for index, op in enumerate(node.ops):
            if type(op) in COMPARISON_FLIPS:
                ops = [type(o)() for o in node.ops]
                ops[index] = COMPARISON_FLIPS[type(op)]()
                yield "comparison", _with(node, ops=ops), None


def _constant(node):
    if isinstance(node, ast.Constant) and type(node.value) in (bool, int, float):
        value = node.value
        if type(value) is bool:
            changed = not value
        elif value in (0, 1):
            changed = type(value)(1 - value)
        else:
            changed = value + 1 if type(value) is int else value / 2
        yield "constant", ast.Constant(changed), None


def _off_by_one(node):
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
        # The bounds, not the step: range(a, b, -1) is still off by one at a or b.
        for index, argument in enumerate(node.args[:2]):
            if not isinstance(argument, ast.Starred):
                for by in (1, -1):
                    args = copy.deepcopy(node.args)
                    args[index] = _shifted(argument, by)
                    yield "off-by-one", _with(node, args=args), None
    elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        for bound in ("lower", "upper"):
            value = getattr(node.slice, bound)
            if value is not None:
                for by in (1, -1):
                    yield "off-by-one", _with(node, slice=_with(node.slice, **{bound: _shifted(value, by)})), None
    elif isinstance(node, ast.Subscript) and isinstance(node.slice, (ast.Name, ast.BinOp, ast.UnaryOp, ast.Constant)):
        index = node.slice
        if not (isinstance(index, ast.Constant) and type(index.value) is not int):  # a dict key, not an index
            for by in (1, -1):
                yield "off-by-one", _with(node, slice=_shifted(index, by)), None


def _drop(node):
    if isinstance(node, ast.stmt) and not isinstance(node, ast.Pass) and not _is_docstring(node):
        yield "drop", ast.Pass(), "pass"


# Checks whose arguments enter only a comparison that is symmetric and the error's message:
# swapping them moves only the order of the values the message names, which no spec may check.
SYMMETRIC_CHECKS = {"require_same_length"}


def _swap_arguments(node):
    if isinstance(node, ast.Call):
        called = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if called in SYMMETRIC_CHECKS:
            return
        for index in range(len(node.args) - 1):
            pair = node.args[index : index + 2]
            # A string argument is a name or a message: swapping it changes only an error's wording.
            strings = [isinstance(a, ast.Constant) and isinstance(a.value, str) for a in pair]
            if any(isinstance(a, ast.Starred) for a in pair) or any(strings) or ast.dump(pair[0]) == ast.dump(pair[1]):
                continue
            args = copy.deepcopy(node.args)
            args[index], args[index + 1] = args[index + 1], args[index]
            yield "swap-arguments", _with(node, args=args), None


def _arithmetic(node):
    if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in ARITHMETIC_FLIPS:
        yield "arithmetic", _with(node, op=ARITHMETIC_FLIPS[type(node.op)]()), None
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        yield "arithmetic", copy.deepcopy(node.operand), None


def _boolean(node):
    if isinstance(node, ast.BoolOp):
        yield "boolean", _with(node, op=BOOLEAN_FLIPS[type(node.op)]()), None
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "boolean", copy.deepcopy(node.operand), None


OPERATORS = (_comparison, _constant, _off_by_one, _drop, _swap_arguments, _arithmetic, _boolean)


def _assigned_name(statement: ast.stmt) -> str | None:
    """The plain name a top-level statement assigns (`x = ...`, `x += ...`), if any."""
    targets = {
        ast.Assign: lambda s: s.targets[-1],
        ast.AugAssign: lambda s: s.target,
        ast.AnnAssign: lambda s: s.target,
    }
    get = targets.get(type(statement))
    target = get(statement) if get else None
    return target.id if isinstance(target, ast.Name) else None


# ---------------------------------------------------------------- turning a site into a mutant


class _Source:
    """A module's text with byte offsets per line: ast positions count UTF-8 bytes."""

    def __init__(self, text: str):
        self.text = text
        self.data = text.encode()
        self.lines = text.splitlines()
        self.starts = [0]
        for line in self.data.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column


@contextmanager
def _put(parents: dict, target: ast.AST, new: ast.AST, insert: bool):
    """Put `new` in place of `target` (or before it) inside the exercise's own tree, for as
    long as the block runs: cheaper than copying the tree for every mutant."""
    parent, name = parents[id(target)]
    value = getattr(parent, name)
    if isinstance(value, list):
        saved = list(value)
        index = next(i for i, item in enumerate(value) if item is target)
        value[index : index + 1] = [new, target] if insert else [new]
        try:
            yield
        finally:
            value[:] = saved
    else:
        setattr(parent, name, new)
        try:
            yield
        finally:
            setattr(parent, name, target)


def _parsed_function(text: str, function: ast.FunctionDef, added: int) -> ast.AST | None:
    """The exercise's function parsed from a mutated module's text (only its own lines: the
    edit never leaves them), or None when they do not parse."""
    first = min([function.lineno] + [d.lineno for d in function.decorator_list])
    lines = text.splitlines()[first - 1 : function.end_lineno + added]
    # A method is indented: an enclosing block makes its lines a valid module.
    prefix = "if True:\n" if function.col_offset else ""
    try:
        tree = ast.parse(prefix + "\n".join(lines))
    except SyntaxError:
        return None
    return next(node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)))


def _snippet(lines: list[str]) -> str:
    stripped = [line.strip() for line in lines]
    # A dropped loop or branch would fill the report: its first line says which one it was.
    return stripped[0] + " …" if len(stripped) > 2 else " ⏎ ".join(stripped)


def _mutant(
    exercise, source: _Source, target: ast.AST, operator: str, new, text: str | None, insert: bool = False
) -> Mutant:
    """The mutant that puts `new` in place of `target` (or before it, when `insert`).

    The edit replaces the target's text; the result must parse to the exercise's tree with
    exactly that replacement, else the replacement is retried in parentheses (an operator
    of lower precedence than its surroundings), and a mutant that still differs is a bug here.
    """
    with _put(exercise.parents, target, new, insert):
        wanted = ast.dump(exercise.node)
    start = source.offset(target.lineno, target.col_offset)
    end = start if insert else source.offset(target.end_lineno, target.end_col_offset)
    text = text if text is not None else ast.unparse(new)
    if isinstance(target, ast.If) and source.data[start:].startswith(b"elif"):
        # An elif is the If inside its parent's orelse: dropping it leaves an else branch.
        text = f"else:\n{' ' * target.body[0].col_offset}{text}"
    for candidate in (text, f"({text})"):
        mutated = applied(source.text, (start, end, candidate))
        added = mutated.count("\n") - source.text.count("\n")
        found = _parsed_function(mutated, exercise.node, added)
        if found is not None and ast.dump(found) == wanted:
            first, last = target.lineno, target.lineno if insert else target.end_lineno
            return Mutant(
                exercise=exercise.name,
                module=exercise.module,
                path=exercise.path,
                line=first,
                operator=operator,
                before=_snippet(source.lines[first - 1 : last]),
                after=_snippet(mutated.splitlines()[first - 1 : last + added]),
                edit=(start, end, candidate),
            )
    raise RuntimeError(f"{exercise.name} line {target.lineno}: cannot write the {operator} mutant {text!r} as source")


def _sites(exercise, source: _Source):
    """Every mutation site of one exercise: ((line, column, operator), [mutants]) in source order."""
    sites: dict[tuple, list[Mutant]] = defaultdict(list)
    body = exercise.node.body[1:]  # body[0] is the docstring
    for node in _mutable_nodes(ast.Module(body=body, type_ignores=[]), source.lines):
        for operator in OPERATORS:
            for name, new, text in operator(node):
                sites[(node.lineno, node.col_offset, name)].append(_mutant(exercise, source, node, name, new, text))
    assigned = None
    for index, statement in enumerate(body):
        early = ast.Return(value=ast.Name(assigned, ast.Load()) if assigned else ast.Constant(None))
        # Returning None just before a return is the bug of dropping that return, and
        # `return total` before `return total` is no bug at all.
        redundant = isinstance(statement, ast.Return) and (not assigned or ast.dump(statement) == ast.dump(early))
        if index >= 2 and not redundant and "pragma: no cover" not in source.lines[statement.lineno - 1]:
            value = assigned or "None"
            indent = " " * statement.col_offset
            mutant = _mutant(
                exercise, source, statement, "return-early", early, f"return {value}\n{indent}", insert=True
            )
            sites[(statement.lineno, statement.col_offset, "return-early")].append(mutant)
        assigned = _assigned_name(statement) or assigned
    return sorted(sites.items())


@dataclass(frozen=True)
class _Exercise:
    """An exercise of generate_exercises.all_exercises with its file and each node's parent."""

    name: str
    module: str
    node: ast.FunctionDef
    path: str
    parents: dict = field(default_factory=dict, repr=False)  # id(node) -> (parent, field name)

    def __post_init__(self):
        for parent in ast.walk(self.node):
            for name, value in ast.iter_fields(parent):
                for child in value if isinstance(value, list) else [value]:
                    if isinstance(child, ast.AST):
                        self.parents[id(child)] = (parent, name)


def mutants(
    tree: Path = SOLUTIONS, modules: list[str] | None = None, sample: int | None = None, seed: int = 0
) -> list[Mutant]:
    """The mutants of every exercise in `tree`/policywerk (of the named modules or layers).

    With `sample`, at most that many sites per exercise, drawn with a generator seeded by
    the seed and the exercise's name, so one exercise's draw does not move when another
    exercise changes. Two sites that give the same module text count once.
    """
    by_module = defaultdict(list)
    for exercise in all_exercises(tree):
        by_module[exercise.module].append(exercise)
    found = []
    for path in reference_modules(tree):
        module = module_name(path, tree)
        if not by_module[module] or (modules and not any(module == m or module.startswith(m + ".") for m in modules)):
            continue
        source = _Source(path.read_text())
        relative = path.relative_to(tree / PACKAGE).as_posix()
        # By text, not by edit: `x[0]` -> `x[1]` is both a constant and an off-by-one.
        seen = {hash(source.text)}
        for exercise in by_module[module]:
            sites = _sites(_Exercise(exercise.name, module, exercise.node, relative), source)
            if sample is not None and len(sites) > sample:
                chosen = set(random.Random(f"{seed}:{exercise.name}").sample(range(len(sites)), sample))
                sites = [site for index, site in enumerate(sites) if index in chosen]
            for _, at_site in sites:
                for mutant in at_site:
                    text = hash(applied(source.text, mutant.edit))
                    if text not in seen:
                        seen.add(text)
                        found.append(mutant)
    # `following = 0.0` may stand twice in one exercise: the count keeps the two apart.
    counts: dict[tuple, int] = defaultdict(int)
    for index, mutant in enumerate(found):
        counts[mutant.key[:3]] += 1
        found[index] = replace(mutant, occurrence=counts[mutant.key[:3]])
    return found


def snapshot(scratch: Path) -> Path:
    """A copy of the reference to mutate and run from, so concurrent edits of solutions/ do
    not mix into a run; returns the folder that holds policywerk/."""
    folder = scratch / "snapshot"
    shutil.copytree(SOLUTIONS / PACKAGE, folder / PACKAGE, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return folder


# ---------------------------------------------------------------- running the specs


def spec_path(module: str) -> Path:
    """'primitives.vector' -> spec_tests/primitives/test_vector.py"""
    *folders, last = module.split(".")
    return ROOT.joinpath("spec_tests", *folders, f"test_{last}.py")


_worker_tree: Path | None = None


def _start_worker(snapshot: str, scratch: str) -> None:
    """A worker's own copy of the reference, and pytest imported once for all its children."""
    global _worker_tree
    sys.dont_write_bytecode = True
    os.chdir(ROOT)
    _worker_tree = Path(scratch) / f"worker-{os.getpid()}"
    shutil.copytree(snapshot, _worker_tree)
    # Each forked child starts with pytest and its plugins loaded (a third of a child's time
    # otherwise); none of them imports policywerk.
    import _pytest.config

    for plugin in _pytest.config.default_plugins:
        importlib.import_module(f"_pytest.{plugin}")
    for entry in importlib.metadata.entry_points(group="pytest11"):
        entry.load()


def _run_specs(module: str, path: str, edit: tuple[int, int, str] | None, timeout: float) -> tuple[str, float]:
    """Run a module's specs against the worker's tree with one edit of the module's file
    (None: the reference). Returns ("passed" | "failed" | "timeout" | "crashed", seconds)."""
    file = _worker_tree / PACKAGE / path
    original = file.read_text()
    if edit is not None:
        file.write_text(applied(original, edit))
    started = time.perf_counter()
    try:
        pid = os.fork()
        if pid == 0:  # the child: run pytest and leave without the worker's clean-up
            code = 3
            try:
                os.setpgid(0, 0)
                quiet = os.open(os.devnull, os.O_WRONLY)
                os.dup2(quiet, 1)
                os.dup2(quiet, 2)
                import pytest

                code = int(pytest.main([str(spec_path(module)), "--tree", str(_worker_tree), *SPEC_ARGUMENTS]))
            finally:
                os._exit(code)
        handle = os.pidfd_open(pid)
        ready, _, _ = select.select([handle], [], [], timeout)
        os.close(handle)
        if not ready:
            os.killpg(pid, signal.SIGKILL)  # the group: a spec may have started processes of its own
        _, status = os.waitpid(pid, 0)
    finally:
        file.write_text(original)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    outcome = "timeout" if not ready else "passed" if code == 0 else "crashed" if code < 0 else "failed"
    return outcome, seconds


def _run_task(task: tuple) -> tuple:
    index, module, path, edit, timeout = task
    return (index, *_run_specs(module, path, edit, timeout))


def run(
    found: list[Mutant], tree: Path, scratch: Path, workers: int = WORKERS
) -> tuple[dict[int, str], dict[str, str]]:
    """Run every mutant's module specs with `tree` (holding policywerk/) as the reference.

    Returns each mutant's outcome (by index in `found`) and, for each module whose specs do
    not pass on the unmutated tree, that outcome instead (its mutants are not run).
    """
    by_module: dict[str, list[int]] = defaultdict(list)
    for index, mutant in enumerate(found):
        by_module[mutant.module].append(index)
    paths = {module: found[indices[0]].path for module, indices in by_module.items()}
    broken: dict[str, str] = {}
    outcomes: dict[int, str] = {}
    with get_context("spawn").Pool(workers, _start_worker, (str(tree), str(scratch))) as pool:
        limits = {}
        baselines = [(0, module, paths[module], None, 600.0) for module in by_module]
        for module, (_, outcome, seconds) in zip(by_module, pool.map(_run_task, baselines, chunksize=1)):
            if outcome != "passed":
                broken[module] = outcome
            limits[module] = 10 * seconds + 10.0
        tasks = [
            (index, module, paths[module], found[index].edit, limits[module])
            for module, indices in by_module.items()
            if module not in broken
            for index in indices
        ]
        left = {module: len(indices) for module, indices in by_module.items()}
        for index, outcome, _ in pool.imap_unordered(_run_task, tasks):
            outcomes[index] = outcome
            module = found[index].module
            left[module] -= 1
            if not left[module]:
                killed = sum(outcomes[i] != "passed" for i in by_module[module])
                print(f"  {module}: {killed} of {len(by_module[module])} mutants killed", file=sys.stderr, flush=True)
    return outcomes, broken


# ---------------------------------------------------------------- the survivors file and the report


def load_survivors(path: Path = SURVIVORS) -> dict[tuple[str, str, str], dict]:
    """The judged survivors by (exercise, before, after, occurrence: 1 when not given)."""
    if not path.exists():
        return {}
    entries = tomllib.loads(path.read_text()).get("survivor", [])
    judged = {}
    for entry in entries:
        if entry.get("verdict") not in VERDICTS or not entry.get("reason"):
            raise ValueError(
                f"{path.name}: every survivor needs a verdict ({' or '.join(VERDICTS)}) and a reason: {entry}"
            )
        judged[(entry["exercise"], entry["before"], entry["after"], entry.get("occurrence", 1))] = entry
    return judged


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def report(found: list[Mutant], outcomes: dict[int, str], broken: dict[str, str], judged: dict, as_toml: bool) -> int:
    """Print the table and the survivors; 1 when a survivor is unlisted or a listed one was killed."""
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    unlisted, stale = [], []
    for index, mutant in enumerate(found):
        if mutant.module in broken:
            continue
        row = rows[mutant.module]
        row["mutants"] += 1
        entry = judged.get(mutant.key)
        if outcomes[index] != "passed":
            row["killed"] += 1
            row[outcomes[index]] += 1
            if entry:
                stale.append(mutant)
        elif entry:
            row[entry["verdict"]] += 1
        else:
            row["unlisted"] += 1
            unlisted.append(mutant)
    header = f"{'module':<32} {'mutants':>7} {'killed':>7} {'timeout':>7} {'equiv.':>7} {'accepted':>8} {'unlisted':>8} {'score':>7}"
    print(header)
    print("-" * len(header))
    for module in sorted(rows):
        row = rows[module]
        counted = row["mutants"] - row["equivalent"]
        score = f"{100 * row['killed'] / counted:.1f} %" if counted else "-"
        print(
            f"{module:<32} {row['mutants']:>7} {row['killed']:>7} {row['timeout']:>7} {row['equivalent']:>7}"
            f" {row['accepted']:>8} {row['unlisted']:>8} {score:>7}"
        )
    for module, outcome in sorted(broken.items()):
        print(f"{module:<32} not run: its specs do not pass on the reference ({outcome})")
    if stale:
        print(f"\nlisted in {SURVIVORS.name} but killed now (remove the entries):")
        for mutant in stale:
            print(
                f"  {mutant.location}  {mutant.exercise}  [{mutant.operator}]\n      {mutant.before}\n    → {mutant.after}"
            )
    if unlisted:
        print(f"\nsurvivors not listed in {SURVIVORS.name}:")
        for mutant in unlisted:
            if as_toml:
                print(
                    f"\n[[survivor]]  # {mutant.location} [{mutant.operator}]\nexercise = {_toml_string(mutant.exercise)}\n"
                    f"before = {_toml_string(mutant.before)}\nafter = {_toml_string(mutant.after)}\n"
                    + (f"occurrence = {mutant.occurrence}\n" if mutant.occurrence > 1 else "")
                    + 'verdict = ""\nreason = ""'
                )
            else:
                print(
                    f"  {mutant.location}  {mutant.exercise}  [{mutant.operator}]\n      {mutant.before}\n    → {mutant.after}"
                )
    return 1 if unlisted or stale or broken else 0


def orphans(found: list[Mutant], broken: dict[str, str], judged: dict) -> list[dict]:
    """Judged entries of the modules that ran that no mutant matches any more (the code they
    describe changed or went). Only meaningful when every site was mutated."""
    ran = {mutant.module for mutant in found} - set(broken)
    made = {mutant.key for mutant in found}
    return [
        entry
        for key, entry in judged.items()
        if key not in made and any(key[0].startswith(module + ".") for module in ran)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--module",
        action="append",
        default=[],
        metavar="NAME",
        help="a module or a layer (repeatable): primitives.vector, primitives",
    )
    parser.add_argument("--sample", type=int, default=None, metavar="N", help="at most N mutation sites per exercise")
    parser.add_argument("--seed", type=int, default=0, help="the seed of --sample (default 0)")
    parser.add_argument("--list", action="store_true", help="print the mutants and run nothing")
    parser.add_argument(
        "--toml", action="store_true", help="print unlisted survivors as entries for the survivors file"
    )
    parser.add_argument("--workers", type=int, default=WORKERS, help=f"processes running specs (default {WORKERS})")
    args = parser.parse_args(argv)

    sampling = (
        f"at most {args.sample} sites per exercise, seed {args.seed}" if args.sample is not None else "every site"
    )
    with tempfile.TemporaryDirectory(prefix="policywerk-mutate-") as scratch:
        tree = snapshot(Path(scratch))
        found = mutants(tree, args.module, args.sample, args.seed)
        if args.list:
            for mutant in found:
                print(
                    f"{mutant.location}  {mutant.exercise}  [{mutant.operator}]\n    {mutant.before}\n  → {mutant.after}"
                )
            print(f"{len(found)} mutants ({sampling})")
            return 0
        missing = sorted({m.module for m in found if not spec_path(m.module).exists()})
        found = [m for m in found if m.module not in missing]
        judged = load_survivors()
        started = time.perf_counter()
        print(f"{len(found)} mutants ({sampling}), {args.workers} workers", file=sys.stderr, flush=True)
        outcomes, broken = run(found, tree, Path(scratch), args.workers)
    status = report(found, outcomes, broken, judged, args.toml)
    if args.sample is None and (unmatched := orphans(found, broken, judged)):
        print(f"\nlisted in {SURVIVORS.name} but no mutant matches them now (the code changed: remove or re-judge):")
        for entry in unmatched:
            print(f"  {entry['exercise']}\n      {entry['before']}\n    → {entry['after']}")
        status = 1
    for module in missing:
        print(f"{module}: no spec file, not run")
    print(f"\n{len(found)} mutants ({sampling}) in {time.perf_counter() - started:.0f} s with {args.workers} workers")
    return status


if __name__ == "__main__":
    sys.exit(main())
