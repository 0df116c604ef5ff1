"""Small widgets shared by the pages: an inline message bar and a task progress row."""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.tasks import Task

_STYLES = {
    "error": ("#fdecea", "#b3261e", "✖"),
    "warning": ("#fff4e5", "#8a5300", "⚠"),
    "info": ("#e8f1fb", "#174ea6", "ℹ"),
}


# command-line advice in core messages -> the window's own words
_WINDOW_ADVICE = (
    (re.compile(r";?\s*pass --format \(([^)]*)\)"), r"; choose the format in the Format box (\1)"),
    (re.compile(r";?\s*pass --format\b"), "; choose the format in the Format box"),
    (
        re.compile(r";?\s*choose one with member=\S*"),
        "; choose the vectors file inside the .zip",
    ),
    (re.compile(r";?\s*pass text_columns\b"), "; tick the text column(s) under CSV columns"),
    (re.compile(r";?\s*pass label_column\b"), "; choose the label column under CSV columns"),
    (re.compile(r"\bmember=('[^']*'|\S+)"), r"the file \1 inside the archive"),
)
_SENTENCE_END = (".", "!", "?", "…", ":")


def window_wording(text: str) -> str:
    """``text`` as the window says it: its own advice, never a command-line option.

    Core messages may end with advice for the command line ("pass --format",
    "choose one with member="); the window names its own controls instead. Every
    message ends with a full stop, so that two messages never run together.
    """
    for pattern, replacement in _WINDOW_ADVICE:
        text = pattern.sub(replacement, text)
    return finish_sentence(text)


def finish_sentence(text: str) -> str:
    """``text`` ending with a full stop (unless it already ends a sentence)."""
    text = text.rstrip()
    if text and not text.endswith(_SENTENCE_END):
        text += "."
    return text


_BARS: weakref.WeakSet[MessageBar] = weakref.WeakSet()


def clear_topic(topic: str, kinds: tuple[str, ...] = ("error", "warning", "info")) -> None:
    """Hide every bar in the window showing a message about ``topic`` (of ``kinds``)."""
    for bar in list(_BARS):
        if topic and shiboken6.isValid(bar) and bar.topic() == topic and bar.kind() in kinds:
            bar.clear()


class MessageBar(QFrame):
    """An inline message shown where a problem happened; hidden when empty.

    ``show_error(text, details)`` shows a one-line message and, when ``details``
    (e.g. a traceback) is given, a "Details" button that expands them.

    A message may name its ``topic`` ("corpus", "vectors", "model", ...): one banner
    per topic is shown in the whole window, so a new message about a topic replaces
    the old one wherever it was, and :func:`clear_topic` takes it away once it no
    longer holds (e.g. an error about the previous vectors when a new corpus loads).
    The text wraps: a long message makes the bar taller, never the window wider.
    """

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MessageBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._kind = ""
        self._topic = ""
        _BARS.add(self)
        self._icon = QLabel()
        self._label = QLabel()
        self._label.setWordWrap(True)
        # wrapped text with no minimum width of its own: never widens the window
        self._label.setMinimumWidth(1)
        self._label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Maximum)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._label.setTextFormat(Qt.TextFormat.PlainText)
        self._details_button = QToolButton(text="Details")
        self._details_button.setCheckable(True)
        self._close_button = QToolButton(text="✕")
        self._close_button.setToolTip("Dismiss")
        self._close_button.setAutoRaise(True)
        self._details = QPlainTextEdit()
        self._details.setReadOnly(True)
        self._details.setMaximumHeight(160)
        self._details.setVisible(False)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self._icon)
        row.addWidget(self._label, 1)
        row.addWidget(self._details_button)
        row.addWidget(self._close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self._details)

        self._details_button.toggled.connect(self._details.setVisible)
        self._close_button.clicked.connect(self._dismiss)
        self.setVisible(False)

    # --- public -------------------------------------------------------------
    def show_error(self, text: str, details: str = "", *, topic: str = "") -> None:
        """Show an error; ``details`` (a traceback) behind an expandable button."""
        self._show("error", text, details, topic)

    def show_warning(self, text: str, details: str = "", *, topic: str = "") -> None:
        self._show("warning", text, details, topic)

    def show_info(self, text: str, *, topic: str = "") -> None:
        self._show("info", text, "", topic)

    def clear(self) -> None:
        """Hide the bar and forget its message."""
        self._kind = ""
        self._topic = ""
        self._label.clear()
        self._details.clear()
        self._details_button.setChecked(False)
        self.setVisible(False)

    def kind(self) -> str:
        """ "error", "warning", "info" or "" when nothing is shown."""
        return self._kind

    def text(self) -> str:
        return self._label.text()

    def topic(self) -> str:
        """What the shown message is about ("" when untagged or hidden)."""
        return self._topic

    def details(self) -> str:
        return self._details.toPlainText()

    def has_details(self) -> bool:
        return bool(self._details.toPlainText())

    def set_details_expanded(self, expanded: bool) -> None:
        self._details_button.setChecked(expanded and self.has_details())

    # --- internals ----------------------------------------------------------
    def _show(self, kind: str, text: str, details: str, topic: str = "") -> None:
        background, foreground, icon = _STYLES[kind]
        if topic:
            for bar in list(_BARS):
                if bar is not self and shiboken6.isValid(bar) and bar.topic() == topic:
                    bar.clear()
        self._kind = kind
        self._topic = topic
        self.setStyleSheet(
            f"#MessageBar {{ background: {background}; border: 1px solid {foreground};"
            f" border-radius: 4px; }} #MessageBar QLabel {{ color: {foreground}; }}"
        )
        self._icon.setText(icon)
        self._label.setText(window_wording(text))
        self._details.setPlainText(details)
        self._details_button.setVisible(bool(details))
        self._details_button.setChecked(False)
        self.setVisible(True)

    def _dismiss(self) -> None:
        self.clear()
        self.closed.emit()


