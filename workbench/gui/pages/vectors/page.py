"""Vectors page: choose GloVe vectors (bundled, a file or none), see coverage, try neighbours."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.core import VectorsSource, WorkbenchError
from workbench.gui.state import AppState
from workbench.gui.tasks import Task, TaskContext, TaskRunner
from workbench.gui.widgets import MessageBar, TaskProgress

LOAD_KIND = "vectors"
COVERAGE_KIND = "coverage"
NEIGHBOURS_KIND = "neighbours"
NEIGHBOURS = 10
SOURCES = (
    ("bundled", "Bundled GloVe 6B 50d (400,000 words)"),
    ("file", "Vectors file…"),
    ("none", "None (random embedding)"),
)
VECTORS_FILTER = "Word vectors (*.txt *.gz *.zip *.vec);;All files (*)"


def _table(headers: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, str]]) -> None:
    table.setRowCount(len(rows))
    for r, (a, b) in enumerate(rows):
        table.setItem(r, 0, QTableWidgetItem(a))
        table.setItem(r, 1, QTableWidgetItem(b))


CORPUS_TEXTS = "whole corpus"


def corpus_tokenizer(corpus, config):
    """The coverage tokenizer: fitted on the whole corpus with the config's vocabulary limits."""
    from workbench.core import coverage_tokenizer

    return coverage_tokenizer(corpus.texts, max_words=config.max_words, min_count=config.min_count)


def corpus_coverage(corpus, config, vectors, tokenizer=None):
    """Coverage of the whole corpus (the same definition as ``workbench inspect``)."""
    from workbench.core import coverage, describe_texts

    tokenizer = tokenizer if tokenizer is not None else corpus_tokenizer(corpus, config)
    return coverage(tokenizer, vectors, texts=describe_texts(CORPUS_TEXTS, len(corpus)))


