"""Text with each word's background coloured by its weight for a class.

:class:`HighlightedText` shows a text and an :class:`~workbench.core.Explanation` of it:
blue behind words that push the text into the class, red behind words that push it
out (a diverging scale, white at 0, full colour at the largest weight), grey italics
for tokens the model never read, a dotted underline for unknown words, and the
weight in a tooltip. :class:`ExplanationView` adds the class and method selectors,
a legend and the strongest words for and against. Nothing here computes: the pages
run :func:`explain_job` in a task and hand the result over.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from PySide6.QtCore import QElapsedTimer, QEvent, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QLinearGradient,
    QPainter,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from workbench.core import Bundle, Explanation, Prediction, TokenWeight

FOR_COLOR = QColor(33, 102, 172)  # blue: pushes the text into the class
AGAINST_COLOR = QColor(214, 47, 39)  # red: pushes it out
UNREAD_COLOR = QColor(140, 140, 140)
METHOD_CHOICES = (("occlusion", "Leave one word out"), ("ig", "Integrated gradients"))
SLICE_MS = 8  # GUI-thread time per event-loop turn spent colouring blocks of a long text


def weight_color(weight: float, scale: float) -> QColor:
    """The background for ``weight`` on a diverging scale (white at 0, full at ``scale``)."""
    if scale <= 0 or weight == 0:
        return QColor(255, 255, 255)
    share = min(1.0, abs(weight) / scale) * 0.85
    end = FOR_COLOR if weight > 0 else AGAINST_COLOR
    return QColor(
        round(255 + (end.red() - 255) * share),
        round(255 + (end.green() - 255) * share),
        round(255 + (end.blue() - 255) * share),
    )


def utf16_offsets(text: str) -> list[int]:
    """Position in Qt's UTF-16 text of each Python character offset (and of the end)."""
    offsets = [0] * (len(text) + 1)
    position = 0
    for index, char in enumerate(text):
        offsets[index] = position
        position += 2 if ord(char) > 0xFFFF else 1
    offsets[len(text)] = position
    return offsets


def token_tooltip(token: TokenWeight, class_name: str) -> str:
    if not token.read:
        return f"“{token.text}”: not read by the model (past maxlen)"
    direction = "for" if token.weight > 0 else "against" if token.weight < 0 else "neutral to"
    tip = f"“{token.text}”: {token.weight:+.3f} ({direction} {class_name})"
    if not token.known:
        tip += " · unknown word (read as 'unknown')"
    return tip


def explain_job(bundle: Bundle, text: str, class_name: str | None, method: str):
    """A task job: the text's prediction and its explanation (plain Python, no Qt)."""

    def run(ctx) -> tuple[Prediction, Explanation]:
        from workbench.core import Explainer, Predictor

        predictor = Predictor(bundle)
        prediction = predictor.classify([text])[0]
        ctx.check_cancelled()
        explanation = Explainer(predictor).explain(text, method=method, class_name=class_name)
        return prediction, explanation

    return run


def token_format(token: TokenWeight, scale: float) -> QTextCharFormat:
    """How ``token`` is drawn: its weight's background, grey italics when not read,
    a dotted underline when unknown."""
    fmt = QTextCharFormat()
    if not token.read:
        fmt.setForeground(UNREAD_COLOR)
        fmt.setFontItalic(True)
    elif token.weight:
        fmt.setBackground(weight_color(token.weight, scale))
    if not token.known:
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
    return fmt


