"""curriculum.toml against the package: names, hints, specs and lesson prerequisites."""

from __future__ import annotations

from pathlib import Path

import pytest

from grading import manifest
from maintainer.package_graph import LAYERS, import_closure, package_imports

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = manifest.load()


def test_layers_come_in_the_order_of_the_layering_rule():
    assert [layer.name for layer in MANIFEST.layers] == LAYERS


def test_the_manifest_lists_exactly_the_modules_that_hold_exercises(exercises):
    with_exercises = {exercise.module for exercise in exercises}
    assert set(MANIFEST.modules) == with_exercises
    assert len(MANIFEST.modules) == len(set(MANIFEST.modules)), "a module is listed twice"
    for layer in MANIFEST.layers:
        assert all(module.split(".")[0] == layer.name for module in layer.modules)


def test_every_exercise_in_the_package_has_a_manifest_entry_and_every_entry_is_real(exercises):
    in_package = [exercise.name for exercise in exercises]
    missing = sorted(set(in_package) - set(MANIFEST.exercises))
    unknown = sorted(set(MANIFEST.exercises) - set(in_package))
    assert not missing, f"exercises without a manifest entry: {missing}"
    assert not unknown, f"manifest entries that are not exercises: {unknown}"


def test_exercises_are_listed_module_by_module_in_layer_order():
    order = [manifest.module_of(name) for name in MANIFEST.exercises]
    runs = [module for index, module in enumerate(order) if index == 0 or order[index - 1] != module]
    assert runs == [m for m in MANIFEST.modules if m in order], (
        "exercises of a module must stand together, modules in manifest order"
    )


@pytest.mark.parametrize("name", MANIFEST.exercises)
def test_every_exercise_has_at_least_three_distinct_hints(name):
    hints = MANIFEST.hints[name]
    assert len(hints) >= 3, f"{name} has {len(hints)} hints; each exercise needs three levels or more"
    assert all(hint.strip() for hint in hints) and len(set(hints)) == len(hints)


def test_import_closure_follows_imports_transitively():
    # activations imports vector (for require_same_length); nothing else in L0 is needed.
    assert import_closure({"primitives.activations"}) == {"primitives.activations", "primitives.vector"}


@pytest.mark.parametrize("number", sorted(MANIFEST.lessons))
def test_each_lesson_names_its_script_and_real_layers(number):
    lesson = MANIFEST.lessons[number]
    assert lesson.status in ("ready", "building", "planned")
    assert lesson.script.startswith(f"lessons/{number}_")
    assert all(module.split(".")[0] in LAYERS and module.count(".") == 1 for module in lesson.requires)
    if lesson.status in ("ready", "building"):
        assert (ROOT / lesson.script).is_file()


def test_each_ready_lesson_requires_exactly_the_modules_its_script_imports():
    for number, lesson in MANIFEST.lessons.items():
        if lesson.status == "planned":
            continue
        needed = import_closure(package_imports(ROOT / lesson.script))
        with_specs = needed & set(MANIFEST.modules)
        assert set(lesson.requires) == with_specs, (
            f"lesson {number}: missing {sorted(with_specs - set(lesson.requires))}, "
            f"not imported {sorted(set(lesson.requires) - with_specs)}"
        )


def test_a_lesson_has_its_script_exactly_when_it_is_ready_or_being_built():
    # "building": the script exists but the lesson does not reach its outcome yet, so it does
    # not unlock; its requires are checked against the script's imports all the same.
    for number, lesson in MANIFEST.lessons.items():
        has_script = (ROOT / lesson.script).is_file()
        assert has_script == (lesson.status in ("ready", "building")), f"lesson {number}: status {lesson.status}"
