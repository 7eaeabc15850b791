"""The mutation command's generator: the mutants it writes for a tiny module, and only inside
exercise bodies (maintainer/mutate.py runs them; that takes minutes and is not part of CI)."""

import ast

from maintainer import mutate

TINY = '''"""A tiny module."""


# given
def helper(x):
    """Given code: never mutated."""
    return x + 1


def tiny(x, y):
    """An exercise."""
    if x < 0:
        raise ValueError(f"tiny: x must be >= 0, got {x - 1}")
    total = x * 2
    return total + y[0]
'''

EXPECTED = {
    ("comparison", "if x < 0:", "if x <= 0:"),
    ("constant", "if x < 0:", "if x < 1:"),
    ("drop", 'if x < 0: ⏎ raise ValueError(f"tiny: x must be >= 0, got {x - 1}")', "pass"),
    ("drop", 'raise ValueError(f"tiny: x must be >= 0, got {x - 1}")', "pass"),
    ("drop", "total = x * 2", "pass"),
    ("arithmetic", "total = x * 2", "total = x / 2"),
    ("constant", "total = x * 2", "total = x * 3"),
    ("drop", "return total + y[0]", "pass"),
    ("arithmetic", "return total + y[0]", "return total - y[0]"),
    ("off-by-one", "return total + y[0]", "return total + y[1]"),
    ("off-by-one", "return total + y[0]", "return total + y[-1]"),
    ("return-early", "return total + y[0]", "return total ⏎ return total + y[0]"),
}


def tiny_tree(tmp_path):
    package = tmp_path / mutate.PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "tiny.py").write_text(TINY)
    return tmp_path


def test_the_tiny_exercise_gets_exactly_the_expected_mutants(tmp_path):
    found = mutate.mutants(tiny_tree(tmp_path))
    assert {(m.operator, m.before, m.after) for m in found} == EXPECTED
    assert {m.exercise for m in found} == {"tiny.tiny"}


def test_mutants_change_only_the_exercise_body_and_parse(tmp_path):
    """The given helper, the docstrings and the raise message are the same in every mutant."""
    tree = ast.parse(TINY)
    untouched = [ast.dump(tree.body[0]), ast.dump(tree.body[1]), ast.dump(tree.body[2].body[0])]
    message = ast.dump(tree.body[2].body[1].body[0].exc)
    for mutant in mutate.mutants(tiny_tree(tmp_path)):
        mutated = ast.parse(mutate.applied(TINY, mutant.edit))
        assert [ast.dump(mutated.body[0]), ast.dump(mutated.body[1]), ast.dump(mutated.body[2].body[0])] == untouched
        raises = [node.exc for node in ast.walk(mutated) if isinstance(node, ast.Raise)]
        assert all(ast.dump(exc) == message for exc in raises), mutant


def test_sampling_keeps_at_most_n_sites_per_exercise_and_is_seeded(tmp_path):
    tree = tiny_tree(tmp_path)
    first = mutate.mutants(tree, sample=2, seed=3)
    assert len({(m.line, m.operator) for m in first}) <= 2
    assert first == mutate.mutants(tree, sample=2, seed=3)


def test_a_symmetric_length_check_gets_no_argument_swap(tmp_path):
    # require_same_length(name, a, b) compares len(a) with len(b): a swap only reorders the message.
    package = tmp_path / mutate.PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "pair.py").write_text('''def pair(a, b):
    """An exercise."""
    require_same_length("pair", a, b)
    return divmod(a, b)
''')
    swaps = [m.before for m in mutate.mutants(tmp_path) if m.operator == "swap-arguments"]
    assert swaps == ["return divmod(a, b)"]


def test_a_judged_entry_no_mutant_matches_any_more_is_an_orphan_of_its_module(tmp_path):
    found = mutate.mutants(tiny_tree(tmp_path))
    live = found[0].key
    judged = {
        live: {"exercise": live[0]},
        ("tiny.tiny", "total = x * 4", "total = x / 4", 1): {"exercise": "tiny.tiny"},  # the code changed
        ("other.gone", "a", "b", 1): {"exercise": "other.gone"},  # a module that did not run
    }
    assert mutate.orphans(found, {}, judged) == [{"exercise": "tiny.tiny"}]
    assert mutate.orphans(found, {"tiny": "failed"}, judged) == []  # its specs broke: nothing ran
