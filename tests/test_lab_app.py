"""The labs in the TUI, driven with Pilot: the editor, its file, checks, hints,
the solution, starting over, progress kept, and another editor's saves.

The checks run in the real worker (PyTorch on the CPU), as for a learner.
"""

from __future__ import annotations

import json

from textual.widgets import OptionList

from lessons.course import catalog
from lessons.labs import workspace as lab_workspace
from lessons import labs
from tests.helpers import CJK, wait_until
from tests.test_app import make_app, visible_text
from tui.dialogs import ContentsDialog
from tui.dialogs.confirm import ConfirmDialog
from tui.widgets.lab_editor import LabEditor
from tui.state import LabProgress, lab_progress, load_state, state_path

LONG = 90  # seconds: the first check waits for torch to import


def said(app) -> str:
    from lessons.labs.checks import localize
    from tui.i18n import _

    panel = app.labs.panel
    return localize(panel.said.text, _) if panel and panel.said else ""


async def check_and_wait(app, pilot, key="c"):
    await pilot.press(key)
    await wait_until(pilot, lambda: "checking" not in said(app) and not app.demos.running, LONG)
    return said(app)


def workspace(monkeypatch, tmp_path):
    monkeypatch.setenv(lab_workspace.DIR_ENV, str(tmp_path / "labs"))
    return tmp_path / "labs"


async def test_the_lab_page_holds_an_editor_on_its_file(monkeypatch, tmp_path):
    folder = workspace(monkeypatch, tmp_path)
    app = make_app(lesson="8.hw1")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        path = folder / "8.hw1.py"
        starter = labs.get("8.hw1").starter(str)
        assert path.read_text() == starter == app.labs.panel.editor.text
        view = app.lesson_screen.lesson_view
        hidden = [v for v in view.query("BlockView") if v.block.role in ("lab", "solution") or v.block.kind == "hint"]
        assert hidden and all(not v.display or v.styles.display == "none" for v in hidden)
        footer = visible_text(app).splitlines()[-1]
        assert "check" in footer and "hint" in footer and "export" not in footer and "edit" not in footer

        # In the editor, keys are text: not the lesson's, not even the arrows.
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.focused, LabEditor) and app.labs.editing
        await pilot.press("home", "q", "n", "l", "p", "right", "left", "t")
        await pilot.pause()
        assert app.lesson_id == "8.hw1" and app.labs.panel.editor.text.startswith("qnlpt")
        assert not app.lesson_screen.demo_pane.display
        await pilot.pause(0.6)  # the edit is written shortly after the last key
        assert path.read_text().startswith("qnlpt")
        assert lab_progress(app.state, "8.hw1").code.startswith("qnlpt")
        await pilot.press("escape")
        await pilot.pause()
        assert not app.labs.editing and app.lesson_screen.demo_pane.display
        await pilot.press("n")
        assert app.lesson_id == "8.hw2"


async def test_check_fail_then_pass_then_solution_and_contents_tick(monkeypatch, tmp_path):
    workspace(monkeypatch, tmp_path)
    app = make_app(lesson="8.hw1")
    solution = labs.get("8.hw1").solution(str)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        editor = app.labs.panel.editor
        editor.load_text(solution.replace("** 2).mean()", "** 2).sum()"))
        message = await check_and_wait(app, pilot)
        assert "my_mse gives" in message and "F.mse_loss gives" in message
        assert "not the sum" in localize_detail(app)
        assert not lab_progress(app.state, "8.hw1").passed

        # Asking for the solution before a pass needs a yes; "no" shows nothing.
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert not app.labs.panel.solution_shown

        editor.load_text(solution)
        message = await check_and_wait(app, pilot)
        assert message.startswith("✓ Passed")
        assert lab_progress(app.state, "8.hw1").passed
        assert "✓ passed" in visible_text(app) or app.labs.panel.passed
        await pilot.press("a")  # after a pass: no question
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog) and app.labs.panel.solution_shown

        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, ContentsDialog)
        options = app.screen.query_one(OptionList)
        prompts = {options.get_option_at_index(i).id: str(options.get_option_at_index(i).prompt)
                   for i in range(options.option_count)}
        assert prompts["8.hw1"].endswith("✓") and not prompts["8.hw2"].endswith("✓")
        await pilot.press("escape")
    saved = json.loads(state_path().read_text())
    assert saved["labs"]["8.hw1"]["passed"] is True and saved["labs"]["8.hw1"]["solution"] is True