class _TokenHighlighter(QSyntaxHighlighter):
    """Applies the token formats block by block (formats live in the block layouts,
    so the document is not edited and a plain text edit lays out only what shows)."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.formats: list[QTextCharFormat] = []

    def highlightBlock(self, text: str) -> None:
        begin = self.currentBlock().position()
        end = begin + len(text)
        index = bisect.bisect_left(self.ends, begin + 1)
        while index < len(self.formats) and self.starts[index] < end:
            start = max(self.starts[index], begin)
            self.setFormat(start - begin, min(self.ends[index], end) - start, self.formats[index])
            index += 1


class HighlightedText(QPlainTextEdit):
    """A read-only text whose words are coloured by an explanation's weights.

    A long text is shown plain at once and coloured a few blocks per event-loop turn
    (``SLICE_MS`` each), so the window never stalls on a long article."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMouseTracking(True)
        self.explanation: Explanation | None = None
        self._highlighter = _TokenHighlighter(self.document())
        self._starts = self._highlighter.starts  # UTF-16 span of each token
        self._ends = self._highlighter.ends
        self._pending: list[QTextCharFormat] = []
        self._next_block = self.document().firstBlock()
        self._slicer = QTimer(self)
        self._slicer.setInterval(0)
        self._slicer.timeout.connect(self._colour_some_blocks)

    def set_explanation(self, text: str, explanation: Explanation | None) -> None:
        """Show ``text`` coloured by ``explanation`` (``None``: plain text)."""
        self._slicer.stop()
        self.explanation = explanation
        self._starts.clear()
        self._ends.clear()
        self._highlighter.formats.clear()
        self._pending = []
        if explanation is not None and explanation.tokens:
            offsets = utf16_offsets(text)
            scale = explanation.max_abs_weight()
            for token in explanation.tokens:
                self._starts.append(offsets[token.start])
                self._ends.append(offsets[token.end])
                self._pending.append(token_format(token, scale))
        self.setPlainText(text)  # plain first: no formats yet
        if self._pending:
            self._highlighter.formats.extend(self._pending)
            self._next_block = self.document().firstBlock()
            self._colour_some_blocks()
            if self._next_block.isValid():
                self._slicer.start()

    def is_colouring(self) -> bool:
        """Whether blocks are still waiting for their colours."""
        return self._slicer.isActive()

    def _colour_some_blocks(self) -> None:
        clock = QElapsedTimer()
        clock.start()
        block = self._next_block
        while block.isValid() and clock.elapsed() < SLICE_MS:
            self._highlighter.rehighlightBlock(block)
            block = block.next()
        self._next_block = block
        if not block.isValid():
            self._slicer.stop()

    def format_at(self, position: int) -> QTextCharFormat:
        """The format drawn at UTF-16 ``position`` of the document."""
        block = self.document().findBlock(position)
        offset = position - block.position()
        ranges = block.layout().formats()
        for item in ranges:
            if item.start <= offset < item.start + item.length:
                return QTextCharFormat(item.format)
        return QTextCharFormat()

    def token_at(self, position: int) -> TokenWeight | None:
        """The token covering UTF-16 ``position`` of the document, if any."""
        if self.explanation is None:
            return None
        index = bisect.bisect_right(self._starts, position) - 1
        if index < 0 or position >= self._ends[index]:
            return None
        return self.explanation.tokens[index]

    def tooltip_at(self, point: QPoint) -> str:
        """The tooltip for the viewport point ``point`` (empty off the words)."""
        token = self.token_at(self.cursorForPosition(point).position())
        if token is None or self.explanation is None:
            return ""
        return token_tooltip(token, self.explanation.class_name)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            tip = self.tooltip_at(event.pos())
            if tip:
                QToolTip.showText(event.globalPos(), tip, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)