class TaskProgress(QWidget):
    """A progress bar with a message and a Cancel button, following one :class:`Task`.

    Hidden while idle. A negative fraction shows a busy (indeterminate) bar.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._task: Task | None = None
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(True)
        self.label = QLabel()
        self.cancel_button = QPushButton("Cancel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.cancel_button)
        self.cancel_button.clicked.connect(self.cancel)
        self.setVisible(False)

    def track(self, task: Task, message: str = "") -> None:
        """Show progress of ``task`` until it finishes."""
        self._task = task
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setFormat("%p%")
        self.label.setText(message)
        self.cancel_button.setEnabled(True)
        task.progress.connect(self._on_progress)
        task.finished.connect(lambda t=task: self._on_finished(t))
        self.setVisible(True)

    def task(self) -> Task | None:
        return self._task

    def cancel(self) -> None:
        """Ask the tracked task to stop."""
        if self._task is not None:
            self._task.cancel()
            self.cancel_button.setEnabled(False)
            self.label.setText("Cancelling…")

    def _on_progress(self, fraction: float, message: str) -> None:
        if fraction < 0:
            self.bar.setRange(0, 0)
        else:
            self.bar.setRange(0, 1000)
            self.bar.setValue(round(min(fraction, 1.0) * 1000))
        if message:
            self.label.setText(message)

    def _on_finished(self, task: Task) -> None:
        if task is self._task:
            self._task = None
            self.setVisible(False)


FOCUS_STYLE = "{cls}:focus {{ border: 2px solid palette(highlight); }}"


def tidy_keyboard_focus(root: QWidget) -> None:
    """Make Tab move between widgets under ``root`` and every tab stop show focus.

    Tables and lists step with the arrow keys only (Tab leaves them instead of walking
    11,000 rows cell by cell); plots and scroll areas, which have no keyboard use and
    draw no focus, are no tab stops; item views and read-only text views get a
    highlighted border while focused.
    """
    import pyqtgraph as pg
    from PySide6.QtWidgets import QAbstractItemView, QScrollArea

    for view in root.findChildren(QAbstractItemView):
        view.setTabKeyNavigation(False)
        _add_focus_border(view, type(view).__name__)
    for plot in root.findChildren(pg.GraphicsView):
        plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    for area in root.findChildren(QScrollArea):
        area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    for text in root.findChildren(QPlainTextEdit):
        if text.isReadOnly():
            _add_focus_border(text, "QPlainTextEdit")


def _add_focus_border(widget: QWidget, cls: str) -> None:
    rule = FOCUS_STYLE.format(cls=cls)
    if rule not in widget.styleSheet():
        widget.setStyleSheet(f"{widget.styleSheet()} {rule}".strip())


def run_page_alone(
    page_class: type[QWidget],
    *,
    size: tuple[int, int] = (1100, 700),
    prepare: Callable[[Any, QWidget, str | None], None] | None = None,
) -> int:
    """Show one page in a window of its own: ``python -m workbench.gui.<page> [ARG]``.

    ``prepare(state, page, arg)`` runs before the event loop with the first
    command-line argument (None without one), e.g. to open a corpus or a model.
    """
    import sys

    from PySide6.QtWidgets import QApplication

    from workbench.gui.state import AppState
    from workbench.gui.tasks import TaskRunner

    app = QApplication.instance() or QApplication(sys.argv)
    state = AppState()
    page = page_class(state, TaskRunner())
    page.resize(*size)
    page.show()
    if prepare is not None:
        prepare(state, page, sys.argv[1] if len(sys.argv) > 1 else None)
    return app.exec()


def load_bundle_arg(state: Any, page: QWidget, path: str | None) -> None:
    """A ``prepare`` for :func:`run_page_alone`: load the bundle at ``path`` if given."""
    del page
    if path:
        from workbench.core import load_bundle

        state.set_bundle(load_bundle(path))
