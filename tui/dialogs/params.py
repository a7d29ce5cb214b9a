"""The what-if form (`e`): one field per declared parameter, validated inline."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static

from lessons.course.catalog import Lesson
from lessons.demos.params import ParamError, ParamSpec, format_value, param_specs, parse_value
from tui.dialogs.lesson import CLOSE, Dialog
from tui.i18n import N_, _, lesson_gettext
from tui.widgets.footer import LocalizedFooter

HINT_RANGE = N_("from {min} to {max}")
HINT_AT_LEAST = N_("at least {min}")
HINT_AT_MOST = N_("at most {max}")
HINT_ITEMS = N_("up to {count} values, separated by commas")
HINT_CHOICES = N_("one of: {choices}")
HINT_BOOL = N_("true or false")
#: Between the parts of a hint; translated because Chinese punctuation differs.
HINT_SEPARATOR = N_("; ")


def hint(spec: ParamSpec) -> str:
    parts = []
    if spec.min is not None and spec.max is not None:
        parts.append(_(HINT_RANGE).format(min=spec.min, max=spec.max))
    elif spec.min is not None:
        parts.append(_(HINT_AT_LEAST).format(min=spec.min))
    elif spec.max is not None:
        parts.append(_(HINT_AT_MOST).format(max=spec.max))
    if spec.type == "floats" and spec.max_items:
        parts.append(_(HINT_ITEMS).format(count=spec.max_items))
    if spec.type == "choice":
        parts.append(_(HINT_CHOICES).format(choices=", ".join(map(str, spec.choices))))
    if spec.type == "bool":
        parts.append(_(HINT_BOOL))
    return _(HINT_SEPARATOR).join(parts)


class ParamsDialog(Dialog):
    """Dismisses with the new values (a dict), or None when cancelled."""

    BINDINGS = [
        CLOSE,
        Binding("ctrl+s", "apply", N_("apply"), priority=True),
        Binding("ctrl+r", "defaults", N_("defaults"), priority=True),
    ]

    def __init__(self, lesson: Lesson, values: dict[str, Any], defaults: dict[str, Any]) -> None:
        super().__init__()
        self.lesson = lesson
        self.specs = param_specs(lesson)
        self.values = values
        self.default_values = defaults

    def compose(self) -> ComposeResult:
        gettext = lesson_gettext()
        with Vertical(classes="dialog params"):
            yield self.compose_title(_("What if? Change the demo's parameters"))
            yield Static(_("Enter applies, ctrl+r restores the lesson's values, escape cancels."),
                         classes="dialog-hint")
            with VerticalScroll():
                for name, spec in self.specs.items():
                    label = gettext(spec.label) if spec.label else name
                    yield Static(f"[b]{label}[/b]  [dim]{name} · {hint(spec)}[/dim]", classes="param-label")
                    yield Input(format_value(spec, self.values[name]), id=f"param-{name}", classes="param-input")
                    yield Static("", id=f"error-{name}", classes="param-error")
        yield LocalizedFooter()

    def on_mount(self) -> None:
        inputs = list(self.query(Input))
        if inputs:
            inputs[0].focus()

    def validate(self) -> dict[str, Any] | None:
        values, invalid = {}, []
        for name, spec in self.specs.items():
            field = self.query_one(f"#param-{name}", Input)
            error = self.query_one(f"#error-{name}", Static)
            try:
                values[name] = parse_value(spec, field.value)
            except ParamError as exc:
                # Text, not markup: the message quotes what the learner typed, and "[/b]" ended the app.
                error.update(Text(exc.message(_)))
                field.add_class("-invalid")
                invalid.append((field, error))
            else:
                error.update("")
                field.remove_class("-invalid")
        if invalid:
            # At 80×24 the form scrolls: enter pressed in one field must not
            # leave the message of another one out of sight.
            field, error = invalid[0]
            field.focus(scroll_visible=False)
            self.call_after_refresh(self._reveal, field, error)
            return None
        return values

    async def _reveal(self, field: Input, error: Static) -> None:
        scroll = self.query_one(VerticalScroll)
        # A scroll still gliding towards the field the learner left (focus
        # scrolls are animated) would carry the message out of sight again.
        await self.app.animator.stop_animation(scroll, "scroll_y")
        scroll.scroll_to_region(field.virtual_region.union(error.virtual_region), animate=False, immediate=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_apply()

    def on_input_changed(self, event: Input.Changed) -> None:
        # Clear a field's error as soon as the learner edits it.
        name = (event.input.id or "").removeprefix("param-")
        if name in self.specs:
            self.query_one(f"#error-{name}", Static).update("")
            event.input.remove_class("-invalid")

    def action_apply(self) -> None:
        values = self.validate()
        if values is not None:
            self.dismiss(values)

    def action_defaults(self) -> None:
        for name, spec in self.specs.items():
            self.query_one(f"#param-{name}", Input).value = format_value(spec, self.default_values[name])
