"""The layers of the package, for the layering and manifest checks in tests/.

The import graph itself lives in grading/package_graph.py, because the grader's cache follows
it too; it is re-exported here so the checks read the whole picture from one place.
"""

from __future__ import annotations

from grading.package_graph import import_closure, imported_modules, package_imports

__all__ = ["LAYERS", "import_closure", "imported_modules", "layer_of", "package_imports"]

LAYERS = ["primitives", "building_blocks", "world", "actors"]


def layer_of(dotted: str) -> int:
    """0 for policywerk.primitives…, 3 for policywerk.actors…, −1 outside the layers."""
    parts = dotted.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else -1