def localize_detail(app) -> str:
    from lessons.labs.checks import localize
    from tui.i18n import _

    detail = app.labs.panel.said.detail
    return localize(detail, _) if detail else ""


async def test_another_editors_save_is_loaded_and_checked(monkeypatch, tmp_path):
    folder = workspace(monkeypatch, tmp_path)
    app = make_app(lesson="8.hw5")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        path = folder / "8.hw5.py"
        solution = labs.get("8.hw5").solution(str)
        lab_workspace.write(path, solution)  # as vim in another pane would
        await wait_until(pilot, lambda: app.labs.panel.editor.text == solution, timeout=5)
        await wait_until(pilot, lambda: said(app).startswith("✓ Passed"), LONG)
        assert lab_progress(app.state, "8.hw5").passed


async def test_a_runaway_lab_is_stopped_and_the_app_goes_on(monkeypatch, tmp_path):
    workspace(monkeypatch, tmp_path)
    monkeypatch.setenv("GRADTOUR_LAB_LIMITS", "cpu=1,wall=20")
    app = make_app(lesson="8.hw3")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        editor = app.labs.panel.editor
        editor.load_text("import torch\n\nwhile True:\n    pass\n")
        message = await check_and_wait(app, pilot)
        assert message.startswith("✗ Line 3") and "CPU time" in message
        editor.load_text("import torch\nprint(torch.ones(2) @ torch.ones(3))\n")
        message = await check_and_wait(app, pilot, key="r")
        assert message.startswith("✗ Line 2")
        editor.load_text("import time\nprint('waiting', flush=True)\ntime.sleep(60)\n")
        await pilot.press("r")
        await wait_until(pilot, lambda: any("waiting" == line for line in app.demos.records["8.hw3"].lines),
                         LONG)
        await pilot.press("s")
        await wait_until(pilot, lambda: not app.demos.running, timeout=5)
        assert said(app) == "Stopped."
        editor.load_text(labs.get("8.hw3").solution(str))
        assert (await check_and_wait(app, pilot)).startswith("✓ Passed")


async def test_hints_reset_and_resume(monkeypatch, tmp_path):
    folder = workspace(monkeypatch, tmp_path)
    app = make_app(lesson="8.hw3")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        total = len(labs.get("8.hw3").hints)
        await pilot.press("h")
        await pilot.pause()
        assert said(app).startswith(f"Hint 1 of {total}") and "make_optimizer" in said(app)
        for _ in range(total + 1):
            await pilot.press("h")
        await pilot.pause()
        assert lab_progress(app.state, "8.hw3").hints == total
        assert app.labs.panel.hints_shown == total

        app.labs.panel.editor.load_text("# my own attempt\n")
        await pilot.pause(0.6)
        assert (folder / "8.hw3.py").read_text() == "# my own attempt\n"
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert app.labs.panel.editor.text == "# my own attempt\n"
        await pilot.press("R")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        starter = labs.get("8.hw3").starter(str)
        assert app.labs.panel.editor.text == starter == (folder / "8.hw3.py").read_text()
        app.labs.panel.editor.load_text(starter + "# resumed\n")
        await pilot.press("n")  # leaving the lesson writes the edit at once
        await pilot.pause()
    assert (folder / "8.hw3.py").read_text().endswith("# resumed\n")

    state, problem = load_state()
    assert problem is None
    assert lab_progress(state, "8.hw3") == LabProgress(hints=total, code=starter + "# resumed\n")
    resumed = make_app(state=state, lesson="8.hw3", lang="zh")
    async with resumed.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = resumed.labs.panel
        assert panel.editor.text.endswith("# resumed\n") and panel.hints_shown == total
        assert CJK.search(visible_text(resumed))


