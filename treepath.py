"""Which `policywerk` to import: the reference in solutions/ or the learner's in exercises/.

The package is never installed. Specs, lessons and the grader all call `use_tree` to put
one tree's folder at the front of `sys.path`, so `import policywerk` means that tree. This is
the only place that turns a tree name into an import path.

    import treepath
    treepath.use_tree("exercises")      # or a name from $POLICYWERK_TREE, or a folder
    import policywerk                   # now exercises/policywerk
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TREES = ("solutions", "exercises")
DEFAULT_TREE = "solutions"
ENV_VAR = "POLICYWERK_TREE"


def tree_folder(tree: str | None = None) -> Path:
    """The folder that holds `policywerk/` for a tree name, or for a folder given as a path.

    None means $POLICYWERK_TREE, or "solutions" when that is unset. A path is accepted so
    the maintainers' checks can point at a freshly generated tree in a temporary folder.
    """
    tree = tree or os.environ.get(ENV_VAR) or DEFAULT_TREE
    if tree in TREES:
        return ROOT / tree
    folder = Path(tree).expanduser().resolve()
    if (folder / "policywerk" / "__init__.py").is_file():
        return folder
    raise ValueError(
        f"unknown tree {tree!r}: expected one of {', '.join(TREES)}, or a folder that contains policywerk/__init__.py"
    )


def use_tree(tree: str | None = None) -> Path:
    """Put the tree's folder first on sys.path and return it.

    Refuses when a `policywerk` from another folder is already imported, because Python
    would keep using that one and the switch would silently do nothing.
    """
    folder = tree_folder(tree)
    loaded = sys.modules.get("policywerk")
    if loaded is not None:
        loaded_from = Path(loaded.__file__).resolve().parent.parent
        if loaded_from != folder:
            raise RuntimeError(
                f"policywerk is already imported from {loaded_from}; cannot switch to {folder} in the same process"
            )
    path = str(folder)
    if path in sys.path:
        sys.path.remove(path)
    sys.path.insert(0, path)
    return folder