class Legend(QWidget):
    """The diverging scale: red (against) - white (0) - blue (for), with its end values."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scale = 0.0
        self.class_name = ""
        self.setFixedHeight(34)
        self.setMinimumWidth(320)
        self.setToolTip(
            "Weight of a word: how much it moves the log-odds of the class "
            "(blue: for the class, red: against it)"
        )

    def set_scale(self, scale: float, class_name: str) -> None:
        self.scale, self.class_name = scale, class_name
        self.update()

    def end_labels(self, width: int) -> tuple[str, str]:
        """The texts under the bar's ends, the class name elided so that both and the
        "0" between them fit in ``width`` pixels side by side (left out when not even a
        few letters of it would fit)."""
        if not self.scale:
            return "against", "for"

        def labels(name: str) -> tuple[str, str]:
            left = (f"−{self.scale:.2f}", "against", name)
            right = ("for", name, f"+{self.scale:.2f}")
            return " ".join(p for p in left if p), " ".join(p for p in right if p)

        metrics = self.fontMetrics()
        side = (width - metrics.horizontalAdvance("0")) // 2 - metrics.horizontalAdvance("  ")
        room = side - max(metrics.horizontalAdvance(text + " ") for text in labels(""))
        name = self.class_name or "class"
        shown = metrics.elidedText(name, Qt.TextElideMode.ElideRight, max(0, room))
        if shown != name and len(shown) < 4:  # "b…" says nothing: leave the name out
            shown = ""
        return labels(shown)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        bar = self.rect().adjusted(4, 2, -4, -18)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        gradient.setColorAt(0.0, weight_color(-1, 1))
        gradient.setColorAt(0.5, QColor(255, 255, 255))
        gradient.setColorAt(1.0, weight_color(1, 1))
        painter.fillRect(bar, gradient)
        painter.setPen(QColor(120, 120, 120))
        painter.drawRect(bar)
        painter.setPen(self.palette().text().color())
        text_box = self.rect().adjusted(4, bar.height() + 3, -4, 0)
        left, right = self.end_labels(text_box.width())
        painter.drawText(text_box, Qt.AlignmentFlag.AlignLeft, left)
        painter.drawText(text_box, Qt.AlignmentFlag.AlignHCenter, "0")
        painter.drawText(text_box, Qt.AlignmentFlag.AlignRight, right)
        painter.end()


class ExplanationView(QWidget):
    """Class and method selectors, legend, highlighted text, top words for and against."""

    request = Signal()  # the class or the method changed: explain again

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.class_combo = QComboBox()
        self.class_combo.setToolTip("The class the words are weighed for")
        self.method_combo = QComboBox()
        for key, title in METHOD_CHOICES:
            self.method_combo.addItem(title, key)
        self.method_combo.setToolTip(
            "Leave one word out: how the class's log-odds change without the word (default). "
            "Integrated gradients: attributions along a path from an all-padding text."
        )
        self.status_label = QLabel()
        self.status_label.setStyleSheet("color: #666;")
        self.status_label.setWordWrap(True)
        self.swap_button = QPushButton()
        self.swap_button.setVisible(False)
        self.swap_button.setToolTip("Weigh the words for the other class of this document")
        self._pair: tuple[str, str] | None = None
        self.header = ""  # shown before the status (e.g. the document's true/predicted class)
        self.legend = Legend()
        self.text = HighlightedText()
        self.for_label = QLabel()
        self.against_label = QLabel()
        for label in (self.for_label, self.against_label):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)

        for combo in (self.class_combo, self.method_combo):
            # long class names must not widen the window (issue 12, item 19)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(12)
        top = QHBoxLayout()
        top.addWidget(QLabel("Why"))
        top.addWidget(self.class_combo)
        top.addWidget(QLabel("by"))
        top.addWidget(self.method_combo)
        top.addWidget(self.swap_button)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        scale_row = QHBoxLayout()
        scale_row.addWidget(self.status_label, 1)
        scale_row.addWidget(self.legend)
        layout.addLayout(scale_row)
        self.text.setMinimumHeight(40)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.for_label)
        layout.addWidget(self.against_label)
        self.class_combo.activated.connect(lambda _index: self.request.emit())
        self.method_combo.activated.connect(lambda _index: self.request.emit())
        self.class_combo.currentIndexChanged.connect(self._update_swap)
        self.swap_button.clicked.connect(self.swap)

    def set_pair(self, predicted: str | None, true: str | None) -> None:
        """Offer a switch between a document's ``predicted`` and ``true`` class
        (``None``: no switch); the predicted class is chosen."""
        self._pair = (predicted, true) if predicted and true and predicted != true else None
        self.choose_class(predicted)
        self.swap_button.setVisible(self._pair is not None)
        self._update_swap()

    def swap(self) -> None:
        """Switch between the predicted and the true class, and ask for the explanation."""
        if self._pair is None:
            return
        predicted, true = self._pair
        self.choose_class(true if self.chosen_class() != true else predicted)
        self.request.emit()

    def _update_swap(self) -> None:
        if self._pair is None:
            return
        predicted, true = self._pair
        if self.chosen_class() == true:
            self.swap_button.setText(f"Show predicted class ({predicted})")
        else:
            self.swap_button.setText(f"Show true class ({true})")

    # --- what the page reads -----------------------------------------------------------
    def set_classes(self, names: list[str]) -> None:
        self.class_combo.clear()
        self.class_combo.addItem("predicted class", None)
        for name in names:
            self.class_combo.addItem(name, name)

    def chosen_class(self) -> str | None:
        return self.class_combo.currentData()

    def choose_class(self, name: str | None) -> None:
        index = self.class_combo.findData(name)
        self.class_combo.setCurrentIndex(max(0, index))

    def method(self) -> str:
        return self.method_combo.currentData() or "occlusion"

    # --- showing -----------------------------------------------------------------------
    def show_explanation(self, text: str, explanation: Explanation) -> None:
        self.text.set_explanation(text, explanation)
        self.legend.set_scale(explanation.max_abs_weight(), explanation.class_name)
        self.for_label.setText(_word_list("For", explanation.class_name, explanation.top_for(8)))
        self.against_label.setText(
            _word_list("Against", explanation.class_name, explanation.top_against(8))
        )
        status = (
            f"{explanation.class_name}: p = {explanation.probabilities[explanation.class_name]:.1%}"
        )
        if explanation.completeness_gap is not None:
            status += f" · completeness gap {explanation.completeness_gap:+.2f}"
        if explanation.notes:
            status += " · " + "; ".join(explanation.notes)
        self._set_status(status)

    def show_busy(self, message: str = "Explaining…") -> None:
        self._set_status(message)

    def _set_status(self, message: str) -> None:
        parts = [part for part in (self.header, message) if part]
        self.status_label.setText(" · ".join(parts))

    def clear(self, message: str = "") -> None:
        self.text.set_explanation("", None)
        self.legend.set_scale(0.0, "")
        self.for_label.clear()
        self.against_label.clear()
        self._set_status(message)


def _word_list(heading: str, class_name: str, tokens: list[TokenWeight]) -> str:
    color = FOR_COLOR if heading == "For" else AGAINST_COLOR
    if not tokens:
        return f"<b>{heading} {class_name}:</b> –"
    words = ", ".join(
        f"<span style='color:{color.name()}'>{_escape(t.text)}</span> {t.weight:+.2f}"
        for t in tokens
    )
    return f"<b>{heading} {_escape(class_name)}:</b> {words}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
