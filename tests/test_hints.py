"""The hints name what the reference names.

A level-3 hint is nearly the code: a learner copies its names. Every identifier it uses must
exist where the learner looks: in the exercise's own module of the reference (its code, its
imports, its docstrings), as a Python builtin or keyword, as a method of the built-in types
the hints work with, or as a local the hint itself binds (`total = …`, `for row in …`). A hint that says `grad_direct` where the code says
`grad_hidden_direct` sends the learner looking for something that is not there.
"""

from __future__ import annotations

import ast
import builtins
import io
import keyword
import textwrap
import tokenize
from pathlib import Path

import pytest

from grading import manifest

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = "____"
# Methods of the built-in values a hint handles (lists, dicts, strings, floats, sets).
BUILTIN_ATTRIBUTES = {name for kind in (list, dict, str, float, int, set, tuple) for name in dir(kind)}


def names_in(text: str) -> set[str]:
    """Every NAME token of a piece of code or prose (tokenize tolerates both, line by line)."""
    found = set()
    for line in text.splitlines():
        try:
            for token in tokenize.generate_tokens(io.StringIO(line).readline):
                if token.type == tokenize.NAME:
                    found.add(token.string)
        except (tokenize.TokenError, IndentationError, SyntaxError):
            continue
    return found


def bound_in(text: str) -> set[str]:
    """The names a hint's code binds itself (assigned, looped over, a parameter): its own locals.

    Lines that do not parse alone (an `if` without its body, pseudo-code) are skipped."""
    bound = set()
    for line in text.replace(PLACEHOLDER, "hole").splitlines():
        code = textwrap.dedent(line).rstrip(":")
        try:
            tree = ast.parse(code + (":\n    pass" if line.rstrip().endswith(":") else ""))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                bound.add(node.id)
            elif isinstance(node, ast.arg):
                bound.add(node.arg)
    return bound


def module_source(name: str) -> str:
    layer, module = name.split(".")[:2]
    return (ROOT / "solutions" / "policywerk" / layer / f"{module}.py").read_text()


HINTS = manifest.load().hints


@pytest.mark.parametrize("name", sorted(HINTS))
def test_every_identifier_of_the_last_hint_exists_in_the_reference(name):
    hint = HINTS[name][-1]
    if "\n" not in hint and "(" not in hint:  # prose, not code
        return
    known = names_in(module_source(name)) | set(dir(builtins)) | set(keyword.kwlist) | BUILTIN_ATTRIBUTES
    unknown = sorted(names_in(hint) - known - bound_in(hint) - {PLACEHOLDER})
    assert not unknown, f"{name}: the last hint names {unknown}, which the reference module never mentions"