async def test_a_missing_file_is_restored_from_saved_progress(monkeypatch, tmp_path):
    folder = workspace(monkeypatch, tmp_path)
    from tui.state import State, set_lab_progress

    state = State()
    set_lab_progress(state, "8.hw2", LabProgress(code="# kept in the state\n"))
    app = make_app(state=state, lesson="8.hw2")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.labs.panel.editor.text == "# kept in the state\n"
        assert (folder / "8.hw2.py").read_text() == "# kept in the state\n"


async def test_the_panel_sits_where_the_starting_code_was_after_moving_between_labs(monkeypatch, tmp_path):
    workspace(monkeypatch, tmp_path)
    app = make_app(lesson="8.hw1")
    async with app.run_test(size=(80, 24)) as pilot:
        for key in (None, "n", "n", "p"):  # None: as launched, lower blocks mounted a frame later
            if key:
                await pilot.press(key)
            await pilot.pause()
            await pilot.pause()
            view = app.lesson_screen.lesson_view
            children = list(view.children)
            panel = app.labs.panel
            anchor = children.index(panel) - 1
            assert children[anchor].block is catalog.load(app.lesson_id).lab_block
            assert children[anchor].block.text.startswith("import")
            assert app.labs.lab_id == app.lesson_id


async def test_enter_keeps_the_indentation_and_indents_after_a_colon():
    from textual.app import App

    class One(App):
        def compose(self):
            yield LabEditor("def f(x):")

    app = One()
    async with app.run_test() as pilot:
        editor = app.query_one(LabEditor)
        editor.focus()
        editor.cursor_location = (0, 9)
        await pilot.press("enter", "r", "enter", "x")
        assert editor.text == "def f(x):\n    r\n    x"


async def test_a_lab_pages_footer_fits_the_smallest_terminal_in_both_languages(monkeypatch, tmp_path):
    from tui.screens.small_screen import MIN_COLUMNS, MIN_ROWS

    workspace(monkeypatch, tmp_path)
    for lang, quit_word in (("en", "quit"), ("zh", "退出")):
        app = make_app(lesson="8.hw4", lang=lang)
        async with app.run_test(size=(MIN_COLUMNS, MIN_ROWS)) as pilot:
            await pilot.pause()
            footer = visible_text(app).splitlines()[-1]
            assert footer.rstrip().endswith(quit_word), footer


async def test_one_panel_moves_from_lab_to_lab_each_showing_its_own(monkeypatch, tmp_path):
    """The panel is built once and moved (bench: building a TextArea per lab
    page cost ~30 ms and two frames); each lab must still get its own code,
    status and hints, and no undo may reach back into another lab."""
    from tui.widgets.lab_panel import LabPanel

    folder = workspace(monkeypatch, tmp_path)
    folder.mkdir(parents=True)
    (folder / "8.hw2.py").write_text("# my hw2\n")
    app = make_app(lesson="8.hw1")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        first = app.labs.panel
        first.editor.load_text("# edited hw1\n")
        await pilot.press("h")  # a hint on hw1 only
        await pilot.pause(0.6)
        assert first.hints_shown == 1
        await pilot.press("right")
        await pilot.pause()
        view = app.lesson_screen.lesson_view
        panels = list(view.query(LabPanel))
        assert panels == [first] and app.labs.panel is first and first.display
        assert first.lab_id == "8.hw2" and first.editor.text == "# my hw2\n"
        assert first.hints_shown == 0 and "8.hw2" in visible_text(app)
        first.editor.action_undo()
        assert first.editor.text == "# my hw2\n"
        # Right after the lab's (hidden) starting-code block, as when new.
        anchor = next(v for v in view.children if getattr(v, "block", None) is catalog.load("8.hw2").lab_block)
        assert view.children.index(first) == view.children.index(anchor) + 1

        app.open_lesson("8.summary")
        await pilot.pause()
        assert app.labs.panel is None and not first.display
        assert "# my hw2" not in visible_text(app)

        app.open_lesson("8.hw1")
        await pilot.pause()
        assert app.labs.panel is first and first.display and first.lab_id == "8.hw1"
        assert first.editor.text == "# edited hw1\n" and first.hints_shown == 1
    assert (folder / "8.hw1.py").read_text() == "# edited hw1\n"


