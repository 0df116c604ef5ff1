"""The Train page's "Run on" choice: this computer, or a Ray cluster at an address.

Without Ray installed the cluster entry is disabled and its tooltip says how to
install it. The address is remembered in the settings (``train/ray_address``).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from workbench.core import ConfigError, normalise_ray_address, ray_missing_reason
from workbench.gui.settings import qsettings

RAY_ADDRESS_KEY = "train/ray_address"
DEFAULT_RAY_ADDRESS = "http://127.0.0.1:8265"
LOCAL, RAY = 0, 1


class RunOnChoice(QWidget):
    """A combo box (this computer / Ray cluster at) and the cluster's address."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setObjectName("trainRunOn")
        self.combo.addItem("this computer")
        self.combo.addItem("Ray cluster at")
        self.address_edit = QLineEdit(
            str(qsettings().value(RAY_ADDRESS_KEY, DEFAULT_RAY_ADDRESS, type=str))
        )
        self.address_edit.setObjectName("trainRayAddress")
        self.address_edit.setToolTip(
            "The cluster's job-submission address as 'ray start --head' prints it "
            "(http://HEAD:8265). The corpus, settings and vectors file travel with the job; "
            "the model comes back into the models folder."
        )
        self.missing = ray_missing_reason()
        if self.missing is not None:
            item = self.combo.model().item(RAY)  # type: ignore[attr-defined]
            item.setEnabled(False)
            item.setToolTip(self.missing)
            self.combo.setToolTip(self.missing)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Run on:"))
        layout.addWidget(self.combo)
        layout.addWidget(self.address_edit, 1)
        self.combo.currentIndexChanged.connect(self._on_changed)
        self.address_edit.textChanged.connect(self._on_changed)
        self._on_changed()

    def set_ray(self, address: str | None) -> None:
        """Choose the cluster at ``address`` (``None``: this computer)."""
        if address is not None:
            self.address_edit.setText(address)
        self.combo.setCurrentIndex(LOCAL if address is None else RAY)

    def address(self) -> str | None:
        """The checked cluster address, or ``None`` to run on this computer."""
        if self.combo.currentIndex() != RAY or self.missing is not None:
            return None
        try:
            return normalise_ray_address(self.address_edit.text())
        except ConfigError:
            return None

    def error(self) -> str:
        """Why the choice cannot be used ("" when it can)."""
        if self.combo.currentIndex() != RAY:
            return ""
        if self.missing is not None:
            return self.missing
        try:
            normalise_ray_address(self.address_edit.text())
        except ConfigError as exc:
            return str(exc)
        return ""

    def remember(self) -> None:
        qsettings().setValue(RAY_ADDRESS_KEY, self.address_edit.text().strip())

    def _on_changed(self, *_: object) -> None:
        self.address_edit.setEnabled(self.combo.currentIndex() == RAY)
        self.changed.emit()
