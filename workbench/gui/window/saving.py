"""File > Save model as…: copy the current bundle (or save it) under a new name.

The dialog asks for a name in the models folder (the Models page lists it), or in
another folder the user picks; never inside a bundle folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core import (
    WorkbenchError,
    bundle_containing,
    check_new_bundle_path,
    copy_bundle,
    validate_bundle_name,
)
from workbench.gui.settings import Settings
from workbench.gui.state import AppState
from workbench.gui.tasks import Task, TaskContext, TaskRunner

KIND = "save_model"


def suggest_name(folder: Path, name: str) -> str:
    """``"<name> copy"``, or ``"<name> copy 2"``... the first that is free in ``folder``."""
    base = f"{name} copy"
    candidate, number = base, 2
    while (folder / candidate).exists():
        candidate = f"{base} {number}"
        number += 1
    return candidate


def outside_bundles(folder: Path) -> Path:
    """``folder``, or the folder holding the bundle it is (or lies in)."""
    inside = bundle_containing(folder)
    return folder if inside is None else inside.parent


class SaveModelDialog(QDialog):
    """Ask for the new model's name and folder (the models folder unless changed)."""

    def __init__(self, models_dir: Path, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save model as")
        self.models_dir = Path(models_dir)
        self.folder = outside_bundles(self.models_dir)
        self.name_edit = QLineEdit(suggest_name(self.folder, name))
        self.name_edit.setToolTip("The new model's name: its folder's name too")
        self.folder_label = QLabel()
        self.folder_label.setWordWrap(True)
        self.folder_button = QPushButton("Change folder…")
        self.folder_button.setToolTip("Save into another folder instead of the models folder")
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_label, 1)
        folder_row.addWidget(self.folder_button)
        form = QFormLayout()
        form.addRow("Name:", self.name_edit)
        form.addRow("Folder:", folder_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.folder_button.clicked.connect(self._choose_folder)
        self.name_edit.textChanged.connect(lambda _: self.error_label.clear())
        self._show_folder()
        self.name_edit.selectAll()

    def _show_folder(self) -> None:
        note = " (the models folder)" if self.folder == self.models_dir else ""
        self.folder_label.setText(f"{self.folder}{note}")

    def set_folder(self, folder: str | Path) -> bool:
        """Save into ``folder``; refused (message shown) when it is a bundle or inside one."""
        folder = Path(folder).expanduser().absolute()
        inside = bundle_containing(folder)
        if inside is not None:
            self.error_label.setText(
                f"{folder} is inside the model “{inside.name}”: choose a folder that is not "
                "a model, for example the models folder."
            )
            return False
        self.folder = folder
        self.error_label.clear()
        self._show_folder()
        return True

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save the model in", str(self.folder))
        if folder:
            self.set_folder(folder)

    def destination(self) -> Path | None:
        """The new model's folder, or None (reason shown) when the name or place is wrong."""
        try:
            name = validate_bundle_name(self.name_edit.text())
            return check_new_bundle_path(self.folder / name)
        except WorkbenchError as exc:
            message = str(exc)
            if "already exists" in message:
                message = f"A model or file named “{self.name_edit.text().strip()}” is already "
                message += f"in {self.folder}: choose another name."
            self.error_label.setText(message[:1].upper() + message[1:])
            return None

    def accept(self) -> None:
        if self.destination() is not None:
            super().accept()


class ModelSaver:
    """Saves the current model under a new name in a ``save_model`` task.

    Gets only what it uses: the state (current model, models folder), the task
    runner, the settings (recent models) and where to show messages.
    """

    def __init__(
        self,
        state: AppState,
        tasks: TaskRunner,
        settings: Settings,
        *,
        show_error: Callable[[str, str], None],
        show_info: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        self.state = state
        self.tasks = tasks
        self.settings = settings
        self.show_error = show_error
        self.show_info = show_info
        self.parent = parent

    def ask_destination(self) -> Path | None:
        """Ask for the new model's name (and folder); None when cancelled."""
        bundle = self.state.bundle
        name = bundle.info.name if bundle is not None else "model"
        dialog = SaveModelDialog(self.state.models_dir, name, self.parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.destination()

    def save_as(self, destination: str | Path | None = None) -> Task | None:
        """Start saving the current model to ``destination`` (asked when None)."""
        bundle = self.state.bundle
        if bundle is None:
            self.show_error("No model to save: train one or load one on the Models page first.", "")
            return None
        target = Path(destination) if destination else self.ask_destination()
        if target is None:
            return None
        target = target.expanduser().absolute()
        source = bundle.info.path

        def job(ctx: TaskContext) -> Path:
            ctx.progress(-1, f"Saving model to {target}…")
            if source is not None and Path(source).is_dir():
                return copy_bundle(source, target)
            return bundle.save(check_new_bundle_path(target))

        task = self.tasks.start(KIND, job)
        models_dir = self.state.models_dir

        def saved(path: object) -> None:
            self.settings.add_recent("models", str(path))
            self.state.notify_bundles_changed()
            where = "" if Path(str(path)).parent == models_dir else " (listed in File > Recent)"
            self.show_info(f"Model saved to {path}{where}")

        task.done.connect(saved)
        task.failed.connect(lambda message, details: self.show_error(message, details))
        return task
