"""The training-settings form of the Train page: one editor per ``TrainConfig`` field.

Editors are built from the settings the core declares on its fields
(``TrainConfig.settings()``: label, help, group, bounds, choices, editor hints) and
grouped in three boxes (Text, Model, Training + split). The architecture choices come
from the core's registry, and settings the chosen architecture does not use are
disabled. Every edit rebuilds a ``TrainConfig``; a ``ConfigError`` is shown under the
form (and the offending editors outlined) instead of a config. Presets (with their
descriptions as tooltips) and TOML load/save sit above the groups.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.core import (
    GROUP_TITLES,
    PRESET_DESCRIPTIONS,
    PRESETS,
    ConfigError,
    Setting,
    TrainConfig,
    get_architecture,
    settings_by_group,
)
from workbench.gui.widgets import MessageBar

PRESET_LABELS: dict[str, str] = {"recommended": "Recommended", "seed-article": "Seed article"}
CUSTOM_LABEL = "Custom"

# Group boxes shown (title, core setting groups); the split fractions live with training.
BOXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (GROUP_TITLES["text"], ("text",)),
    (GROUP_TITLES["model"], ("model",)),
    (GROUP_TITLES["training"], ("training", "split")),
)

_INT_EDITOR_MAX = 2**31 - 1  # QSpinBox holds 32-bit ints


def _editor_minimum(info: Setting) -> float:
    """At or below the core's minimum, so a bad value reaches validation and gets its
    message ("layers must be >= 1, got 0") rather than being silently clamped; a
    special value (``units = 0``) is the editor's minimum and shows its meaning."""
    low = info.minimum if info.minimum is not None else 0
    if info.special:
        return low
    return min(low, 0)


_ERROR_STYLE = "border: 1px solid #b3261e; border-radius: 2px;"


def step_125(value: float, up: bool, minimum: float = 1e-5) -> float:
    """The 1-2-5 series value (…, 1e-3, 2e-3, 5e-3, 1e-2, …) next above or below ``value``."""
    if value <= 0 or not math.isfinite(value):
        return minimum if up else 0.0
    exponent = math.floor(math.log10(value))
    candidates = sorted(
        m * 10.0**e for e in (exponent - 1, exponent, exponent + 1) for m in (1, 2, 5)
    )
    if up:
        bigger = [c for c in candidates if c > value * (1 + 1e-9)]
        return bigger[0]
    smaller = [c for c in candidates if c < value * (1 - 1e-9)]
    return smaller[-1] if smaller[-1] >= minimum * (1 - 1e-9) else value


class LogDoubleSpinBox(QDoubleSpinBox):
    """A spin box whose arrows step through 1-2-5 decades (for learning rates)."""

    def stepBy(self, steps: int) -> None:
        value = self.value()
        for _ in range(abs(steps)):
            value = step_125(value, up=steps > 0, minimum=max(self.minimum(), 1e-5))
        self.setValue(min(max(value, self.minimum()), self.maximum()))

    def stepEnabled(self) -> QDoubleSpinBox.StepEnabledFlag:
        flags = QDoubleSpinBox.StepEnabledFlag.StepNone
        if self.value() < self.maximum():
            flags |= QDoubleSpinBox.StepEnabledFlag.StepUpEnabled
        if self.value() > max(self.minimum(), 1e-5):
            flags |= QDoubleSpinBox.StepEnabledFlag.StepDownEnabled
        return flags


