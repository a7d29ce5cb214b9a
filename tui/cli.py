"""The `gradtour` command.

Everything heavy is imported inside the branch that needs it: `list` and
`show` never load Textual or torch, and the TUI never loads torch (demos run
in a worker process).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from lessons.course import catalog
from lessons.course.i18n import LANGUAGES, language_from_environment, normalize, usable_language
from tui import __version__
from tui.i18n import N_, _, lesson_gettext, set_language
from tui.serve import DEFAULT_HOST, DEFAULT_IDLE_MINUTES, DEFAULT_PORT

EXIT_USAGE = 2

MSG_UNKNOWN_LESSON = N_("unknown lesson {lesson!r}; `gradtour list` shows the lesson ids")
MSG_STATE_DAMAGED = N_("your saved progress file was damaged and has been kept as {path}; starting fresh")
MSG_CATALOG = N_("Chinese translations are unavailable ({reason}); showing English")
MSG_NOT_A_TERMINAL = N_(
    "gradtour draws an interactive tutorial and needs a terminal.\n"
    "Without one, try:\n"
    "  gradtour list            the lessons\n"
    "  gradtour show 8.1        a lesson as plain text\n"
    "  gradtour run 8.3         run a lesson's demos"
)


class Parser(argparse.ArgumentParser):
    def _get_values(self, action, arg_strings):
        # Python 3.11's argparse drops the "--" of `--opt=--` and gives the
        # option an empty list, unchecked by its type and choices: `--lang=--`
        # was taken, `serve --host=--` ended in a traceback. It is a value.
        if arg_strings == ["--"] and action.option_strings and action.nargs is None:
            value = self._get_value(action, "--")
            self._check_value(action, value)
            return value
        return super()._get_values(action, arg_strings)

    def error(self, message: str):  # one line and exit 2, never a traceback
        # argparse echoes the arguments as they are: an escape code among them would act on the terminal.
        from lessons.demos.params import printable  # not at the top: every launch would import it (~5 ms)

        self.exit(EXIT_USAGE, _("%(prog)s: error: %(message)s\n") % {"prog": self.prog, "message": printable(message)})


def _lesson_id(value: str) -> str:
    if value not in catalog.LESSON_IDS:
        raise argparse.ArgumentTypeError(_(MSG_UNKNOWN_LESSON).format(lesson=value))
    return value


def _port(value: str) -> int:
    # ASCII digits only: isdigit() also takes "٣" (int() reads it as 3) and "²" (int() refuses it).
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(_("not a port number (1-65535): {value}").format(value=value))
    return int(value)


def _positive_int(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise argparse.ArgumentTypeError(_("not a whole number of at least 1: {value}").format(value=value))
    return int(value)


def _minutes(value: str) -> float:
    try:
        minutes = float(value) if value.isascii() else -1.0
    except ValueError:
        minutes = -1.0
    if not 0 <= minutes <= 10_000:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(_("not a number of minutes (0-10000): {value}").format(value=value))
    return minutes


def _add_common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--lang", choices=LANGUAGES, default=default,
                        help=_("language of the lessons and the interface"))
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default=argparse.SUPPRESS if suppress else "auto",
                        help=_("where demos run (default: auto, CUDA when available)"))


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="gradtour", description=_("Chapter 8, Gradient and Optimizer: a live tutorial in your terminal."))
    parser.add_argument("--version", action="version", version=f"gradtour {__version__}")
    parser.add_argument("--lesson", type=_lesson_id, help=_("start at this lesson (e.g. 8.3)"))
    parser.add_argument("--no-mouse", action="store_true", help=_("ignore the mouse (for terminals that garble mouse reports)"))
    _add_common(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", metavar=_("command"), parser_class=Parser)
    listing = commands.add_parser("list", help=_("lesson ids and titles, one per line"))
    _add_common(listing, suppress=True)
    show = commands.add_parser("show", help=_("a lesson as plain text"))
    show.add_argument("lesson_id", metavar="ID", type=_lesson_id)
    _add_common(show, suppress=True)
    run = commands.add_parser("run", help=_("run a lesson's demos without the interface"))
    run.add_argument("lesson_id", metavar="ID", type=_lesson_id)
    run.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE",
                     help=_("change a demo parameter (repeatable)"))
    run.add_argument("--steps", type=_positive_int, metavar="N",
                     help=_("stop every optimizer after N steps and print its state at each"))
    run.add_argument("--json", action="store_true", help=_("one JSON event per line"))
    _add_common(run, suppress=True)
    check = commands.add_parser("check", help=_("check a lab's code; exit status 0 when it passes"))
    check.add_argument("lesson_id", metavar="ID", type=_lesson_id)
    check.add_argument("file", metavar="FILE", nargs="?",
                       help=_("the file to check (default: the lab's file in your workspace)"))
    check.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS,
                       help=_("language of the lessons and the interface"))
    serve = commands.add_parser("serve", help=_("the tutorial in a web browser, behind a secret link"))
    serve.add_argument("--host", default=DEFAULT_HOST,
                       help=_("address to listen on (default: %(default)s, this computer only)"))
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, help=_("port to listen on (default: %(default)s)"))
    serve.add_argument("--token",
                       help=_("the secret the link carries (default: GRADTOUR_SERVE_TOKEN, else a random one)"))
    serve.add_argument("--max-sessions", type=_positive_int, metavar="N",
                       help=_("most tabs at once (default: what half the free memory holds)"))
    serve.add_argument("--idle-timeout", type=_minutes, metavar="MINUTES", default=DEFAULT_IDLE_MINUTES,
                       help=_("close a tab after this many minutes without a key; 0: never (default: %(default)g)"))
    _add_common(serve, suppress=True)
    return parser


def _flag_language(argv: Sequence[str]) -> str | None:
    """--lang read before parsing, so that parse errors are already translated."""
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def choose_language(flag: str | None, saved: str | None) -> str:
    if flag in LANGUAGES:
        return flag
    if flag is not None:
        return "en"  # the language itself is the problem: say so in English
    return saved or language_from_environment()


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        # ^C typed while gradtour starts, before the app owns the keyboard
        # (Python and Textual still loading), printed a traceback.
        return 128 + signal.SIGINT


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from tui.state import load_state  # cheap: json + dataclasses

    state, damaged = load_state()
    lang, catalog_problem = usable_language(choose_language(_flag_language(argv), state.lang))
    set_language(lang)
    from tui.argparse_messages import install_argparse_translation

    install_argparse_translation()
    args = build_parser().parse_args(argv)

    notices = []
    if damaged is not None:
        notices.append(_(MSG_STATE_DAMAGED).format(path=damaged.kept_as or damaged.path))
    if catalog_problem is not None:
        notices.append(_(MSG_CATALOG).format(reason=catalog_problem))

    if args.command is None:
        from tui import terminal_env

        if terminal_env.cannot_draw(sys.stdin, sys.stdout, os.environ):
            print(_(MSG_NOT_A_TERMINAL), file=sys.stderr)
            return EXIT_USAGE
        colour_system = terminal_env.prepare()  # before Textual is imported
        from tui.app import GradTour

        explicit_lang = normalize(_flag_language(argv))
        app = GradTour(state=state, lang=lang, lang_is_explicit=explicit_lang is not None,
                       lesson=args.lesson, device=args.device, notices=notices, mouse=not args.no_mouse,
                       colour_system=colour_system)
        from tui.controllers import lifecycle

        lifecycle.install_early(app)
        app.run(mouse=not args.no_mouse)
        return app.return_code or 0

    for notice in notices:
        print(notice, file=sys.stderr)
    if args.command == "list":
        return _list()
    if args.command == "show":
        return _show(args.lesson_id)
    if args.command == "serve":
        from tui.serve import serve

        chosen = lang if normalize(_flag_language(argv)) else None  # else each tab chooses as `gradtour` does
        return serve(args.host, args.port, lang=chosen, page_lang=lang, device=args.device, token=args.token,
                     max_sessions=args.max_sessions, idle_minutes=args.idle_timeout)
    if args.command == "check":
        from lessons.labs.headless import check_command

        return check_command(args.lesson_id, args.file, gettext_ui=_, gettext_lessons=lesson_gettext(),
                             out=sys.stdout)
    if args.command == "run":
        from lessons.demos.headless import run_command

        return run_command(args.lesson_id, args.sets, as_json=args.json, device=args.device,
                           gettext_ui=_, gettext_lessons=lesson_gettext(), out=sys.stdout, steps=args.steps)
    raise AssertionError(args.command)


def _list() -> int:
    gettext = lesson_gettext()
    for lesson in catalog.load_all():
        print(f"{lesson.id}\t{gettext(lesson.title)}")
    return 0


def _show(lesson_id: str) -> int:
    import io
    import shutil

    from rich.console import Console

    from tui import cjk_wrap
    from tui.widgets.render import localized_renderable

    cjk_wrap.install()
    lesson = catalog.load(lesson_id)
    gettext = lesson_gettext()
    terminal = sys.stdout.isatty()
    width = min(shutil.get_terminal_size().columns, 100) if terminal else 80
    # Rendered into a buffer, then printed: when piped, the text carries no
    # escape codes and no padding spaces at line ends (screen readers, grep).
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=terminal, highlight=False,
                      color_system="auto" if terminal else None)
    total = len(catalog.LESSON_IDS)
    console.print(f"{lesson.id} · {gettext(lesson.title)}  ({lesson.index + 1} / {total})", style="bold")
    for block in lesson.blocks:
        if block.hidden:  # a lab's hints and solution: revealed in the app, on request
            continue
        console.print()
        if block.kind == "code" and not terminal:
            # Piped code is indented (told apart from prose, as in plain-text
            # mail and docs) but never wrapped, so it stays copyable.
            code = block.localized(gettext).rstrip("\n")
            console.out("\n".join("    " + line if line else "" for line in code.splitlines()), highlight=False)
        else:
            console.print(localized_renderable(block, gettext))
    text = buffer.getvalue()
    if not terminal:
        text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
