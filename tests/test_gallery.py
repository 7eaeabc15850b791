"""The README's gallery shows every ready lesson from what examples/ holds, as
maintainer/gallery.py writes it."""

from grading import manifest
from maintainer import gallery


def test_the_readme_gallery_is_what_gallery_py_writes_from_examples():
    readme = gallery.README.read_text()
    assert gallery.with_gallery(readme, gallery.render()) == readme, "uv run python maintainer/gallery.py"


def test_the_gallery_shows_every_ready_lessons_animation_and_what_it_shows():
    text = gallery.render()
    for lesson in manifest.load().lessons.values():
        if lesson.status == "ready":
            assert lesson.shows, f"lesson {lesson.number} has no `shows` line in curriculum.toml"
            name = lesson.script.removeprefix("lessons/").removesuffix(".py")
            assert f"examples/{name}/{name}.gif" in text and lesson.shows in text


def test_a_wall_time_reads_in_seconds_then_minutes():
    assert [gallery.duration(s) for s in (2.34, 48.4, 245.0)] == ["2.3 s", "48 s", "4 min 05 s"]


def test_a_result_under_its_bar_says_so():
    result = {"name": "score", "value": 0.72, "bar": 0.8, "higher_is_better": True, "reached": False}
    assert "under the bar" in gallery.result_cell(result) and "≥ 0.8" in gallery.result_cell(result)
