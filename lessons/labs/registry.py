"""The five homework labs: what a learner starts from, hints, solution, limits.

A lab is a homework page (`lessons/labs/pages/8.hwN.md`) whose starting code is
a ```` ```python lab ```` block, followed by ```` ```hint ```` blocks and one
```` ```python solution ```` block (FORMAT.md). The page is the single source:
the starter the learner edits is that block's text (comments in the learner's
language), and its check is the module beside it (`hwN.py`, found by the id).

The solution block holds only what changes: the completed functions and the
assignments to set. `apply_solution` puts them into the starter, replacing
the top-level definitions of the same names, so the solution shown is short
and the full solved file exists for the tests without a second copy.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from lessons.course import catalog
from lessons.course.catalog import Block, Gettext, Lesson

__all__ = ["LAB_IDS", "Lab", "apply_solution", "get", "is_lab", "lab_filename"]

LAB_IDS: tuple[str, ...] = tuple(lesson_id for lesson_id in catalog.LESSON_IDS if lesson_id.startswith("8.hw"))


def is_lab(lesson_id: str) -> bool:
    return lesson_id in LAB_IDS


def lab_filename(lab_id: str) -> str:
    """The workspace file's name, which tracebacks also show: `8.hw1.py`."""
    return f"{lab_id}.py"


@dataclass(frozen=True)
class Lab:
    lesson: Lesson

    @property
    def id(self) -> str:
        return self.lesson.id

    @property
    def starter_block(self) -> Block:
        block = self.lesson.lab_block
        if block is None:
            raise catalog.LessonError(f"{self.id}: a lab needs a `python lab` block")
        return block

    def starter(self, gettext: Gettext) -> str:
        """The starting code, its comments in gettext's language."""
        return self.starter_block.localized(gettext)

    @property
    def hints(self) -> tuple[Block, ...]:
        return self.lesson.hints

    def solution_pieces(self, gettext: Gettext) -> str:
        block = self.lesson.solution
        if block is None:
            raise catalog.LessonError(f"{self.id}: a lab needs a `python solution` block")
        return block.localized(gettext)

    def solution(self, gettext: Gettext) -> str:
        """The whole solved file: the starter with the solution's pieces put in."""
        return apply_solution(self.starter(gettext), self.solution_pieces(gettext))


def get(lab_id: str) -> Lab:
    if not is_lab(lab_id):
        raise catalog.UnknownLesson(lab_id)
    return Lab(catalog.load(lab_id))


def _names(node: ast.stmt) -> tuple[str, ...]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return (node.name,)
    if isinstance(node, ast.Assign):
        return tuple(target.id for target in node.targets if isinstance(target, ast.Name))
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return (node.target.id,)
    return ()


def _spans(code: str, with_comments: bool) -> list[tuple[tuple[str, ...], int, int]]:
    """(names, first line, last line) of each top-level statement, 1-based.

    A statement's span starts at its decorators; `with_comments` also takes
    in the comment lines right above it (a solution piece's explanation).
    """
    tree = ast.parse(code)
    lines = code.splitlines()
    spans = []
    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        while with_comments and start > 1 and lines[start - 2].lstrip().startswith("#"):
            start -= 1
        spans.append((_names(node), start, node.end_lineno or node.lineno))
    return spans


def apply_solution(starter: str, pieces: str) -> str:
    """`starter` with each top-level definition or assignment in `pieces`
    replacing the starter's of the same name (ValueError if it has none)."""
    starter_lines = starter.splitlines(keepends=True)
    piece_lines = pieces.splitlines(keepends=True)
    by_name = {}
    for names, start, end in _spans(starter, with_comments=False):
        for name in names:
            by_name[name] = (start, end)
    replacements = []
    for names, start, end in _spans(pieces, with_comments=True):
        if not names or names[0] not in by_name:
            raise ValueError(f"the solution's {names or 'statement'} at line {start} replaces nothing in the starter")
        old_start, old_end = by_name[names[0]]
        new = "".join(piece_lines[start - 1:end])
        if not new.endswith("\n"):
            new += "\n"
        replacements.append((old_start, old_end, new))
    for old_start, old_end, new in sorted(replacements, reverse=True):
        starter_lines[old_start - 1:old_end] = [new]
    return "".join(starter_lines)
