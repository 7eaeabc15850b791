"""Reading curriculum.toml: the order of layers, modules and exercises, hints, and lessons."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "curriculum.toml"


@dataclass(frozen=True)
class Layer:
    name: str  # "primitives"
    title: str  # "L0 · primitives"
    summary: str
    modules: tuple[str, ...]  # dotted: ("primitives.scalar", ...)


@dataclass(frozen=True)
class Lesson:
    number: str  # "01"
    title: str
    paper: str
    script: str  # "lessons/01_bellman.py"
    status: str  # "ready", "building" (script exists, outcome not reached yet) or "planned"
    requires: tuple[str, ...]  # dotted module names
    shows: str = ""  # one line: what the lesson's animation shows (the README's gallery)


@dataclass(frozen=True)
class Manifest:
    layers: tuple[Layer, ...]
    hints: dict[str, tuple[str, ...]]  # exercise name -> hints, in course order
    lessons: dict[str, Lesson]

    @property
    def modules(self) -> list[str]:
        return [module for layer in self.layers for module in layer.modules]

    @property
    def exercises(self) -> list[str]:
        return list(self.hints)

    def exercises_of(self, module: str) -> list[str]:
        return [name for name in self.hints if module_of(name) == module]


def module_of(exercise: str) -> str:
    """'primitives.random.Rng.normal' -> 'primitives.random': a module sits one level inside its layer."""
    return ".".join(exercise.split(".")[:2])


def load(path: Path = MANIFEST) -> Manifest:
    with open(path, "rb") as file:
        data = tomllib.load(file)
    layers = tuple(
        Layer(
            name=layer["name"],
            title=layer["title"],
            summary=layer["summary"],
            modules=tuple(f"{layer['name']}.{module}" for module in layer["modules"]),
        )
        for layer in data["layers"]
    )
    hints = {name: tuple(entry["hints"]) for name, entry in data.get("exercises", {}).items()}
    lessons = {
        number: Lesson(number=number, requires=tuple(entry.pop("requires")), **entry)
        for number, entry in data.get("lessons", {}).items()
    }
    return Manifest(layers=layers, hints=hints, lessons=lessons)
