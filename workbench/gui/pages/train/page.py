"""Train page: settings form, Train/Stop, live plots, progress and a run log.

Training runs as a ``"train"`` task (see :mod:`workbench.gui.pages.train.job`); the page
only sees plain dicts while it runs and the finished ``RunResult`` at the end, whose
bundle (already saved by the core) becomes the current model.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from workbench.core import TrainingClock, format_duration
from workbench.gui.pages.train.config_form import ConfigForm
from workbench.gui.pages.train.job import ray_training_job, training_job, vectors_argument
from workbench.gui.pages.train.plots import TrainingPlots
from workbench.gui.pages.train.run_on import RunOnChoice
from workbench.gui.settings import qsettings
from workbench.gui.state import AppState
from workbench.gui.tasks import Task, TaskRunner
from workbench.gui.widgets import MessageBar

if TYPE_CHECKING:
    from workbench.core import RunResult, TimeEstimate

TASK_KIND = "train"
LOG_MAX_LINES = 5000
THROUGHPUT_KEY = "train/throughput"  # multiply-adds per second measured here
MEASURE_MIN_S = 30.0  # runs shorter than this do not set the measured speed
TRAIN_TIP = "Train a model with these settings (Ctrl+T)"
STATUS_TEXT = {
    "completed": "Completed",
    "early_stopped": "Early-stopped",
    "cancelled": "Cancelled",
    "failed": "Failed",
}


def _metric(value: float) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.4f}"


class TrainPage(QWidget):
    """Edit the training settings, run training and watch it live."""

    def __init__(self, state: AppState, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.tasks = tasks
        self.task: Task | None = None
        self.last_result: RunResult | None = None
        self.status = "idle"  # idle | running | completed | early_stopped | cancelled | failed
        self._clock = TrainingClock()
        self._phase = "idle"  # idle | preparing | training | finishing
        self._run_config = state.config
        self._run_size = 0

        self.form = ConfigForm(state.config)
        scroll = QScrollArea()
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(340)

        self.train_button = QPushButton("Train")
        self.train_button.setShortcut(QKeySequence("Ctrl+T"))
        self.stop_button = QPushButton("Stop")
        self.stop_button.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.stop_button.setToolTip("Stop after the current batch and keep the best model (Esc)")
        self.stop_button.setEnabled(False)
        self.sweep_button = QPushButton("Sweep…")
        self.sweep_button.setToolTip("Train a grid or random search of these settings")
        self.tensorboard_box = QCheckBox("TensorBoard logs")
        self.tensorboard_box.setToolTip(
            "Also write TensorBoard event files to a 'tensorboard' folder beside the models folder"
        )
        self.sweep_dialog = None
        self.reason_label = QLabel()
        self.reason_label.setObjectName("trainDisabledReason")
        self.reason_label.setStyleSheet("color: #8a5300;")
        self.reason_label.setWordWrap(True)
        self.estimate_label = QLabel()
        self.estimate_label.setObjectName("trainEstimate")
        self.estimate_label.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("Idle")
        self.result_label = QLabel()
        self.result_label.setObjectName("trainResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.messages = MessageBar()
        self.cudnn_label = QLabel()
        self.cudnn_label.setObjectName("trainCudnnNote")
        self.cudnn_label.setWordWrap(True)
        self.cudnn_label.setStyleSheet("color: #8a5300;")
        self.plots = TrainingPlots()
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(LOG_MAX_LINES)
        self.log.setPlaceholderText("Per-epoch results and the final status appear here.")
        self._log_follows = True
        self.log.verticalScrollBar().valueChanged.connect(self._on_log_scrolled)
        self.log.verticalScrollBar().rangeChanged.connect(self._on_log_range)

        buttons = QHBoxLayout()
        buttons.addWidget(self.train_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.sweep_button)
        buttons.addWidget(self.tensorboard_box)
        buttons.addWidget(self.reason_label, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(buttons)
        self.run_on = RunOnChoice()
        self.run_on.changed.connect(self._update_buttons)
        right_layout.addWidget(self.run_on)
        right_layout.addWidget(self.estimate_label)
        right_layout.addWidget(self.progress_bar)
        right_layout.addWidget(self.result_label)
        right_layout.addWidget(self.messages)
        right_layout.addWidget(self.cudnn_label)
        vertical = QSplitter(Qt.Orientation.Vertical)
        vertical.addWidget(self.plots)
        vertical.addWidget(self.log)
        vertical.setStretchFactor(0, 3)
        vertical.setStretchFactor(1, 1)
        right_layout.addWidget(vertical, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.train_button.clicked.connect(self.start_training)
        self.stop_button.clicked.connect(self.stop_training)
        self.sweep_button.clicked.connect(self.open_sweep)
        self.form.config_changed.connect(self.state.set_config)
        self.form.error_changed.connect(self._update_buttons)
        state.config_changed.connect(self._on_state_config)
        state.corpus_changed.connect(self._update_buttons)
        state.tf_ready_changed.connect(self._update_buttons)
        state.bundle_changed.connect(self._on_bundle_changed)
        state.config_changed.connect(self._update_estimate)
        state.corpus_changed.connect(self._update_estimate)
        state.vectors_changed.connect(self._update_estimate)
        state.vectors_changed.connect(self._update_embedding_editor)
        state.config_changed.connect(self._show_cudnn_note)
        self._update_buttons()
        self._embedding_tip = self.form.editors["embedding_dim"].toolTip()
        self._update_embedding_editor()
        self._update_estimate()
        self._show_cudnn_note()

    # --- public -------------------------------------------------------------
    def is_running(self) -> bool:
        return self.task is not None

    def disabled_reason(self) -> str:
        """Why Train is disabled ("" when it is enabled)."""
        if self.task is not None:
            return "Training is running"
        if self.state.corpus is None:
            return "Load a corpus first"
        if not self.state.tf_ready:
            return "TensorFlow is still loading…"
        return self.form.error() or self.run_on.error()

    def start_training(self) -> Task | None:
        """Start a training task with the form's settings (no-op if Train is disabled)."""
        config = self.form.config()
        if self.disabled_reason() or config is None or self.state.corpus is None:
            return None
        self.state.set_config(config)
        self._run_config = config
        self._run_size = len(self.state.corpus)
        self.messages.clear()
        self.plots.clear()
        self.last_result = None
        self._phase = "preparing"
        self.status = "running"
        self.result_label.clear()
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("Preparing…")
        corpus = self.state.corpus
        source = self.state.vectors_source
        self._log(
            f"Training on {len(corpus)} documents ({len(corpus.class_names)} classes), "
            f"vectors: {source}, epochs ≤ {config.epochs}"
        )
        address = self.run_on.address()
        tensorboard = self.tensorboard_dir() if self.tensorboard_box.isChecked() else None
        if address is not None:
            self.run_on.remember()
            self._log(f"Running on the Ray cluster at {address}")
            job = ray_training_job(
                corpus, config, vectors=source, models_dir=self.state.models_dir, address=address
            )
        else:
            job = training_job(
                corpus,
                config,
                vectors=vectors_argument(self.state.vectors, source),
                models_dir=self.state.models_dir,
                tensorboard=tensorboard,
            )
        task = self.tasks.start(TASK_KIND, job)
        self.task = task
        task.progress.connect(self._on_progress)
        task.partial.connect(self._on_partial)
        task.done.connect(self._on_done)
        task.failed.connect(self._on_failed)
        task.cancelled.connect(self._on_cancelled)
        task.finished.connect(self._on_finished)
        self._update_buttons()
        return task

    def tensorboard_dir(self) -> Path:
        """Where the TensorBoard checkbox writes: beside (not in) the models folder."""
        return Path(self.state.models_dir).parent / "tensorboard"

    def open_sweep(self) -> QWidget:
        """Show the sweep window (over the form's current settings)."""
        from workbench.gui.pages.train.sweep import SweepDialog

        config = self.form.config()
        if config is not None:
            self.state.set_config(config)
        if self.sweep_dialog is None:
            self.sweep_dialog = SweepDialog(
                self.state, self.tasks, self, ray_address=self.run_on.address
            )
        self.sweep_dialog.show()
        self.sweep_dialog.raise_()
        return self.sweep_dialog

    def stop_training(self) -> None:
        """Ask the running training to stop after its current batch."""
        if self.task is None or self.task.is_cancel_requested():
            return
        self.task.cancel()
        self.stop_button.setEnabled(False)
        self.progress_bar.setFormat("Stopping…")
        self._log("Stop requested; finishing the current batch…")

    # --- task signals ----------------------------------------------------------
    def _on_progress(self, fraction: float, message: str) -> None:
        if self._phase == "training":
            return  # batch events drive the bar while epochs run
        if self._phase == "preparing":
            if fraction < 0:
                self.progress_bar.setRange(0, 0)
            else:
                self.progress_bar.setRange(0, 1000)
                self.progress_bar.setValue(round(min(fraction, 1.0) * 1000))
        if message:
            self.progress_bar.setFormat(message[:1].upper() + message[1:])

    def _on_partial(self, event: object) -> None:
        if not isinstance(event, dict):
            return
        kind = event.get("event")
        if kind == "begin":
            self._phase = "training"
            self.progress_bar.setRange(0, 1000)
            self._clock.begin(int(event["epochs"]), int(event["steps"]))
            self.plots.begin(int(event["epochs"]), int(event["steps"]))
            self._log(f"Training: up to {event['epochs']} epochs of {event['steps']} batches")
        elif kind == "batch":
            epoch, batch = int(event["epoch"]), int(event["batch"])
            self.plots.add_batch(epoch, batch, event.get("loss"), event.get("accuracy"))
            self._show_position(epoch, batch, event.get("fraction"))
        elif kind == "epoch":
            epoch = int(event["epoch"])
            self.plots.add_epoch(epoch, event)
            # the epoch's last batch came just before, with its fraction
            best = " (best so far)" if self.plots.best_epoch == epoch else ""
            self._log(
                f"Epoch {epoch + 1}/{self._clock.epochs}: loss {_metric(event.get('loss'))}, "
                f"accuracy {_metric(event.get('accuracy'))}, "
                f"val_loss {_metric(event.get('val_loss'))}, "
                f"val_accuracy {_metric(event.get('val_accuracy'))}{best}"
            )
        elif kind == "end":
            self._phase = "finishing"  # test evaluation and saving follow
            self._log(f"Training ended: {event.get('status')} ({event.get('message')})")

    def _on_done(self, result: RunResult) -> None:
        self.last_result = result
        self._remember_throughput(result)
        train = result.train
        self.status = train.status
        if train.status in ("completed", "early_stopped"):
            self.progress_bar.setValue(1000)
        if getattr(train, "averaged", None) is not None:
            self.plots.mark_kept(train.averaged.text())
        if result.bundle_path is not None:
            self._log(f"Model saved to {result.bundle_path}")
        if result.bundle is not None:
            self.state.set_bundle(result.bundle, result.evaluation)
        if result.bundle_path is not None:
            self.state.notify_bundles_changed()
        save_error = getattr(result, "save_error", None)
        if save_error:
            self.messages.show_warning(f"The model was trained but not saved: {save_error}")
        summary = STATUS_TEXT.get(train.status, train.status)
        if train.message:
            summary += f": {train.message}"
        summary += f" · {format_duration(train.elapsed_s)}"
        devices, speed = getattr(train, "devices", None), getattr(train, "documents_per_s", None)
        if devices:
            summary += f" · on {devices.get('description', '?')}"
        if speed:
            summary += f" · {speed:.0f} documents/s"
        if result.evaluation is not None:
            summary += f" · test accuracy{_accuracy_text(result)}"
        elif result.bundle is None:
            summary += " · no model kept (no epoch finished)"
        self.result_label.setText(summary)
        self.progress_bar.setFormat(STATUS_TEXT.get(train.status, train.status))
        self._log(summary)
        if train.status == "failed":
            self.messages.show_error(f"Training failed: {train.message or 'unknown error'}")
        elif result.bundle is not None and train.status == "cancelled":
            kept = result.bundle.info.status_text or "the best epoch so far was kept"
            self.messages.show_info(
                f"Stopped: {kept}. This model is now the current one; the Models page marks "
                "it as stopped."
            )

    def _on_failed(self, message: str, details: str) -> None:
        self.status = "failed"
        self.messages.show_error(message, details)
        self.result_label.setText(f"Failed: {message}")
        self.progress_bar.setFormat("Failed")
        self._log(f"Failed: {message}")

    def _on_cancelled(self) -> None:
        self.status = "cancelled"
        self.result_label.setText("Cancelled before training started; no model kept")
        self.progress_bar.setFormat("Cancelled")
        self._log("Cancelled before training started")

    def _on_finished(self) -> None:
        self.task = None
        self._phase = "idle"
        self.progress_bar.setRange(0, 1000)
        self._update_buttons()

    # --- helpers ------------------------------------------------------------------
    def _show_position(self, epoch: int, batch: int, fraction: object) -> None:
        """Show the share of training done that the training process sent."""
        try:
            share = float(fraction)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return
        if not math.isfinite(share):
            return
        self.progress_bar.setValue(round(min(max(share, 0.0), 1.0) * 1000))
        self.progress_bar.setFormat(self._clock.text(epoch, batch, share))

    def _on_bundle_changed(self) -> None:
        """A model loaded elsewhere (Models page): show its training history while idle."""
        bundle = self.state.bundle
        if self.task is not None or bundle is None:
            return
        if self.last_result is not None and bundle is self.last_result.bundle:
            return
        history = getattr(bundle, "history", None) or {}
        val_loss = [v for v in history.get("val_loss", []) if v == v]  # drop NaN
        best = history["val_loss"].index(min(val_loss)) if val_loss else None
        self.plots.show_history(history, best)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("Idle")
        self.result_label.setText(f"Showing the training history of {bundle.info.name}")

    def _show_cudnn_note(self) -> None:
        """Say when the configuration would not use the fused cuDNN kernel on a GPU."""
        from workbench.core import cudnn_notes

        notes = cudnn_notes(self.state.config)
        self.cudnn_label.setText(
            "On a GPU this configuration trains without the fast cuDNN kernel: " + "; ".join(notes)
            if notes
            else ""
        )
        self.cudnn_label.setVisible(bool(notes))

    def _on_state_config(self) -> None:
        if self.task is None and self.form.config() != self.state.config:
            self.form.set_config(self.state.config)

    def _update_buttons(self, *_: object) -> None:
        running = self.task is not None
        reason = self.disabled_reason()
        self.train_button.setEnabled(not reason)
        self.train_button.setToolTip(reason or TRAIN_TIP)
        self.reason_label.setText("" if running else reason)
        self.reason_label.setVisible(bool(reason) and not running)
        self.stop_button.setEnabled(running)
        self.form.setEnabled(not running)

    def _log(self, line: str) -> None:
        """Add a line; the view follows the newest line unless the user scrolled up."""
        self.log.appendPlainText(line)

    def _on_log_scrolled(self, value: int) -> None:
        self._log_follows = value >= self.log.verticalScrollBar().maximum()

    def _on_log_range(self, _minimum: int, maximum: int) -> None:
        # also when lines arrived while the page was hidden and it is shown again
        if self._log_follows:
            self.log.verticalScrollBar().setValue(maximum)

    # --- estimate and vectors ------------------------------------------------------
    def _vectors_dim(self) -> int | None:
        vectors = self.state.vectors
        return (
            int(vectors.dim)
            if vectors is not None and self.state.vectors_source != "none"
            else None
        )

    def estimate(self) -> TimeEstimate | None:
        """The run time the form's settings should take on the current corpus."""
        from workbench.core import estimate_training_time

        config, corpus = self.form.config(), self.state.corpus
        if config is None or corpus is None:
            return None
        speed = qsettings().value(THROUGHPUT_KEY, 0.0, type=float)
        return estimate_training_time(
            config, len(corpus), embedding_dim=self._vectors_dim(), throughput=speed or None
        )

    def _update_estimate(self, *_: object) -> None:
        estimate = self.estimate()
        self.estimate_label.setText("" if estimate is None else estimate.text())
        self.estimate_label.setVisible(estimate is not None)

    def _remember_throughput(self, result: RunResult) -> None:
        """Keep this computer's measured speed for the next estimate."""
        from workbench.core import measured_throughput, training_work

        train = result.train
        if (getattr(result, "provenance", None) or {}).get("ray_job"):  # ran on a cluster
            return
        # short runs are mostly start-up time: they would make later estimates too long
        if train.status not in ("completed", "early_stopped") or train.elapsed_s < MEASURE_MIN_S:
            return
        try:
            work = training_work(self._run_config, self._run_size, self._vectors_dim())
        except Exception:  # an estimate must never break a finished run
            return
        history = getattr(train, "history", None) or {}
        epochs = max(int(getattr(train, "epochs_run", 0) or 0), len(history.get("loss", [])))
        speed = measured_throughput(work, epochs, float(train.elapsed_s))
        if speed is not None:
            qsettings().setValue(THROUGHPUT_KEY, speed)
            self._update_estimate()

    def _update_embedding_editor(self) -> None:
        """Embedding size is fixed by loaded word vectors: not editable then, and why."""
        editor = self.form.editors.get("embedding_dim")
        if editor is None:
            return
        dim = self._vectors_dim()
        editor.setEnabled(dim is None)
        if dim is not None:
            editor.setToolTip(
                f"Fixed at {dim} by the loaded word vectors ({self.state.vectors_source}). "
                "Choose 'none' on the Vectors page to set it here."
            )
        else:
            editor.setToolTip(self._embedding_tip)


