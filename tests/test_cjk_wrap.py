"""Chinese prose wraps like a Chinese textbook, not like one long word."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.text import Text

from tui import cjk_wrap


@pytest.fixture(autouse=True)
def installed():
    cjk_wrap.install()
    yield
    cjk_wrap.uninstall()


def wrap(text: str, width: int) -> list[str]:
    console = Console(width=width, file=open("/dev/null", "w"))
    return [line.plain.rstrip() for line in Text(text).wrap(console, width)]


SENTENCE = "损失的最小可能值是 0（预测完全正确），但真实训练很少能做到：数据中的噪声会留下一部分损失。"


def test_lines_are_filled_not_ragged():
    lines = wrap(SENTENCE, 20)
    from rich.cells import cell_len

    assert all(cell_len(line) <= 20 for line in lines)
    # Every line but the last is nearly full: breaks can fall between any two characters.
    assert all(cell_len(line) >= 17 for line in lines[:-1]), lines


@pytest.mark.parametrize("width", range(8, 40))
def test_no_line_starts_with_closing_or_ends_with_opening_punctuation(width):
    for line in wrap(SENTENCE, width):
        assert line[:1] not in cjk_wrap.CLOSING, (width, line)
        assert line[-1:] not in cjk_wrap.OPENING, (width, line)


def test_latin_words_and_code_stay_whole():
    lines = wrap("使用 AdamW 优化器和 F.cross_entropy 计算交叉熵损失，再调用 clip_grad_norm_ 裁剪梯度。", 18)
    for word in ("AdamW", "F.cross_entropy", "clip_grad_norm_"):
        assert any(word in line for line in lines), lines


def test_english_wrapping_is_unchanged():
    text = "The learning rate scales every step; too large and the loss diverges."
    cjk_wrap.uninstall()
    before = wrap(text, 23)
    cjk_wrap.install()
    assert wrap(text, 23) == before
