"""The fonts web mode serves (tui/web/static/fonts): every character the
Chinese catalogs use is in the CJK subset, the glyphs the UI draws are in
the monospace one, and the braille fits the mono cell."""

from __future__ import annotations

from pathlib import Path

import pytest

fontTools = pytest.importorskip("fontTools.ttLib", reason="fonttools is in the test extras")

from tools.subset_fonts import BRAILLE, cjk_characters  # noqa: E402 (needs fontTools)
from tui.dialogs.palette import SEARCH_GLYPH  # noqa: E402
FONTS = Path(__file__).resolve().parent.parent / "tui" / "web" / "static" / "fonts"


def cmap(name: str) -> dict[int, str]:
    return fontTools.TTFont(FONTS / name).getBestCmap()


def test_every_chinese_character_of_the_catalogs_is_in_the_served_font():
    served = cmap("NotoSansCJKsc-subset.woff2")
    missing = sorted(char for char in cjk_characters() if ord(char) not in served)
    assert not missing, f"the CJK subset lacks {''.join(missing)}: run `make fonts` (see its README)"


def test_the_glyphs_the_ui_draws_are_in_the_monospace_font():
    mono = cmap("DejaVuSansMono-subset.woff2")
    drawn = SEARCH_GLYPH + "│─┌┐└┘├┤┬┴┼━▁▂▃▄▅▆▇█░▒▓←→↑↓⇄✓✗…—“”×·αβκσ"
    assert not [char for char in drawn if ord(char) not in mono]


def test_the_braille_of_the_charts_fits_the_mono_cell():
    braille = fontTools.TTFont(FONTS / "DejaVuSans-braille.woff2")
    mono = fontTools.TTFont(FONTS / "DejaVuSansMono-subset.woff2")
    cell = mono["hmtx"][mono.getBestCmap()[ord("a")]][0]
    glyphs = braille.getBestCmap()
    assert set(range(BRAILLE[0], BRAILLE[1] + 1)) <= set(glyphs)
    assert {braille["hmtx"][glyphs[code]][0] for code in range(BRAILLE[0], BRAILLE[1] + 1)} == {cell}


def test_the_fonts_are_small_and_their_licences_are_beside_them():
    sizes = {path.name: path.stat().st_size for path in FONTS.glob("*.woff2")}
    assert len(sizes) == 3 and sum(sizes.values()) < 400_000, sizes
    for licence in ("LICENSE-DejaVu.txt", "LICENSE-NotoSansCJK.txt"):
        assert (FONTS / licence).stat().st_size > 1000