def _prepare_alone(state: AppState, page: QWidget, corpus_path: str | None) -> None:
    """``python -m workbench.gui.pages.train.page [CORPUS]``: open the corpus, allow training."""
    if corpus_path:
        from workbench.core import load_corpus

        corpus, report = load_corpus(corpus_path)
        state.set_corpus(corpus, report, None)
    state.set_tf_ready(True)  # TensorFlow is imported when training starts


if __name__ == "__main__":
    import sys

    from workbench.gui.widgets import run_page_alone

    sys.exit(run_page_alone(TrainPage, size=(1300, 800), prepare=_prepare_alone))


def _accuracy_text(result: RunResult) -> str:
    """What follows "test accuracy" in the run's summary: ``": BiLSTM 97.8% - linear
    baseline 98.2%"`` (with a wide-and-deep model's parts alone), ``" 97.8% (linear
    baseline skipped: the run was stopped)"``, or ``" 97.8%"`` with the baseline off."""
    from workbench.core import BASELINE_SKIPPED, baseline_comparison

    accuracy = result.evaluation.accuracy if result.evaluation is not None else None
    if accuracy is None or result.bundle is None:
        return "" if accuracy is None else f" {accuracy:.1%}"
    text = baseline_comparison(
        result.bundle.config,
        accuracy,
        getattr(result, "baseline", None),
        stopped=result.train.status == "cancelled",
        parts=getattr(result, "parts", None),
    )
    if text == BASELINE_SKIPPED:
        return f" {accuracy:.1%} ({text})"
    return f": {text}" if text else f" {accuracy:.1%}"
