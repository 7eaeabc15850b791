"""Reading the learner's files: where an exercise is, its source, and the pristine stub.

Everything is found by parsing the file as it is now (a learner's edits shift lines), and
nothing here imports or runs the learner's code.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from grading.manifest import ROOT
from grading.stubs import SOLUTIONS, stub_source


def module_file(tree: Path, module: str) -> Path:
    return tree / "policywerk" / (module.replace(".", "/") + ".py")


@dataclass
class Found:
    """Where an exercise is in a file, or why it could not be found."""

    path: Path
    line: int | None  # the `def` line, 1-based
    problem: str | None = None  # "the file does not parse: …", "no function dot", …


def _definition(tree: ast.Module, qualname: str) -> ast.FunctionDef | None:
    scope: list[ast.stmt] = tree.body
    node = None
    for part in qualname.split("."):
        node = next((n for n in scope if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == part), None)
        if node is None:
            return None
        scope = node.body
    return node if isinstance(node, ast.FunctionDef) else None


def locate(tree: Path, exercise: str) -> Found:
    """The file and `def` line of an exercise ('primitives.random.Rng.normal') in a tree."""
    module = ".".join(exercise.split(".")[:2])
    qualname = ".".join(exercise.split(".")[2:])
    path = module_file(tree, module)
    if not path.exists():
        return Found(path, None, f"{shown(path)} does not exist (deleted?)")
    try:
        parsed = ast.parse(path.read_text(), filename=str(path))
    except SyntaxError as error:
        return Found(path, error.lineno, f"the file does not parse: {error.msg} (line {error.lineno})")
    node = _definition(parsed, qualname)
    if node is None:
        return Found(path, None, f"{shown(path)} has no {qualname} (deleted or renamed?)")
    return Found(path, node.lineno)


def function_source(tree: Path, exercise: str, docstring: bool = True) -> str | None:
    """The source text of an exercise's definition in a tree (without its docstring when asked),
    or None when it cannot be read."""
    found = locate(tree, exercise)
    if found.line is None or found.problem:
        return None
    text = found.path.read_text()
    node = _definition(ast.parse(text), ".".join(exercise.split(".")[2:]))
    lines = text.splitlines()[node.lineno - 1 : node.end_lineno]
    if not docstring and ast.get_docstring(node) is not None and len(node.body) > 1:
        first, last = node.body[0].lineno - node.lineno, node.body[0].end_lineno - node.lineno
        lines = lines[:first] + lines[last + 1 :]
    return "\n".join(lines)


def pristine_stub(module: str) -> str:
    """The stub file of a module as the generator writes it from the reference."""
    source = module_file(SOLUTIONS, module).read_text()
    return stub_source(source, module)


def shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
