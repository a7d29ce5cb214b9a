"""`gradtour check ID [FILE]`: check a lab's file without the TUI.

FILE defaults to the lab's workspace file (lessons/labs/workspace.py), the
one the app edits and watches; when that does not exist yet it is created
with the starting code, so that a learner has a file to open. The code runs
exactly as in the app: in a limited child process, then its check
(lessons/labs/sandbox.py).

Exit status: 0 passed, 1 not passed (a failed check, an error in the code,
a limit reached), 2 a usage problem (not a lab, FILE unreadable), 130
interrupted.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from lessons.labs import workspace as lab_workspace
from lessons import labs
from lessons.course.catalog import Gettext
from lessons.demos.headless import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from lessons.course.i18n import N_
from lessons.labs.checks import localize

__all__ = ["check_command"]

E_NOT_A_LAB = N_("{lesson} is not a lab; the labs are {labs}")
E_NO_FILE = N_("cannot read {path}: {reason}")
MSG_CREATED = N_("{path} did not exist: it now holds the starting code. Edit it, then run this again.")
MSG_CHECKING = N_("Checking {path} for {lesson} …")
MSG_ERROR_AT = N_("line {line} of {file}:")
MSG_PASSED = N_("✓ Passed: {title}")
MSG_NOT_PASSED = N_("✗ Not passed yet: {title}")
MSG_NO_VERDICT = N_("The check did not run: your code stopped before its end.")


def check_command(lab_id: str, file: str | None, *, gettext_ui: Gettext, gettext_lessons: Gettext,
                  out: TextIO, err: TextIO | None = None) -> int:
    err = err if err is not None else sys.stderr
    if not labs.is_lab(lab_id):
        print(gettext_ui(E_NOT_A_LAB).format(lesson=lab_id, labs=", ".join(labs.LAB_IDS)), file=err)
        return EXIT_USAGE
    lab = labs.get(lab_id)
    path = Path(file) if file else lab_workspace.lab_path(lab_id)
    shown = lab_workspace.display_path(path)
    try:
        code = lab_workspace.read(path)
        if code is None and file is None:
            lab_workspace.write(path, lab.starter(gettext_lessons))
            print(gettext_ui(MSG_CREATED).format(path=shown), file=err)
            code = lab_workspace.read(path)
        if code is None:
            raise FileNotFoundError(2, "No such file or directory")
    except (OSError, ValueError) as exc:  # ValueError: a path Python cannot pass to the OS
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        print(gettext_ui(E_NO_FILE).format(path=shown, reason=reason), file=err)
        return EXIT_USAGE
    print(gettext_ui(MSG_CHECKING).format(path=shown, lesson=lab_id), file=err)
    printer = _Printer(gettext_ui, out, err, path.name)
    from lessons.labs.sandbox import run_sandboxed

    try:
        status = run_sandboxed(lab_id, code, printer.emit, filename=path.name)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    if status == "stopped":
        return EXIT_INTERRUPTED
    title = gettext_lessons(lab.lesson.title)
    if printer.verdict is None:
        print(gettext_ui(MSG_NO_VERDICT), file=out)
    passed = bool(printer.verdict and printer.verdict.get("passed"))
    print(gettext_ui(MSG_PASSED if passed else MSG_NOT_PASSED).format(title=title), file=out)
    out.flush()
    return EXIT_OK if passed else EXIT_ERROR


class _Printer:
    def __init__(self, gettext: Gettext, out: TextIO, err: TextIO, filename: str) -> None:
        self.gettext = gettext
        self.out = out
        self.err = err
        self.filename = filename
        self.verdict: dict | None = None

    def emit(self, event: dict) -> None:
        kind = event.get("event")
        if kind == "out":
            print(event["text"], file=self.out if event.get("stream") == "stdout" else self.err, flush=True)
        elif kind == "notice":
            print(localize(event, self.gettext), file=self.out, flush=True)
        elif kind == "error":
            self.out.flush()
            if event.get("line") is not None:
                print(self.gettext(MSG_ERROR_AT).format(line=event["line"], file=self.filename), file=self.err)
            for line in event.get("traceback") or ():
                print(line, file=self.err)
            text = localize(event, self.gettext) if event.get("template") else str(event.get("message", ""))
            print(text, file=self.err, flush=True)
        elif kind == "check":
            self.verdict = event
            for finding in event.get("findings", ()):
                mark = "✓" if finding.get("ok") else "✗"
                print(f"{mark} {localize(finding, self.gettext)}", file=self.out)
                if finding.get("hint"):
                    print(f"  {localize(finding['hint'], self.gettext)}", file=self.out)
            self.out.flush()
