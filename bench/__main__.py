"""`python -m bench [--quick] [--repeat N] [--out PATH]`: measure, then write RESULTS.md."""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

from bench import convmap, heatmap, landscape, measures, report, step_panel, stepmode

#: The measures with a module of their own, each with `measure` and `rows`.
SECTIONS = (landscape, heatmap, convmap, stepmode, step_panel)

DEFAULT_OUT = Path(__file__).resolve().parent / "RESULTS.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="every measurement once, on a few lessons (the smoke test's setting)")
    parser.add_argument("--repeat", type=int, help="rounds per measurement (default 5; figures are medians)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"report file (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    settings = measures.Settings.smallest() if args.quick else measures.Settings()
    if args.repeat:
        settings = replace(settings, repeat=args.repeat)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    samples = measures.new_samples()
    load_before, started = os.getloadavg(), time.monotonic()
    for measure in (*measures.ALL, *(section.measure for section in SECTIONS)):
        measure(settings, samples, log)
    text = report.render(samples, settings, command=_command(args), load_before=load_before,
                         load_after=os.getloadavg(), seconds=time.monotonic() - started,
                         extra=[row for section in SECTIONS for row in section.rows(samples)])
    args.out.write_text(text, encoding="utf-8")
    log(f"wrote {args.out}")
    return 0


def _command(args: argparse.Namespace) -> str:
    if args.quick:
        return "python -m bench --quick"
    return "make bench" if args.repeat is None else f"python -m bench --repeat {args.repeat}"


if __name__ == "__main__":
    sys.exit(main())