async def test_the_footer_follows_the_page_between_labs_and_lessons(monkeypatch, tmp_path):
    """Regression: leaving 8.hw1 for 8.summary kept "c check  h hint" in the
    footer (and no "x export"), and the way back the lesson's keys."""
    workspace(monkeypatch, tmp_path)
    app = make_app(lesson="8.hw1")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        footer = lambda: visible_text(app).splitlines()[-1]  # noqa: E731
        assert "check" in footer() and "export" not in footer()
        await pilot.press("left")
        await pilot.pause(0.3)
        assert app.lesson_id == "8.summary"
        assert "check" not in footer() and "hint" not in footer() and "export" in footer()
        await pilot.press("right")
        await pilot.pause(0.3)
        assert "check" in footer() and "hint" in footer() and "export" not in footer()


async def test_the_panel_is_built_hidden_soon_after_launch_and_serves_the_first_lab(monkeypatch, tmp_path):
    from tui.widgets.lab_panel import LabPanel
    from tui.controllers.lab_session import PREBUILD_DELAY

    workspace(monkeypatch, tmp_path)
    app = make_app(lesson="8.summary")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(PREBUILD_DELAY)
        view = app.lesson_screen.lesson_view
        # Built in the idle time after the delay: under load, some time later.
        await wait_until(pilot, lambda: len(view.query(LabPanel)) == 1, timeout=30)
        built = list(view.query(LabPanel))
        assert len(built) == 1 and not built[0].display and app.labs.panel is None
        assert "Lab " not in visible_text(app) and "Press c to check" not in visible_text(app)
        await pilot.press("right")
        await pilot.pause()
        assert app.lesson_id == "8.hw1" and app.labs.panel is built[0] and built[0].display
        assert built[0].editor.text == labs.get("8.hw1").starter(str)
        view.scroll_to_widget(built[0], animate=False, top=True)
        await pilot.pause()
        assert "Lab 8.hw1 · not passed yet · hints 0 of" in visible_text(app)


async def test_moving_between_labs_keeps_the_compiled_highlighting(monkeypatch, tmp_path):
    """TextArea.load_text compiled the tree-sitter highlight query again on
    every lab page (18 ms, bench); the new lab's code must still be coloured."""
    from textual.document._syntax_aware_document import SyntaxAwareDocument

    from tui.widgets.lab_editor import highlighting_available

    if not highlighting_available():
        return  # nothing to compile, nothing to colour
    workspace(monkeypatch, tmp_path)
    app = make_app(lesson="8.hw1")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        compiled = []
        real = SyntaxAwareDocument.prepare_query
        monkeypatch.setattr(SyntaxAwareDocument, "prepare_query",
                            lambda self, query: compiled.append(query) or real(self, query))
        for lab in ("8.hw2", "8.hw3", "8.hw1"):
            app.open_lesson(lab)
            await pilot.pause()
        assert compiled == []
        editor = app.labs.panel.editor
        code = editor.text
        row = next(i for i, line in enumerate(code.split("\n")) if line.startswith(("def ", "import ")))
        assert editor._highlights[row], "the lab's code is not highlighted"  # noqa: SLF001


async def test_a_panel_drawn_while_its_children_are_gone_does_not_raise():
    """A panel prebuilt in idle time was drawn while the app closed: its
    `query_one("#lab-status")` found nothing and raised NoMatches (seen in a
    test of English screens under load). The panel keeps its children."""
    from textual.app import App

    from tui.widgets.lab_panel import LabPanel

    lab = labs.get("8.hw1")

    class Host(App):
        def compose(self):
            self.panel = LabPanel()
            self.panel.load("8.hw1", lab.starter(str), "hw1.py", (), None)
            yield self.panel

    app = Host()
    async with app.run_test() as pilot:
        await pilot.pause()
        panel = app.panel
        await panel.remove_children()
        panel.show_progress(passed=True, hints=0, solution=False)
        panel.redraw()
