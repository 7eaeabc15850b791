"""The spec harness itself: specs run against the tree that was asked for."""

import os
from pathlib import Path

import policywerk
import treepath


def test_policywerk_is_imported_from_the_selected_tree(pytestconfig):
    selected = treepath.tree_folder(pytestconfig.getoption("--tree") or os.environ.get(treepath.ENV_VAR))
    assert Path(policywerk.__file__).resolve().parent == selected / "policywerk"
