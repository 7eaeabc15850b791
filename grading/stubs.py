"""What an exercise is, and the stub that stands in for its body: read from the reference.

An exercise is every function at module level and every method of a module-level class in
`solutions/policywerk/`, unless a comment line `# given` (optionally `# given: why`) stands
directly above it (or above its decorators). A class marked `# given` is copied whole. Module
code outside functions (imports, constants, dataclass fields) is always copied as it is.

The grader needs this to put a pristine stub back (`reset`); the maintainers' generator
(maintainer/generate_exercises.py) writes the whole stub tree with it. Nothing here imports
or runs the code it reads.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from grading.manifest import ROOT

SOLUTIONS = ROOT / "solutions"
PACKAGE = "policywerk"


@dataclass(frozen=True)
class Exercise:
    """One exercise found in a reference module."""

    name: str  # dotted name inside the package: "primitives.vector.dot", "primitives.random.Rng.normal"
    module: str  # "primitives.vector"
    qualname: str  # "dot" or "Rng.normal"
    node: ast.FunctionDef
    body_first_line: int  # 1-based: the first line after the docstring
    body_last_line: int  # 1-based, inclusive
    indent: str


def module_name(path: Path, tree: Path = SOLUTIONS) -> str:
    """The dotted name inside the package: '.../primitives/vector.py' -> 'primitives.vector',
    '.../primitives/__init__.py' -> 'primitives', the package's own __init__ -> ''."""
    parts = path.relative_to(tree / PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def check_command(module: str) -> str:
    """The command a stub names for checking its module against the learner's tree."""
    return f"uv run python grader.py check {module}"


def _is_given(lines: list[str], node: ast.AST) -> bool:
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    above = lines[first - 2].strip() if first >= 2 else ""
    return above == "# given" or above.startswith("# given:")


def find_exercises(source: str, module: str) -> list[Exercise]:
    """The exercises of one module's source, in source order."""
    tree = ast.parse(source)
    lines = source.splitlines()
    found = []

    def add(node: ast.FunctionDef, qualname: str) -> None:
        name = f"{module}.{qualname}"
        if ast.get_docstring(node) is None:
            raise ValueError(f"exercise {name} has no docstring: an exercise's docstring is its task")
        if len(node.body) < 2:
            raise ValueError(f"exercise {name} has a docstring but no body")
        docstring = node.body[0]
        found.append(
            Exercise(
                name=name,
                module=module,
                qualname=qualname,
                node=node,
                body_first_line=docstring.end_lineno + 1,
                body_last_line=node.end_lineno,
                indent=" " * node.body[1].col_offset,
            )
        )

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not _is_given(lines, node):
            add(node, node.name)
        elif isinstance(node, ast.ClassDef) and not _is_given(lines, node):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and not _is_given(lines, item):
                    add(item, f"{node.name}.{item.name}")
    return found


def stub_lines(exercise: Exercise) -> list[str]:
    """The stub that stands in for an exercise's body: it names the exercise and its check."""
    return [
        "raise NotImplementedError(",
        f"    {exercise.name + ' is not written yet: replace this raise with your code.'!r}",
        f"    {' Check it with: ' + check_command(exercise.module)!r}",
        ")",
    ]


def replace_bodies(source: str, exercises: list[Exercise], body_for) -> str:
    """Replace each exercise's body (the lines after its docstring) by `body_for(exercise)`,
    a list of statement lines without indentation."""
    lines = source.splitlines(keepends=True)
    for exercise in sorted(exercises, key=lambda e: e.body_first_line, reverse=True):
        new_body = [f"{exercise.indent}{line}\n" for line in body_for(exercise)]
        lines[exercise.body_first_line - 1 : exercise.body_last_line] = new_body
    return "".join(lines)


def stub_source(source: str, module: str) -> str:
    """A module's source with every exercise body replaced by its stub."""
    return replace_bodies(source, find_exercises(source, module), stub_lines)


def reference_modules(tree: Path = SOLUTIONS) -> list[Path]:
    return sorted((tree / PACKAGE).rglob("*.py"))


def all_exercises(tree: Path = SOLUTIONS) -> list[Exercise]:
    """Every exercise in the reference package, module by module in path order."""
    found = []
    for path in reference_modules(tree):
        found.extend(find_exercises(path.read_text(), module_name(path, tree)))
    return found
