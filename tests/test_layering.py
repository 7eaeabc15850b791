"""The layering rule, read from the reference's real import statements.

primitives (L0) -> building_blocks (L1) -> world (L2) -> actors (L3): a module may import
from its own layer and the layers below, never above. The package is standard library only
(no numpy, no matplotlib), and its __init__ files import nothing.
"""

from __future__ import annotations

import sys

import pytest

from maintainer.generate_exercises import SOLUTIONS, module_name, reference_modules
from maintainer.package_graph import LAYERS, imported_modules, layer_of

MODULES = reference_modules()


def test_the_package_has_exactly_the_four_layers():
    folders = sorted(p.name for p in (SOLUTIONS / "policywerk").iterdir() if p.is_dir() and p.name != "__pycache__")
    assert folders == sorted(LAYERS)


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(SOLUTIONS)) for p in MODULES])
def test_each_module_imports_only_from_its_own_layer_or_below(path):
    own = layer_of("policywerk." + module_name(path))
    upward = [
        f"line {line}: {name} (layer {LAYERS[layer_of(name)]})"
        for line, name in imported_modules(path)
        if name.split(".")[0] == "policywerk" and layer_of(name) > own
    ]
    assert not upward, f"{path.relative_to(SOLUTIONS)} ({LAYERS[own]}) imports from a higher layer: {upward}"


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(SOLUTIONS)) for p in MODULES])
def test_each_module_imports_only_the_standard_library_and_policywerk(path):
    foreign = [
        f"line {line}: {name}"
        for line, name in imported_modules(path)
        if name.split(".")[0] not in sys.stdlib_module_names and name.split(".")[0] not in ("policywerk", "__future__")
    ]
    assert not foreign, f"{path.relative_to(SOLUTIONS)} imports outside the standard library: {foreign}"


@pytest.mark.parametrize("path", [p for p in MODULES if p.name == "__init__.py"], ids=str)
def test_init_files_import_nothing(path):
    assert imported_modules(path) == [], f"{path} imports eagerly; one broken module would break its whole layer"


def test_the_checks_would_catch_an_upward_or_foreign_import(tmp_path):
    """The rule above is not vacuous: a primitives module importing actors, or numpy, is seen."""
    module = tmp_path / "policywerk" / "primitives" / "bad.py"
    module.parent.mkdir(parents=True)
    (tmp_path / "policywerk" / "__init__.py").write_text("")
    module.write_text("import numpy\nfrom policywerk.actors import dqn\nfrom ..world import gridworld\n")
    names = [name for _, name in imported_modules(module, tmp_path)]
    assert names == ["numpy", "policywerk.actors", "policywerk.world"]
    assert [layer_of(n) for n in names[1:]] == [3, 2]


def network_classes(path) -> list[str]:
    """Classes of a module that are networks of their own: they define forward and backward, and
    their forward does not hand the work to a network they hold (`self.net.forward(…)`, as
    PPO's Gaussian policy does around its MLP)."""
    import ast

    def delegates(function) -> bool:
        return any(
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "forward"
            and isinstance(call.func.value, ast.Attribute)
            and isinstance(call.func.value.value, ast.Name)
            and call.func.value.value.id == "self"
            for call in ast.walk(function)
        )

    found = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ClassDef):
            methods = {item.name: item for item in node.body if isinstance(item, ast.FunctionDef)}
            if "forward" in methods and "backward" in methods and not delegates(methods["forward"]):
                found.append(node.name)
    return found


def test_the_networks_live_in_building_blocks_and_no_actor_defines_one():
    # One network convention, the taped one (forward returns a tape, backward takes it), in
    # building_blocks; the actors build from those layers and define no network of their own.
    by_module = {module_name(path): network_classes(path) for path in MODULES}
    assert {"MLP", "Sequential", "Activation"} <= set(by_module["building_blocks.network"])
    assert "GRU" not in by_module["building_blocks.recurrent"]  # a cell: step and backward_step
    actors = {name: classes for name, classes in by_module.items() if name.startswith("actors.") and classes}
    assert not actors, f"actor modules define network classes: {actors}"
