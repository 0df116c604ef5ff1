"""Models page: saved bundles in the models folder; load, rename, delete, open folder."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.core import WorkbenchError, delete_bundle, rename_bundle
from workbench.gui.state import AppState
from workbench.gui.tasks import Task, TaskContext, TaskRunner
from workbench.gui.widgets import MessageBar, TaskProgress

LOAD_KIND = "load_bundle"
COLUMNS = ("Name", "Created", "Classes", "Test accuracy", "Macro F1", "Configuration")
PATH_ROLE = Qt.ItemDataRole.UserRole


def format_created(created: str) -> str:
    """An ISO timestamp as local "YYYY-MM-DD HH:MM" (the text itself when it is not one)."""
    try:
        stamp = datetime.fromisoformat(created)
    except (TypeError, ValueError):
        return created or "?"
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone()
    return stamp.strftime("%Y-%m-%d %H:%M")


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _same_path(a: Path | None, b: Path | None) -> bool:
    if a is None or b is None:
        return False
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def provenance_lines(provenance: dict) -> list[str]:
    """Readable lines for a bundle's corpus and vectors provenance."""
    lines: list[str] = []
    corpus = provenance.get("corpus")
    if isinstance(corpus, dict):
        sizes = corpus.get("sizes") or {}
        split = ", ".join(f"{name} {count}" for name, count in sizes.items())
        lines.append(
            f"Corpus: {corpus.get('source')} ({corpus.get('format')}, "
            f"{corpus.get('documents')} documents{'; ' + split if split else ''})"
        )
        counts = corpus.get("class_counts") or {}
        if counts:
            lines.append("Classes: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        duplicates = corpus.get("duplicates") or {}
        if any(duplicates.values()):
            lines.append(
                "Texts also in the training split: "
                + ", ".join(f"{k} {v}" for k, v in duplicates.items())
            )
    vectors = provenance.get("vectors")
    if isinstance(vectors, dict):
        text = f"Vectors: {vectors.get('source')}, {vectors.get('dim')}d"
        cover = vectors.get("coverage") or {}
        if "vocab_share" in cover and "token_share" in cover:
            text += (
                f"; coverage {cover['vocab_share']:.1%} of the vocabulary, "
                f"{cover['token_share']:.1%} of tokens"
            )
            if cover.get("texts"):
                text += f", counted on the {cover['texts']}"
        lines.append(text)
    known = {"corpus", "vectors", "class_names"}
    lines += [f"{key}: {value}" for key, value in provenance.items() if key not in known]
    return lines


class ModelsPage(QWidget):
    """Saved bundles in ``state.models_dir``; the current model is shown in bold."""

    def __init__(self, state: AppState, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.tasks = tasks
        self.infos: list = []
        self.problems: list[str] = []

        self.folder_label = QLabel()
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_label.setObjectName("modelsFolder")
        # a long path must not widen the window: it is elided, the full path in a tooltip
        self.folder_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.folder_button = QPushButton("Change folder…")
        self.folder_button.setToolTip(
            "Choose the folder where models are saved and listed (remembered)"
        )
        self.outside: list[Path] = []  # models opened from other folders, listed too
        self.load_button = QPushButton("Load")
        self.load_button.setToolTip("Make the selected model the current one (Classify, Evaluate)")
        self.rename_button = QPushButton("Rename…")
        self.delete_button = QPushButton("Delete…")
        self.open_button = QPushButton("Open folder")
        self.refresh_button = QPushButton("Refresh")
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_label, 1)
        folder_row.addWidget(self.folder_button)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (
            self.load_button,
            self.rename_button,
            self.delete_button,
            self.open_button,
            self.refresh_button,
        ):
            buttons.addWidget(button)
        self.progress = TaskProgress()
        self.message_bar = MessageBar()

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.details = QPlainTextEdit(readOnly=True)
        self.details.setPlaceholderText("Select a model to see where it came from.")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setSizes([400, 150])

        layout = QVBoxLayout(self)
        layout.addLayout(folder_row)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.message_bar)
        layout.addWidget(splitter, 1)

        self.load_button.clicked.connect(self.load_selected)
        self.rename_button.clicked.connect(lambda: self.rename_selected())
        self.delete_button.clicked.connect(self.delete_selected)
        self.open_button.clicked.connect(self.open_selected_folder)
        self.refresh_button.clicked.connect(self.refresh)
        self.folder_button.clicked.connect(self.choose_models_dir)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemDoubleClicked.connect(lambda _: self.load_selected())
        state.bundles_changed.connect(self.refresh)
        state.bundle_changed.connect(self._mark_current)
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()  # the folder may have changed outside Workbench

    # --- listing -------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the models folder (broken bundle folders are reported, not listed)."""
        from workbench.core import list_bundles

        selected = self.selected_path()
        folder = self.state.models_dir
        self.folder_label.setText(f"Models folder: {folder}")
        self.folder_label.setToolTip(str(folder))
        self.problems = []
        self.infos = list_bundles(folder, problems=self.problems)
        self.infos += self._outside_infos()
        self.table.setRowCount(len(self.infos))
        for row, info in enumerate(self.infos):
            values = (
                info.name,
                format_created(info.created),
                ", ".join(info.class_names),
                _percent(info.accuracy) + ("" if info.is_complete else f" ({info.status})"),
                _percent(info.macro_f1),
                info.summary(),
            )
            outside = not _same_path(Path(info.path).parent, folder)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(PATH_ROLE, str(info.path))
                tip = str(info.path)
                if outside:
                    tip += " (opened from outside the models folder)"
                item.setToolTip(tip if info.is_complete else f"{tip}\n{info.status_text}")
                self.table.setItem(row, column, item)
            if _same_path(info.path, selected):
                self.table.selectRow(row)
        self._mark_current()
        if self.problems and self.message_bar.kind() != "error":
            count = len(self.problems)
            self.message_bar.show_warning(
                f"{count} folder{'s' if count != 1 else ''} in the models folder "
                f"{'are' if count != 1 else 'is'} not readable models: {self.problems[0]}",
                "\n".join(self.problems),
            )
        self._selection_changed()

    def _outside_infos(self) -> list:
        """Models opened from other folders this session (still readable ones)."""
        from workbench.core import read_bundle_info

        infos = []
        for path in list(self.outside):
            if _same_path(path.parent, self.state.models_dir):
                continue  # listed with the folder
            try:
                infos.append(read_bundle_info(path))
            except WorkbenchError:
                self.outside.remove(path)
        return infos

    def choose_models_dir(self) -> None:
        """Pick another models folder (a folder dialog)."""
        folder = self.ask_models_dir()
        if folder:
            self.set_models_dir(folder)

    def ask_models_dir(self) -> str:
        """Ask for a folder (tests replace this)."""
        return QFileDialog.getExistingDirectory(
            self, "Models folder", str(self.state.models_dir)
        )

    def set_models_dir(self, folder: str | Path) -> None:
        """Save and list models in ``folder`` from now on (remembered by the window)."""
        self.message_bar.clear()
        self.state.set_models_dir(folder)
        self.refresh()

    def _mark_current(self) -> None:
        bundle = self.state.bundle
        current = bundle.info.path if bundle is not None else None
        for row, info in enumerate(self.infos):
            bold = _same_path(info.path, current)
            for column in range(self.table.columnCount()):
                item = self.table.item(row, column)
                if item is not None:
                    font = QFont(item.font())
                    font.setBold(bold)
                    item.setFont(font)

    def current_row(self) -> int | None:
        """Row of the current model in the table, if it is listed."""
        bundle = self.state.bundle
        for row, info in enumerate(self.infos):
            if bundle is not None and _same_path(info.path, bundle.info.path):
                return row
        return None

    def selected_path(self) -> Path | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return Path(item.data(PATH_ROLE)) if item is not None else None

    def select_name(self, name: str) -> bool:
        """Select the row of the bundle called ``name``; False if none."""
        for row, info in enumerate(self.infos):
            if info.name == name or (info.path and info.path.name == name):
                self.table.selectRow(row)
                return True
        return False

    def _selection_changed(self) -> None:
        path = self.selected_path()
        for button in (self.load_button, self.rename_button, self.delete_button, self.open_button):
            button.setEnabled(path is not None)
        info = next((i for i in self.infos if _same_path(i.path, path)), None)
        if info is None:
            self.details.clear()
            return
        lines = [f"Folder: {info.path}", f"Model: {info.summary()}"]
        if not info.is_complete:
            lines.append(f"Status: {info.status_text}")
        if info.epochs_run is not None:
            lines.append(f"Epochs run: {info.epochs_run}")
        lines += provenance_lines(info.provenance)
        versions = ", ".join(f"{k} {v}" for k, v in info.versions.items() if v)
        if versions:
            lines.append(f"Saved with: {versions}")
        self.details.setPlainText("\n".join(lines))

    # --- actions ---------------------------------------------------------------------
    def load_selected(self) -> Task | None:
        path = self.selected_path()
        return self.load_bundle_path(path) if path is not None else None

    def load_bundle_path(self, path: Path) -> Task:
        """Load the bundle at ``path`` in a worker; it becomes the current model."""
        self.message_bar.clear()

        def job(ctx: TaskContext) -> object:
            from workbench.core import load_bundle

            ctx.progress(-1, f"Loading {Path(path).name} (TensorFlow may take a while)…")
            return load_bundle(path)

        task = self.tasks.start(LOAD_KIND, job)
        self.progress.track(task, f"Loading {Path(path).name}…")
        task.done.connect(self._loaded)
        task.failed.connect(lambda msg, details: self.message_bar.show_error(msg, details))
        return task

    def _loaded(self, bundle: object) -> None:
        path = getattr(bundle.info, "path", None)
        if path is not None and not _same_path(Path(path).parent, self.state.models_dir):
            if not any(_same_path(path, known) for known in self.outside):
                self.outside.append(Path(path))
        self.state.set_bundle(bundle)
        self.refresh()
        if path is not None:
            self.select_name(Path(path).name)
        self.message_bar.show_info(f"Loaded {bundle.info.name}: Classify and Evaluate use it now.")

    def ask_new_name(self, current: str) -> str | None:
        """Ask for a new model name (tests replace this)."""
        text, ok = QInputDialog.getText(self, "Rename model", "New name:", text=current)
        return text if ok else None

    def rename_selected(self, new_name: str | None = None) -> Path | None:
        """Rename the selected bundle's folder and the name in its bundle.json."""
        path = self.selected_path()
        if path is None:
            return None
        name = new_name if new_name is not None else self.ask_new_name(path.name)
        if name is None or name.strip() == path.name:
            return None
        try:
            target = rename_bundle(path, name)
        except WorkbenchError as exc:
            self.message_bar.show_error(str(exc))
            return None
        bundle = self.state.bundle
        if bundle is not None and _same_path(bundle.info.path, path):
            bundle.info.path, bundle.info.name = target, target.name
            self.state.set_bundle(bundle, self.state.evaluation)
        self.message_bar.show_info(f"Renamed {path.name} to {target.name}.")
        self.state.notify_bundles_changed()
        self.select_name(target.name)
        return target

    def confirm_delete(self, name: str) -> bool:
        """Ask before deleting (tests replace this)."""
        answer = QMessageBox.question(
            self,
            "Delete model",
            f"Delete the model “{name}” and its folder? This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def delete_selected(self) -> bool:
        """Delete the selected bundle after confirmation; True when deleted."""
        path = self.selected_path()
        if path is None or not self.confirm_delete(path.name):
            return False
        try:
            delete_bundle(path)
        except WorkbenchError as exc:
            self.message_bar.show_error(str(exc))
            return False
        bundle = self.state.bundle
        note = ""
        if bundle is not None and _same_path(bundle.info.path, path):
            bundle.info.path = None  # still usable in memory; "Save model as…" can save it again
            self.state.set_bundle(bundle, self.state.evaluation)
            note = " It stays loaded until you load another model."
        self.message_bar.show_info(f"Deleted {path.name}.{note}")
        self.state.notify_bundles_changed()
        return True

    def open_url(self, url: QUrl) -> bool:
        """Open ``url`` with the desktop (tests replace this)."""
        return QDesktopServices.openUrl(url)

    def open_selected_folder(self) -> None:
        path = self.selected_path()
        if path is not None and not self.open_url(QUrl.fromLocalFile(str(path))):
            self.message_bar.show_error(f"Cannot open {path} with the desktop file manager.")


if __name__ == "__main__":
    import sys

    from workbench.gui.widgets import run_page_alone

    sys.exit(run_page_alone(ModelsPage, size=(1000, 600)))
