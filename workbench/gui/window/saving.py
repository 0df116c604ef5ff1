"""File > Save model as…: copy the current bundle folder (or save it) to a chosen place."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from workbench.core import copy_bundle
from workbench.gui.tasks import Task, TaskContext

if TYPE_CHECKING:
    from workbench.gui.window.main_window import MainWindow


def ask_destination(window: MainWindow) -> Path | None:
    """Ask where to save the model (a new folder name)."""
    bundle = window.state.bundle
    start = window.state.models_dir / (bundle.info.name if bundle else "model")
    path, _ = QFileDialog.getSaveFileName(
        window,
        "Save model as",
        str(start),
        "Model folder (*)",
        options=QFileDialog.Option.DontConfirmOverwrite,
    )
    return Path(path) if path else None


def start_save_model_as(window: MainWindow, destination: str | Path | None) -> Task | None:
    """Start a ``save_model`` task; messages go to the window's message bar."""
    bundle = window.state.bundle
    if bundle is None:
        window.show_error("No model to save: train one or load one on the Models page first.")
        return None
    target = Path(destination) if destination else ask_destination(window)
    if target is None:
        return None
    target = target.expanduser().absolute()
    source = bundle.info.path

    def job(ctx: TaskContext) -> Path:
        ctx.progress(-1, f"Saving model to {target}…")
        if source is not None and Path(source).is_dir():
            return copy_bundle(source, target)
        if target.exists():
            from workbench.core import BundleError

            raise BundleError(f"cannot save model: {target} already exists")
        return bundle.save(target)

    task = window.tasks.start("save_model", job)

    def saved(path: object) -> None:
        window.settings.add_recent("models", str(path))
        window.state.notify_bundles_changed()
        window.message_bar.show_info(f"Model saved to {path}")

    task.done.connect(saved)
    task.failed.connect(lambda message, details: window.show_error(message, details))
    return task
