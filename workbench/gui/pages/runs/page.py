"""Runs page: every recorded training run of the models folder, compared and reused.

The table lists the runs of ``<models folder>/runs.sqlite`` (window and command
line alike), sortable and filterable. Selecting runs overlays their curves and
shows their metrics and differing config side by side. From the selected run:
open it in Evaluate, load it in Classify, train again with its config (fills the
Train form), or forget it. A timer polls the store (``PRAGMA data_version``, a
cheap read) while the page is shown, so a run training now - here or in a
terminal - is followed live, and with "Follow new runs" a new run gets selected.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.core import RunStore, TrainConfig, WorkbenchError
from workbench.gui.pages.runs.compare import RunComparison, RunCurves
from workbench.gui.pages.runs.table import COLUMNS, RunsFilter, RunsTableModel
from workbench.gui.state import AppState
from workbench.gui.tasks import Task, TaskContext, TaskRunner
from workbench.gui.widgets import MessageBar

log = logging.getLogger(__name__)
POLL_MS = 1000
LOAD_KIND = "load-run-model"


class RunsPage(QWidget):
    """Table of runs, overlaid curves, comparison, and actions on a run."""

    def __init__(self, state: AppState, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.tasks = tasks
        self._store: RunStore | None = None
        self._version: int | None = None
        self._seen: set[int] = set()

        self.model = RunsTableModel(self)
        self.proxy = RunsFilter(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(COLUMNS.index("id"), Qt.SortOrder.DescendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setWordWrap(False)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter runs (name, status, kind, corpus)…")
        self.filter_edit.setClearButtonEnabled(True)
        self.follow_box = QCheckBox("Follow new runs")
        self.follow_box.setChecked(True)
        self.follow_box.setToolTip(
            "Select a run as soon as it starts training (here or in a terminal)"
        )
        self.count_label = QLabel()
        self.evaluate_button = QPushButton("Open in Evaluate")
        self.classify_button = QPushButton("Load in Classify")
        self.again_button = QPushButton("Train again with this config")
        self.delete_button = QPushButton("Delete run")
        self.evaluate_button.setToolTip("Load the run's model and show it on the Evaluate page")
        self.classify_button.setToolTip("Load the run's model and show the Classify page")
        self.again_button.setToolTip("Put the run's settings in the Train form")
        self.delete_button.setToolTip("Forget the selected runs (their model folders stay)")
        self.messages = MessageBar()
        self.curves = RunCurves()
        self.comparison = RunComparison()

        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.follow_box)
        top.addWidget(self.count_label)
        actions = QHBoxLayout()
        for button in (self.evaluate_button, self.classify_button, self.again_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.delete_button)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.curves)
        lower.addWidget(self.comparison)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setSizes([600, 400])  # the comparison readable from the start (3:2)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.view)
        splitter.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.messages)
        layout.addWidget(splitter, 1)
        layout.addLayout(actions)

        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.filter_edit.textChanged.connect(self.proxy.set_text)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.evaluate_button.clicked.connect(lambda: self.open_selected("Evaluate"))
        self.classify_button.clicked.connect(lambda: self.open_selected("Classify"))
        self.again_button.clicked.connect(self.train_again)
        self.delete_button.clicked.connect(lambda: self.delete_selected())
        state.bundles_changed.connect(self.poll)
        self._update_buttons()

    # --- store ----------------------------------------------------------------------
    def store(self) -> RunStore:
        """The run store of the current models folder (reopened when it changes)."""
        path = Path(self.state.models_dir)
        if self._store is None or self._store.path.parent != path:
            if self._store is not None:
                self._store.close()
            self._store = RunStore(path)
            self._version = None
        return self._store

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.poll()
        self.timer.start()

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self.timer.stop()

    def closeEvent(self, event: Any) -> None:
        self.timer.stop()
        if self._store is not None:
            self._store.close()
            self._store = None
        super().closeEvent(event)

    def poll(self) -> bool:
        """Reload when the store changed since the last look; True when it did."""
        try:
            store = self.store()
            version = store.data_version()
            if version == self._version and self.model.rowCount():
                return False
            self._version = version
            self.refresh()
        except WorkbenchError as exc:
            self.messages.show_error(str(exc))
            self.timer.stop()
            return False
        return True

    def refresh(self) -> None:
        """Read every run again, keeping the selection; then follow new runs."""
        store = self.store()
        selected = self.selected_ids()
        runs = store.list_runs()
        new_running = [r.id for r in runs if r.status == "running" and r.id not in self._seen]
        first_load = not self._seen and not self.model.rowCount()
        self._seen.update(r.id for r in runs)
        self.model.set_runs(runs)
        if self.follow_box.isChecked() and new_running and not first_load:
            selected = [max(new_running)]
        self.select_ids(selected)
        self.count_label.setText(f"{len(runs)} runs")
        self._show_selection()

    # --- selection ----------------------------------------------------------------------
    def selected_ids(self) -> list[int]:
        rows = self.view.selectionModel().selectedRows()
        ids = [self.model.run_at(self.proxy.mapToSource(index).row()).id for index in rows]
        return sorted(ids)

    def select_ids(self, ids: list[int]) -> None:
        selection = self.view.selectionModel()
        selection.blockSignals(True)
        selection.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for run_id in ids:
            row = self.model.row_of(run_id)
            if row is not None:
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                if index.isValid():
                    selection.select(index, flags)
        selection.blockSignals(False)
        self.view.viewport().update()

    def select_runs(self, ids: list[int]) -> None:
        """Select these runs (as a user would) and show them."""
        self.select_ids(ids)
        self._selection_changed()

    def _selection_changed(self, *_: object) -> None:
        self._show_selection()
        self._update_buttons()

    def _show_selection(self) -> None:
        ids = self.selected_ids()
        if not ids:
            self.curves.clear()
            self.comparison.show_runs([])
            return
        store = self.store()
        histories = store.histories(ids)
        metrics = store.metrics_of(ids)
        runs = [self.model.run_at(self.model.row_of(i)) for i in ids]
        self.curves.show_runs([(r.id, r.name, histories.get(r.id, {})) for r in runs])
        self.comparison.show_runs([replace(r, metrics=metrics.get(r.id)) for r in runs])

    def _update_buttons(self) -> None:
        ids = self.selected_ids()
        one = len(ids) == 1
        run = self.model.run_at(self.model.row_of(ids[0])) if one else None
        has_model = run is not None and bool(run.bundle)
        self.evaluate_button.setEnabled(has_model)
        self.classify_button.setEnabled(has_model)
        self.again_button.setEnabled(one)
        self.delete_button.setEnabled(bool(ids))

    def current_run(self) -> Any:
        ids = self.selected_ids()
        return self.model.run_at(self.model.row_of(ids[0])) if len(ids) == 1 else None

    # --- actions ---------------------------------------------------------------------------
    def _go_to(self, title: str) -> None:
        window = self.window()
        if hasattr(window, "show_page"):
            window.show_page(title)

    def open_selected(self, page: str) -> Task | None:
        """Load the selected run's model, then show ``page`` ("Evaluate" or "Classify")."""
        run = self.current_run()
        if run is None or not run.bundle:
            return None
        path = Path(run.bundle)
        if not (path / "bundle.json").exists():
            self.messages.show_warning(
                f"The model of run {run.id} was deleted ({path}); its history is kept here."
            )
            return None

        def job(ctx: TaskContext) -> object:
            from workbench.core import load_bundle

            ctx.progress(-1, f"Loading {path.name}…")
            return load_bundle(path)

        task = self.tasks.start(LOAD_KIND, job)

        def loaded(bundle: object) -> None:
            self.state.set_bundle(bundle)
            self._go_to(page)

        task.done.connect(loaded)
        task.failed.connect(lambda message, details: self.messages.show_error(message, details))
        return task

    def train_again(self) -> TrainConfig | None:
        """Fill the Train form with the selected run's config and show the Train page."""
        run = self.current_run()
        if run is None:
            return None
        try:
            config = TrainConfig.from_dict(run.config, source=f"run {run.id}")
        except WorkbenchError as exc:
            self.messages.show_error(f"Cannot reuse the config of run {run.id}: {exc}")
            return None
        self.state.set_config(config)
        self.messages.show_info(f"The Train form now holds the settings of run {run.id}.")
        self._go_to("Train")
        return config

    def confirm_delete(self, ids: list[int]) -> bool:
        """Ask before forgetting runs (tests replace this)."""
        answer = QMessageBox.question(
            self,
            "Delete runs",
            f"Forget {len(ids)} run(s) and their curves? Their model folders are kept.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def delete_selected(self) -> int:
        """Forget the selected runs after confirmation; how many were deleted."""
        ids = self.selected_ids()
        if not ids or not self.confirm_delete(ids):
            return 0
        store = self.store()
        running = [i for i in ids if self.model.run_at(self.model.row_of(i)).status == "running"]
        if running:
            self.messages.show_warning(f"Run {running[0]} is training; stop it first.")
            return 0
        deleted = sum(store.delete_run(i) for i in ids)
        self.refresh()
        self.messages.show_info(f"Forgot {deleted} run(s); their model folders are kept.")
        return deleted


if __name__ == "__main__":
    import sys

    from workbench.gui.widgets import run_page_alone

    def _models_folder(state: AppState, page: QWidget, folder: str | None) -> None:
        """``python -m workbench.gui.pages.runs.page [MODELS_DIR]``."""
        if folder:
            state.models_dir = Path(folder)
            page.poll()

    sys.exit(run_page_alone(RunsPage, size=(1300, 800), prepare=_models_folder))