class ConfigForm(QWidget):
    """Editors for every training setting, presets and TOML load/save.

    ``config_changed(TrainConfig)`` is emitted after each edit that gives a valid
    config; ``error_changed(str)`` whenever the validation message changes ("" = valid).
    """

    config_changed = Signal(object)
    error_changed = Signal(str)

    def __init__(self, config: TrainConfig | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = TrainConfig.settings()
        self._filling = False
        self._config: TrainConfig | None = None
        self._error = ""
        self.editors: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}

        self.preset_combo = QComboBox()
        for key, label in PRESET_LABELS.items():
            self.preset_combo.addItem(label, key)
            index = self.preset_combo.count() - 1
            self.preset_combo.setItemData(
                index, PRESET_DESCRIPTIONS.get(key, ""), Qt.ItemDataRole.ToolTipRole
            )
        self.preset_combo.addItem(CUSTOM_LABEL, "")
        self.preset_combo.setToolTip("Fill the form with a named starting point")
        self.load_button = QPushButton("Load…")
        self.load_button.setToolTip("Load settings from a TOML file")
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Save these settings as a TOML file")
        self.messages = MessageBar()
        self.error_label = QLabel()
        self.error_label.setObjectName("configError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.setVisible(False)

        top = QHBoxLayout()
        top.addWidget(QLabel("Preset"))
        top.addWidget(self.preset_combo, 1)
        top.addWidget(self.load_button)
        top.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.messages)
        grouped = settings_by_group()
        for title, groups in BOXES:
            infos = [info for group in groups for info in grouped.get(group, [])]
            layout.addWidget(self._build_group(title, infos))
        layout.addWidget(self.error_label)
        layout.addStretch(1)

        self.preset_combo.activated.connect(self._on_preset_activated)
        self.load_button.clicked.connect(self._choose_load_path)
        self.save_button.clicked.connect(self._choose_save_path)
        self.set_config(config if config is not None else TrainConfig())

    # --- public ---------------------------------------------------------------
    def config(self) -> TrainConfig | None:
        """The config the form shows, or ``None`` while it is invalid."""
        return self._config

    def error(self) -> str:
        """The current validation message ("" when the form is valid)."""
        return self._error

    def values(self) -> dict[str, object]:
        """The raw editor values, keyed by field name."""
        return {name: self._read(name) for name in self.editors}

    def set_config(self, config: TrainConfig) -> None:
        """Show ``config`` in the editors (emits ``config_changed`` if it differs)."""
        self._filling = True
        try:
            for name, value in config.to_dict().items():
                self._write(name, value)
        finally:
            self._filling = False
        self._revalidate()

    def set_value(self, name: str, value: object) -> None:
        """Set one editor as a user would (validation and signals follow)."""
        self._write(name, value)

    def apply_preset(self, key: str) -> None:
        """Fill the form with ``PRESETS[key]``."""
        if key in PRESETS:
            self.messages.clear()
            self.set_config(PRESETS[key])

    def save_toml(self, path: str | Path) -> bool:
        """Write the current settings to ``path``; problems are shown inline."""
        path = Path(path)
        if self._config is None:
            self.messages.show_error(f"Cannot save {path.name}: {self._error}")
            return False
        try:
            path.write_text(self._config.to_toml(), encoding="utf-8")
        except OSError as exc:
            self.messages.show_error(f"{path}: cannot write ({exc.strerror or exc})")
            return False
        self.messages.show_info(f"Saved settings to {path}")
        return True

    def load_toml(self, path: str | Path) -> bool:
        """Read settings from ``path`` into the form; problems are shown inline."""
        try:
            config = TrainConfig.from_toml(Path(path))
        except ConfigError as exc:
            self.messages.show_error(str(exc))
            return False
        self.set_config(config)
        self.messages.show_info(f"Loaded settings from {path}")
        return True

    # --- building ---------------------------------------------------------------
    def _build_group(self, title: str, infos: list[Setting]) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for info in infos:
            editor = self._make_editor(info)
            tip = f"{info.describe()}\n(setting: {info.name})"
            editor.setToolTip(tip)
            editor.setObjectName(info.name)
            label = QLabel(info.label)
            label.setToolTip(tip)
            label.setBuddy(editor)
            form.addRow(label, editor)
            self.editors[info.name] = editor
            self.labels[info.name] = label
        return box

    def _make_editor(self, info: Setting) -> QWidget:
        if info.kind is bool:
            editor = QCheckBox()
            editor.toggled.connect(self._on_edit)
            return editor
        if info.kind is str:
            editor = QComboBox()
            for choice in info.choices:
                editor.addItem(choice, choice)
            editor.currentIndexChanged.connect(self._on_edit)
            return editor
        special = dict(info.special)
        minimum = _editor_minimum(info)
        maximum = info.maximum if info.maximum is not None else 1_000_000
        if info.kind is int:
            editor = QSpinBox()
            editor.setRange(int(minimum), int(min(maximum, _INT_EDITOR_MAX)))
            editor.setSingleStep(max(1, int(info.step)))
            editor.setGroupSeparatorShown(maximum >= 1_000_000 and info.step >= 1000)
            if minimum in special:
                editor.setSpecialValueText(f"auto: {special[minimum]}")
            editor.valueChanged.connect(self._on_edit)
            return editor
        editor = LogDoubleSpinBox() if info.log_scale else QDoubleSpinBox()
        editor.setDecimals(info.decimals)
        editor.setRange(minimum, maximum)
        if info.step:
            editor.setSingleStep(info.step)
        editor.valueChanged.connect(self._on_edit)
        return editor

    # --- reading / writing editors ------------------------------------------------
    def _read(self, name: str) -> object:
        editor = self.editors[name]
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QComboBox):
            return editor.currentData()
        if isinstance(editor, QSpinBox):
            return int(editor.value())
        return round(float(editor.value()), editor.decimals())

    def _write(self, name: str, value: object) -> None:
        editor = self.editors[name]
        if isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QComboBox):
            index = editor.findData(value)
            if index >= 0:
                editor.setCurrentIndex(index)
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value))  # type: ignore[call-overload]
        else:
            editor.setValue(float(value))  # type: ignore[arg-type]

    # --- validation -----------------------------------------------------------------
    def _on_edit(self, *_: object) -> None:
        if not self._filling:
            self._revalidate()

    def _enable_architecture_fields(self) -> None:
        """Disable the model settings the chosen architecture does not read."""
        try:
            used = set(get_architecture(str(self._read("architecture"))).fields)
        except ConfigError:
            return
        specific = {
            name
            for choice in self._settings["architecture"].choices
            for name in get_architecture(choice).fields
        }
        for name in specific & set(self.editors):
            self.editors[name].setEnabled(name in used)
            self.labels[name].setEnabled(name in used)

    def _revalidate(self) -> None:
        self._enable_architecture_fields()
        try:
            config: TrainConfig | None = TrainConfig(**self.values())
            error = ""
        except ConfigError as exc:
            config, error = None, str(exc)
        self._mark_fields(error)
        self.error_label.setText(error)
        self.error_label.setVisible(bool(error))
        self._sync_preset(config)
        changed = config is not None and config != self._config
        self._config = config
        if error != self._error:
            self._error = error
            self.error_changed.emit(error)
        if changed:
            self.config_changed.emit(config)

    def _mark_fields(self, error: str) -> None:
        """Outline the editors the message names."""
        head = error.split(" must ", 1)[0] if error else ""
        for name, editor in self.editors.items():
            bad = bool(head) and name in head.replace("+", " ").split()
            editor.setStyleSheet(_ERROR_STYLE if bad else "")

    def _sync_preset(self, config: TrainConfig | None) -> None:
        key = next((k for k, preset in PRESETS.items() if preset == config), "")
        index = self.preset_combo.findData(key)
        self.preset_combo.setCurrentIndex(index if index >= 0 else self.preset_combo.count() - 1)

    # --- user actions ----------------------------------------------------------------
    def _on_preset_activated(self, index: int) -> None:
        key = self.preset_combo.itemData(index)
        if key:
            self.apply_preset(str(key))
        else:
            self._sync_preset(self._config)

    def _choose_load_path(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Load training settings", "", "TOML files (*.toml);;All files (*)"
        )
        if path:
            self.load_toml(path)

    def _choose_save_path(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save training settings", "train.toml", "TOML files (*.toml)"
        )
        if path:
            self.save_toml(path)


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    form = ConfigForm()
    form.error_changed.connect(lambda text: print("error:", text or "(valid)"))
    form.show()
    sys.exit(app.exec())
