"""The launch floor: gradtour's first screen drawn with the same libraries
and none of gradtour's own code.

A Textual app that reads lesson 8.1, parses its front matter (PyYAML) and
splits its body (markdown-it), as any loader of this lesson format must,
and draws the opening of its text with rich's Markdown in one Static. What
it costs over the bare app (bench/bare_app.py) is what the libraries cost,
whatever gradtour does; RESULTS.md reports it next to the launch figure.
"""

from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from rich.markdown import Markdown
from textual.app import App, ComposeResult
from textual.widgets import Static

LESSON = Path(__file__).resolve().parent.parent / "lessons" / "course" / "content" / "8.1.md"
#: Source lines drawn: more than a 40-row screen shows.
FIRST_SCREEN = 60


class Floor(App):
    def compose(self) -> ComposeResult:
        _, front, body = LESSON.read_text(encoding="utf-8").split("---\n", 2)
        yaml.load(front, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        MarkdownIt("commonmark").enable("table").parse(body)
        opening = "\n".join(body.splitlines()[:FIRST_SCREEN]).split("```")[0]
        yield Static(Markdown(opening))


if __name__ == "__main__":
    Floor().run()
