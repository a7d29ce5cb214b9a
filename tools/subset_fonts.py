"""Make the two fonts web mode serves (tui/web/static/fonts/), from Debian's packages.

Run by hand when the catalogs gain characters (tests/test_web_fonts.py says
when): `make fonts`. Needs fonts-dejavu-core and fonts-noto-cjk installed
(apt-get install fonts-dejavu-core fonts-noto-cjk) and fontTools with brotli
(`pip install 'fonttools[woff]'`). The outputs are committed; this script
and the packages are needed only to remake them.

* DejaVu Sans Mono: the terminal font. Kept to the blocks a lesson, a chart
  or a demo's output use (Latin, Greek, arrows, maths, box drawing, blocks,
  braille), about a third of the font.
* DejaVu Sans's braille (the charts' dots), narrowed to DejaVu Sans Mono's
  cell: the mono font has none, and a glyph wider than its cell would
  overlap the next one.
* Noto Sans CJK SC: only the characters the Chinese catalogs, the glossary
  and the web pages use. The full font is 16 MB; a learner's browser
  without a CJK font of its own needs only these few hundred.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tui" / "web" / "static" / "fonts"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # DejaVu Sans Mono has no braille
BRAILLE = (0x2800, 0x28FF)
NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
NOTO_CJK_NAME = "Noto Sans CJK SC"

#: Unicode blocks of the monospace subset (first, last).
MONO_BLOCKS = [
    (0x0020, 0x024F),  # Latin, Latin-1, Latin Extended-A/B
    (0x0370, 0x03FF),  # Greek: α, β, κ, σ in the maths
    (0x2000, 0x20CF),  # punctuation, super/subscripts, currency
    (0x2100, 0x23FF),  # letterlike, arrows, maths operators, technical
    (0x2500, 0x25FF),  # box drawing, block elements, geometric shapes
    (0x2600, 0x27BF),  # symbols and dingbats: ✓ ✗
]

#: Where the Chinese a browser can be shown comes from.
CJK_SOURCES = ["locales/zh_CN/LC_MESSAGES/*.po", "lessons/course/glossary.yaml", "tui/web/*.py"]


def is_cjk(char: str) -> bool:
    """Characters two cells wide that DejaVu Sans Mono lacks: ideographs,
    CJK punctuation, full-width forms. Not “ ” … —, which a terminal gives
    one cell: DejaVu's narrow forms fit it, the CJK font's wide ones do not."""
    code = ord(char)
    return (0x2E80 <= code <= 0x9FFF) or (0xF900 <= code <= 0xFAFF) or (0xFE30 <= code <= 0xFE4F) \
        or (0xFF00 <= code <= 0xFFEF)


def cjk_characters(root: Path = ROOT) -> set[str]:
    text = "".join(path.read_text(encoding="utf-8") for pattern in CJK_SOURCES for path in root.glob(pattern))
    return {char for char in re.sub(r"\s", "", text) if is_cjk(char)}


def narrowed_braille() -> TTFont:
    """DejaVu Sans with its braille glyphs scaled across to the mono advance."""
    font, mono = TTFont(DEJAVU_SANS), TTFont(DEJAVU)
    advance = mono["hmtx"][mono.getBestCmap()[ord("a")]][0]
    cmap, glyf = font.getBestCmap(), font["glyf"]
    for code in range(BRAILLE[0], BRAILLE[1] + 1):
        name = cmap[code]
        width, lsb = font["hmtx"][name]
        scale = advance / width
        glyph = glyf[name]
        if glyph.numberOfContours > 0:
            glyph.coordinates.transform(((scale, 0), (0, 1)))
            glyph.recalcBounds(glyf)
        font["hmtx"][name] = (advance, round(lsb * scale))
    return font


def _subset(font: TTFont, unicodes: set[int], out: Path) -> None:
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]  # keeps the copyright and licence records
    options.notdef_outline = True
    options.hinting = False  # a browser at 16 px draws these fine unhinted, at a fifth less
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    font.flavor = "woff2"
    font.save(out)
    print(f"{out.relative_to(ROOT)}: {out.stat().st_size:,} bytes, {len(unicodes)} code points asked")


def main() -> int:
    for path in (DEJAVU, NOTO_CJK):
        if not path.exists():
            print(f"{path} is missing: apt-get install fonts-dejavu-core fonts-noto-cjk", file=sys.stderr)
            return 1
    OUT.mkdir(parents=True, exist_ok=True)
    mono = {code for first, last in MONO_BLOCKS for code in range(first, last + 1)}
    _subset(TTFont(DEJAVU), mono, OUT / "DejaVuSansMono-subset.woff2")
    _subset(narrowed_braille(), set(range(BRAILLE[0], BRAILLE[1] + 1)), OUT / "DejaVuSans-braille.woff2")
    collection = TTCollection(NOTO_CJK)
    noto = next(font for font in collection.fonts if font["name"].getDebugName(4) == NOTO_CJK_NAME)
    _subset(noto, {ord(char) for char in cjk_characters()}, OUT / "NotoSansCJKsc-subset.woff2")
    return 0


if __name__ == "__main__":
    sys.exit(main())
