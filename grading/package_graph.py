"""The package's import graph, read from its source (nothing is imported or run).

The grader's cache follows it (a module's result holds while every file it imports, directly
or not, is unchanged); the maintainers' layering and manifest checks read it too.
"""

from __future__ import annotations

import ast
from pathlib import Path

from grading.stubs import SOLUTIONS, module_name


def imported_modules(path: Path, tree: Path = SOLUTIONS) -> list[tuple[int, str]]:
    """(line, absolute dotted name) of every import in a module file, relative ones resolved.

    `from policywerk.world import gridworld` gives 'policywerk.world.gridworld' when that is a
    module of the tree, else 'policywerk.world'.
    """
    if path.resolve().is_relative_to((tree / "policywerk").resolve()):
        package = ["policywerk", *filter(None, module_name(path, tree).split("."))]
        if path.name != "__init__.py":
            package = package[:-1]
    else:  # a script outside the package (a lesson): no relative imports to resolve
        package = []
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module
            submodules = [f"{name}.{alias.name}" for alias in node.names if _is_module(f"{name}.{alias.name}", tree)]
            found.extend((node.lineno, sub) for sub in submodules) if submodules else found.append((node.lineno, name))
    return found


def _is_module(dotted: str, tree: Path) -> bool:
    return dotted.startswith("policywerk.") and (tree / (dotted.replace(".", "/") + ".py")).is_file()


def package_imports(path: Path, tree: Path = SOLUTIONS) -> set[str]:
    """The package modules a file imports directly, as names inside the package ('primitives.vector')."""
    return {
        name.removeprefix("policywerk.")
        for _, name in imported_modules(path, tree)
        if name.startswith("policywerk.") and _is_module(name, tree)
    }


def import_closure(modules: set[str], tree: Path = SOLUTIONS, read: dict[str, set[str]] | None = None) -> set[str]:
    """Every package module reached from these by imports, directly or not (themselves included).

    `read`, when given, keeps each module's direct imports as parsed, for the next call: the
    grader's status reads the closure of every module at one moment, and would otherwise parse
    the lower layers' files once per module above them.
    """
    read = {} if read is None else read
    closure, frontier = set(), set(modules)
    while frontier:
        module = frontier.pop()
        if module not in closure:
            closure.add(module)
            if module not in read:
                read[module] = package_imports(tree / "policywerk" / (module.replace(".", "/") + ".py"), tree)
            frontier |= read[module]
    return closure