class VectorsPage(QWidget):
    """Load word vectors in a worker and check how well they cover the corpus."""

    def __init__(self, state: AppState, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.tasks = tasks
        self.task: Task | None = None
        self._coverage_key: tuple | None = None

        self.source_combo = QComboBox()
        for key, text in SOURCES:
            self.source_combo.addItem(text, key)
        self.path_edit = QLineEdit(placeholderText="GloVe / word2vec text file (.txt, .gz, .zip)")
        self.browse_button = QPushButton("Browse…")
        self.load_button = QPushButton("Load")
        source = QHBoxLayout()
        source.addWidget(QLabel("Vectors:"))
        source.addWidget(self.source_combo)
        source.addWidget(self.path_edit, 1)
        source.addWidget(self.browse_button)
        source.addWidget(self.load_button)
        self.progress = TaskProgress()
        self.message_bar = MessageBar()

        info_box = QGroupBox("Loaded vectors")
        self.summary_label = QLabel("No vectors loaded.")
        self.summary_label.setWordWrap(True)
        self.dim_label = QLabel("–")
        self.rows_label = QLabel("–")
        self.malformed_label = QLabel("–")
        self.malformed_label.setWordWrap(True)
        info = QFormLayout(info_box)
        info.addRow(self.summary_label)
        info.addRow("Dimension:", self.dim_label)
        info.addRow("Rows read / kept:", self.rows_label)
        info.addRow("Malformed lines:", self.malformed_label)

        coverage_box = QGroupBox("Coverage of the corpus vocabulary")
        self.vocab_label = QLabel("–")
        self.tokens_label = QLabel("–")
        self.scope_label = QLabel("–")
        self.scope_label.setWordWrap(True)
        from workbench.core import COVERAGE_DEFINITION

        coverage_box.setToolTip(COVERAGE_DEFINITION)
        self.uncovered = _table(("Word without a vector", "Count"))
        coverage = QFormLayout(coverage_box)
        coverage.addRow("Vocabulary:", self.vocab_label)
        coverage.addRow("Tokens:", self.tokens_label)
        coverage.addRow("Counted on:", self.scope_label)
        coverage.addRow(self.uncovered)

        neighbours_box = QGroupBox("Nearest neighbours (cosine similarity)")
        self.word_edit = QLineEdit(placeholderText="Type a word, e.g. football")
        self.neighbours_note = QLabel()
        self.neighbours_note.setWordWrap(True)
        self.neighbours = _table(("Word", "Similarity"))
        neighbours = QVBoxLayout(neighbours_box)
        neighbours.addWidget(self.word_edit)
        neighbours.addWidget(self.neighbours_note)
        neighbours.addWidget(self.neighbours, 1)

        left = QVBoxLayout()
        left.addWidget(info_box)
        left.addWidget(coverage_box, 1)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addWidget(neighbours_box, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(source)
        layout.addWidget(self.progress)
        layout.addWidget(self.message_bar)
        layout.addLayout(body, 1)

        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.show_neighbours)
        self.word_edit.textChanged.connect(lambda _: self._debounce.start())
        self.word_edit.returnPressed.connect(self.show_neighbours)
        self.source_combo.currentIndexChanged.connect(lambda _: self._update_source_widgets())
        self.browse_button.clicked.connect(self.choose_file)
        self.load_button.clicked.connect(self.load_chosen)
        self.path_edit.returnPressed.connect(self.load_chosen)
        state.vectors_changed.connect(self.refresh)
        state.corpus_changed.connect(self._corpus_changed)
        state.config_changed.connect(self._config_changed)
        self._update_source_widgets()
        self.refresh()

    # --- choosing and loading --------------------------------------------------------
    def _update_source_widgets(self) -> None:
        is_file = self.source_combo.currentData() == "file"
        self.path_edit.setEnabled(is_file)
        self.browse_button.setEnabled(is_file)

    def choose_file(self) -> None:
        start = self.path_edit.text().strip() or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open word vectors", start, VECTORS_FILTER)
        if path:
            self.load_source(path)

    def load_chosen(self) -> Task | None:
        """Load what the source combo (and path box) say."""
        kind = self.source_combo.currentData()
        if kind == "file":
            path = self.path_edit.text().strip()
            if not path:
                self.message_bar.show_error("Choose a vectors file first (Browse…).")
                return None
            return self.load_source(VectorsSource.parse(path))
        return self.load_source(VectorsSource(kind))

    def _show_source(self, source: VectorsSource) -> None:
        self.source_combo.blockSignals(True)
        self.source_combo.setCurrentIndex(self.source_combo.findData(source.kind))
        self.source_combo.blockSignals(False)
        if source.is_file:
            self.path_edit.setText(str(source))
        self._update_source_widgets()

    def load_source(self, source: VectorsSource | str) -> Task | None:
        """Load the bundled GloVe, a file (filtered to the corpus vocabulary) or none."""
        try:
            source = VectorsSource.parse(source)
        except WorkbenchError as exc:
            self.message_bar.show_error(str(exc))
            return None
        self.message_bar.clear()
        if source.is_file:
            chosen = self._with_zip_member(source)
            if chosen is None:
                return None
            source = chosen
        self._show_source(source)
        if source.is_none:
            current = self.tasks.current(LOAD_KIND)
            if current is not None:
                current.cancel()
            self.state.set_vectors(source, None, None)
            return None
        corpus, config = self.state.corpus, self.state.config
        key = self._key_for(corpus)

        def job(ctx: TaskContext) -> tuple:
            tokenizer = None
            if corpus is not None:
                ctx.progress(-1, "Counting the corpus words…")
                tokenizer = corpus_tokenizer(corpus, config)
            ctx.check_cancelled()
            vocabulary = None if source.is_bundled or tokenizer is None else tokenizer.word_index
            vectors = source.load(vocabulary=vocabulary, progress=ctx.progress, cancel=ctx.cancel)
            cov = None
            if tokenizer is not None:
                cov = corpus_coverage(corpus, config, vectors, tokenizer)
            return source, vectors, cov, key

        self.task = self.tasks.start(LOAD_KIND, job)
        self.progress.track(self.task, f"Loading {source.label()}…")
        self.task.done.connect(self._loaded)
        self.task.failed.connect(
            lambda msg, details: self.message_bar.show_error(msg, details, topic="vectors")
        )
        self.task.cancelled.connect(lambda: self.message_bar.show_info("Loading cancelled."))
        return self.task

    def _with_zip_member(self, source: VectorsSource) -> VectorsSource | None:
        """``source``, with the member the user picks when a zip holds several vectors files.

        None when the user cancels the choice.
        """
        import zipfile

        from workbench.core import vectors_members

        path = Path(str(source.path)).expanduser()
        if source.member is not None or not path.is_file() or not zipfile.is_zipfile(path):
            return source
        try:
            members = vectors_members(path)
        except WorkbenchError:
            return source  # loading it gives the message
        if len(members) < 2:
            return source
        picked = self.pick_zip_member(path, members)
        if picked is None:
            self.message_bar.show_info(f"{path.name} holds several vectors files; none chosen.")
            return None
        return VectorsSource.file(path, picked)

    def pick_zip_member(self, path: Path, members: list[str]) -> str | None:
        """Ask which of a zip's vectors files to load (None: cancelled)."""
        from PySide6.QtWidgets import QInputDialog

        picked, ok = QInputDialog.getItem(
            self,
            "Choose a vectors file",
            f"{path.name} holds several vectors files. Load which one?",
            members,
            0,
            False,
        )
        return picked if ok and picked else None

    def _loaded(self, payload: object) -> None:
        source, vectors, cov, key = payload
        self._coverage_key = key
        self.state.set_vectors(source, vectors, cov)

    # --- coverage --------------------------------------------------------------------
    def _key_for(self, corpus) -> tuple | None:
        if corpus is None:
            return None
        return (id(corpus), self.state.config.max_words, self.state.config.min_count)

    def _corpus_changed(self) -> None:
        source = self.state.vectors_source
        if self.state.vectors is None or self._key_for(self.state.corpus) == self._coverage_key:
            return
        if source.is_file and self.state.corpus is not None:
            self.load_source(source)  # a file is filtered to the corpus vocabulary: reload
        else:
            self.update_coverage()

    def _config_changed(self) -> None:
        key = self._key_for(self.state.corpus)
        if self.state.vectors is not None and key is not None and key != self._coverage_key:
            self._corpus_changed()

    def update_coverage(self) -> Task | None:
        """Recompute coverage of the current corpus by the loaded vectors (in a worker)."""
        state = self.state
        vectors, corpus, config = state.vectors, state.corpus, state.config
        if vectors is None or corpus is None:
            self._coverage_key = None
            state.set_coverage(None)
            return None
        key = self._key_for(corpus)

        def job(ctx: TaskContext) -> object:
            ctx.progress(-1, "Computing coverage…")
            return corpus_coverage(corpus, config, vectors)

        task = self.tasks.start(COVERAGE_KIND, job)

        def done(cov: object) -> None:
            if state.vectors is vectors:
                self._coverage_key = key
                state.set_coverage(cov)

        task.done.connect(done)
        task.failed.connect(
            lambda msg, details: self.message_bar.show_error(msg, details, topic="vectors")
        )
        return task

    # --- showing -----------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the state's vectors and coverage."""
        vectors, cov = self.state.vectors, self.state.coverage
        if self.tasks.current(LOAD_KIND) is None:
            self._show_source(self.state.vectors_source)
        if vectors is None:
            self.summary_label.setText(
                "No vectors: the model learns its embedding from scratch."
                if self.state.vectors_source.is_none
                else "No vectors loaded."
            )
            for label in (self.dim_label, self.rows_label, self.malformed_label):
                label.setText("–")
        else:
            report = vectors.report
            self.summary_label.setText(report.summary() + f" in {report.elapsed_s:.1f} s.")
            self.dim_label.setText(str(vectors.dim))
            self.rows_label.setText(f"{report.rows_read:,} / {report.rows_kept:,}")
            if report.malformed:
                lines = ", ".join(str(n) for n in report.malformed_lines)
                self.malformed_label.setText(f"{report.malformed:,} skipped (first: line {lines})")
            else:
                self.malformed_label.setText("none")
        if cov is None:
            self.vocab_label.setText("–")
            self.scope_label.setText("–")
            self.tokens_label.setText("–")
            _fill(self.uncovered, [])
        else:
            self.vocab_label.setText(cov.vocabulary_text())
            self.tokens_label.setText(cov.tokens_text())
            self.scope_label.setText(cov.scope_text())
            _fill(self.uncovered, [(w, f"{n:,}") for w, n in cov.top_uncovered])
        if self.word_edit.text().strip():
            self.show_neighbours()

    def show_neighbours(self) -> Task | None:
        """List the nearest neighbours of the typed word (computed in a worker)."""
        self._debounce.stop()
        word = self.word_edit.text().strip().lower()
        vectors = self.state.vectors
        _fill(self.neighbours, [])
        if not word:
            self.neighbours_note.setText("")
            return None
        if vectors is None:
            self.neighbours_note.setText("Load vectors first.")
            return None
        if word not in vectors:
            self.neighbours_note.setText(f"“{word}” is not in the vectors.")
            return None
        self.neighbours_note.setText("Searching…")
        task = self.tasks.start(NEIGHBOURS_KIND, lambda ctx: vectors.nearest(word, NEIGHBOURS))

        def done(rows: object) -> None:
            scope = (
                f"among the {len(vectors):,} loaded words"
                if vectors.report.requested is not None
                else f"among all {len(vectors):,} words"
            )
            self.neighbours_note.setText(f"Nearest to “{word}” {scope}:")
            _fill(self.neighbours, [(w, f"{s:.3f}") for w, s in rows])

        task.done.connect(done)
        task.failed.connect(lambda msg, details: self.neighbours_note.setText(msg))
        return task


if __name__ == "__main__":
    import sys

    from workbench.gui.widgets import run_page_alone

    sys.exit(
        run_page_alone(
            VectorsPage,
            size=(1000, 700),
            prepare=lambda state, page, arg: page.load_source(arg or "bundled"),
        )
    )
