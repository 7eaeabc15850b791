"""The classic mistakes, by name (MISTAKES.md): every listed mistake, applied to the reference,
makes its named default spec fail with a message that says the mistake; and MISTAKES.md is the
list's own page."""

import re
from pathlib import Path

from maintainer import mistakes

ROOT = Path(__file__).resolve().parent.parent


def test_every_listed_mistake_fails_its_spec_with_its_message():
    """One pytest run (maintainer/mistakes.py): each named spec passes on the reference, is a
    default spec aimed at the mistake's exercise, and fails on each of its mistakes, saying it."""
    problems = mistakes.problems(mistakes.run())
    assert not problems, "\n".join(problems)


def test_each_actor_and_the_building_blocks_have_their_mistakes():
    entries = mistakes.load()
    per_lesson = {lesson: sum(e["lesson"] == lesson for e in entries) for lesson in mistakes.SECTIONS}
    assert all(per_lesson[lesson] >= 5 for lesson in ("01", "02", "03", "04", "05", "06", "07")), per_lesson
    modules = {e["exercise"].split(".")[1] for e in entries if e["lesson"] == "blocks"}
    assert {"returns", "traces", "dense", "conv", "recurrent", "optimizers"} <= modules


def test_every_patch_applies_once_inside_its_exercise_body():
    for entry in mistakes.load():
        _, text = mistakes.patched_source(entry)
        assert entry["new"] in text


def test_mistakes_md_is_generated_from_the_list():
    assert (ROOT / "MISTAKES.md").read_text() == mistakes.page(), "run: uv run python maintainer/mistakes.py --write"


def test_the_readme_and_every_lesson_link_to_mistakes_md():
    assert "(MISTAKES.md)" in (ROOT / "README.md").read_text()
    for lesson in sorted((ROOT / "lessons").glob("0[1-7]_*.py")):
        docstring = re.match(r'"""(.*?)"""', lesson.read_text(), re.S).group(1)
        assert f"MISTAKES.md, lesson {lesson.name[:2]}" in docstring, lesson.name
