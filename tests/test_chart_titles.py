"""Chart titles and legends fit a width without being cut inside a word, a number or a name."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from lessons.course import catalog
from lessons.charts.titles import ELLIPSIS, shorten, tokens, wrap
from lessons.charts.data import PanelData
from lessons.charts import captions, plain
from tui.i18n import lesson_gettext

WIDTHS = range(12, 82, 3)


def all_titles() -> list[str]:
    zh = lesson_gettext("zh")
    titles = []
    for lesson in catalog.load_all():
        for spec in lesson.charts.values():
            if spec.get("title"):
                titles += [str(spec["title"]), zh(str(spec["title"]))]
    return titles


def whole_tokens(piece: str, title: str) -> bool:
    """Every token of `piece` (less the ellipsis) is a token of `title`: nothing was cut inside one."""
    # A comma before the cut may go ("per step…" for "per step, one curve").
    source = set(tokens(title)) | {token.rstrip(",;:") for token in tokens(title)}
    return all(token in source for token in tokens(piece.replace(ELLIPSIS, " ")) if not token.isspace())


def test_the_lessons_have_titles_in_both_languages():
    titles = all_titles()
    assert len(titles) >= 40 and any(cell_len(t) != len(t) for t in titles)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_shortened_title_is_never_cut_inside_a_number_or_a_name(width):
    for title in all_titles():
        short = shorten(title, width)
        assert cell_len(short) <= width, (title, short)
        if cell_len(tokens(title)[0]) < width:  # else no whole token fits: a hard cut is all there is
            assert whole_tokens(short, title), (title, width, short)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_wrapped_title_keeps_every_token_whole_and_in_order(width):
    for title in all_titles():
        lines = wrap(title, width)
        assert all(cell_len(line) <= width for line in lines)
        longest = max(cell_len(t) for t in tokens(title))
        if longest <= width:
            assert "".join(lines).replace(" ", "") == title.replace(" ", ""), (title, lines)


def test_the_trailing_remark_goes_first_so_the_learning_rate_stays():
    title = "w per step at lr = 1e-4 (the target is w = 5)"
    assert shorten(title, 30) == "w per step at lr = 1e-4 …"
    assert shorten("每一步的 w，lr = 1e-4（目标是 w = 5）", 23) == "每一步的 w，lr = 1e-4 …"
    # A number is never split: "1e-" or "1e-4" half-shown would mislead.
    for width in range(12, 30):
        assert "1e-" not in shorten(title, width) or "1e-4" in shorten(title, width)


def test_the_cut_falls_between_chinese_characters_never_inside_latin():
    title = "每一步的损失 (w - 5)^2，每个学习率一条曲线"
    for width in range(6, 40):
        assert whole_tokens(shorten(title, width), title)
    assert shorten(title, 13).endswith(ELLIPSIS)


def sweep(names) -> PanelData:
    panel = PanelData()
    for i, name in enumerate(names):
        panel.add_points(name, [0, 1, 2], [3.0 + i, 2.0 + i, 1.0 + i])
    return panel


@pytest.mark.parametrize("width", range(20, 80, 4))
def test_the_keys_line_drops_whole_entries_never_half_a_learning_rate(width):
    names = ["LR=0.01", "LR=0.1", "LR=0.5", "LR=0.9", "LR=1.0", "LR=1.1"]
    keys = plain(captions({"x": "step", "y": "loss"}, sweep(names), width).keys)
    assert cell_len(keys) <= width
    keys = keys.split("x: ")[0]  # a legend line that holds every key goes on with the axis names
    shown = keys.replace("⣿", " ").replace(ELLIPSIS, " ").split()
    assert shown and all(token in names for token in shown), keys


@pytest.mark.parametrize("width", range(10, 60))
def test_an_equation_is_never_broken_at_its_operator(width):
    for title in ("w per step at lr = 1e-4 (the target is w = 5)", "Loss (w - 5)^2 per step, one curve per learning rate"):
        lines = wrap(title, width)
        for line in lines:
            words = line.split()
            assert words[0] not in ("=", "-") and words[-1] not in ("=", "-"), (width, lines)
        if "lr" in title:
            assert any("lr = 1e-4" in line for line in lines), (width, lines)
