"""Keep wide (CJK) characters whole where one widget is drawn over another.

Textual's compositor cuts every screen line at each edge of every widget on
it, then lets the front-most widget fill each piece. A toast floating over the
lesson is therefore cut at the edges of the text, scrollbar and side panel
beneath it, and Rich's Segment.divide turns a wide character that straddles
a cut into two spaces: "配色：浅色（按 T 切换到下一种）" showed as "…切换到下  种）"
at 120×40, in a terminal and in the browser alike (Textual issue #6357, open
in the 8.x line this app uses).

The pieces that one widget wins next to each other need no cut between them:
here the front-most widget's line is cut only where it meets a piece another
widget already holds, each run of its pieces gets its text in one strip, and
the other pieces of the run get an empty strip, so that no widget behind can
claim them. A character can still be halved where the front widget's own
edge falls on it, which a terminal cannot draw otherwise either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip

_ORIGINAL = Compositor._render_chops
_EMPTY = Strip([], 0)


def _render_chops(self: Compositor, crop: Region,
                  is_rendered_line: Callable[[int], bool]) -> Sequence[Mapping[int, Strip]]:
    cuts = self.cuts
    chops: list[dict[int, Strip | None]] = [dict.fromkeys(line_cuts[:-1]) for line_cuts in cuts]
    # Front to back: the first strip to fill a piece wins it.
    for region, clip, strips in self._get_renders(crop):
        render_region = region.intersection(clip)
        render_x = render_region.x
        first_cut, last_cut = render_region.column_span
        for y, strip in zip(render_region.line_range, strips):
            if not is_rendered_line(y):
                continue
            line = chops[y]
            pieces = [cut for cut in cuts[y] if first_cut <= cut <= last_cut]
            if len(pieces) < 2:
                continue
            free = [line.get(cut) is None for cut in pieces[:-1]]
            # Cut where a free piece meets a taken one, and around taken ones.
            kept = [0] + [i for i in range(1, len(free)) if not (free[i] and free[i - 1])]
            bounds = [pieces[i] for i in kept] + [pieces[-1]]
            for i, start, part in zip(kept, bounds, strip.divide([b - render_x for b in bounds[1:]])):
                if not free[i]:
                    continue
                line[start] = part
                for j in range(i + 1, len(free)):
                    if not free[j]:
                        break
                    line[pieces[j]] = _EMPTY
    return chops


def install() -> None:
    """Use the whole-character composition; idempotent."""
    Compositor._render_chops = _render_chops


def uninstall() -> None:
    Compositor._render_chops = _ORIGINAL
