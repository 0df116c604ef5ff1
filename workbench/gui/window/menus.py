"""The main window's menus: File (open, save, recent, quit) and Help (About)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMenuBar, QMessageBox, QWidget

from workbench.gui import settings as keys
from workbench.gui.settings import Settings
from workbench.gui.state import AppState

CORPUS_FILE_FILTER = "Corpus files (*.csv *.tsv *.jsonl *.json *.txt);;All files (*)"
VECTORS_FILE_FILTER = "Word vectors (*.txt *.gz *.zip *.vec);;All files (*)"
RECENT_TITLES = {"corpora": "Corpora", "vectors": "Vectors", "models": "Models"}


@dataclass(frozen=True)
class MenuActions:
    """What the menus do, given by the window: open a path, save, quit, show a message."""

    open_corpus: Callable[[str], object]
    open_vectors: Callable[[str], object]
    open_model: Callable[[str], object]
    save_model_as: Callable[[], object]
    quit: Callable[[], object]
    show_error: Callable[[str], object]


class MenuBuilder:
    """Builds a menu bar (File, Help) and handles its file dialogs.

    Gets only what it uses: the bar, the dialogs' parent, the state (current
    model, models folder), the settings (recent lists, last folder) and the
    window's :class:`MenuActions`.
    """

    def __init__(
        self,
        bar: QMenuBar,
        parent: QWidget,
        state: AppState,
        settings: Settings,
        actions: MenuActions,
    ) -> None:
        self.parent = parent
        self.state = state
        self.settings = settings
        self.actions = actions
        file_menu = bar.addMenu("&File")
        self.open_folder = self._action(
            file_menu, "Open corpus &folder…", self.choose_corpus_folder, "Ctrl+O"
        )
        self.open_file = self._action(file_menu, "Open corpus f&ile…", self.choose_corpus_file)
        self.open_vectors = self._action(
            file_menu, "Open &vectors…", self.choose_vectors, "Ctrl+Shift+O"
        )
        self.open_model = self._action(file_menu, "Open &model…", self.choose_model)
        self.save_model = self._action(
            file_menu, "&Save model as…", actions.save_model_as, "Ctrl+S"
        )
        file_menu.addSeparator()
        self.recent_menu = file_menu.addMenu("&Recent")
        self.recent_submenus: dict[str, QMenu] = {}
        for kind, title in RECENT_TITLES.items():
            submenu = self.recent_menu.addMenu(title)
            submenu.aboutToShow.connect(lambda k=kind: self.fill_recent(k))
            self.recent_submenus[kind] = submenu
            self.fill_recent(kind)
        file_menu.addSeparator()
        self.quit = self._action(file_menu, "&Quit", actions.quit, "Ctrl+Q")
        help_menu = bar.addMenu("&Help")
        self.about = self._action(help_menu, "&About Workbench", self.show_about)

        state.bundle_changed.connect(self._update_save_enabled)
        self._update_save_enabled()

    def _action(self, menu: QMenu, text: str, slot, shortcut: str | None = None) -> QAction:
        action = QAction(text, self.parent)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _=False: slot())
        menu.addAction(action)
        return action

    def _update_save_enabled(self) -> None:
        self.save_model.setEnabled(self.state.bundle is not None)

    # --- recent ------------------------------------------------------------------
    def fill_recent(self, kind: str) -> None:
        """Rebuild the Recent > ``kind`` submenu from the settings."""
        submenu = self.recent_submenus[kind]
        submenu.clear()
        paths = self.settings.recent(kind)
        for path in paths:
            action = submenu.addAction(path)
            action.triggered.connect(lambda _=False, p=path, k=kind: self.open_recent(k, p))
        if not paths:
            submenu.addAction("(none)").setEnabled(False)
        else:
            submenu.addSeparator()
            submenu.addAction("Clear list").triggered.connect(
                lambda _=False, k=kind: self.settings.clear_recent(k)
            )

    def open_recent(self, kind: str, path: str) -> None:
        if not Path(path).exists():
            self.settings.remove_recent(kind, path)
            self.actions.show_error(f"{path} no longer exists; removed from the recent list.")
            return
        if kind == "corpora":
            self.actions.open_corpus(path)
        elif kind == "vectors":
            self.actions.open_vectors(path)
        else:
            self.actions.open_model(path)

    # --- dialogs ------------------------------------------------------------------
    def _start_dir(self) -> str:
        return self.settings.get_str(keys.LAST_DIALOG_DIR, str(Path.home()))

    def _remember_dir(self, path: str) -> None:
        # a chosen folder's or file's parent: the next dialog starts beside it
        self.settings.set(keys.LAST_DIALOG_DIR, str(Path(path).parent))

    def choose_corpus_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self.parent, "Open corpus folder", self._start_dir()
        )
        if path:
            self._remember_dir(path)
            self.actions.open_corpus(path)

    def choose_corpus_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.parent, "Open corpus file", self._start_dir(), CORPUS_FILE_FILTER
        )
        if path:
            self._remember_dir(path)
            self.actions.open_corpus(path)

    def choose_vectors(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.parent, "Open word vectors", self._start_dir(), VECTORS_FILE_FILTER
        )
        if path:
            self._remember_dir(path)
            self.actions.open_vectors(path)

    def choose_model(self) -> None:
        start = str(self.state.models_dir)
        path = QFileDialog.getExistingDirectory(self.parent, "Open model folder", start)
        if path:
            self.actions.open_model(path)

    def show_about(self) -> None:
        QMessageBox.about(
            self.parent,
            "About Workbench",
            "Workbench: train and test LSTM text classifiers over GloVe vectors.\n\n"
            + versions_text(),
        )


def _version(module_name: str, distribution: str) -> str:
    """A library's version from its module, else from its installed metadata."""
    from importlib import metadata

    module = sys.modules.get(module_name)
    version = getattr(module, "__version__", None)
    if version:
        return str(version)
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


def versions_text() -> str:
    """Versions of Workbench and the libraries it runs on (TensorFlow only once loaded)."""
    from PySide6.QtCore import qVersion

    import workbench

    lines = [
        f"Workbench {workbench.__version__}",
        f"Python {sys.version.split()[0]}",
        f"Qt {qVersion()}, PySide6 {_version('PySide6', 'PySide6')}",
        f"NumPy {_version('numpy', 'numpy')}",
        f"pyqtgraph {_version('pyqtgraph', 'pyqtgraph')}",
    ]
    if "tensorflow" in sys.modules and "keras" in sys.modules:
        lines.append(
            f"TensorFlow {_version('tensorflow', 'tensorflow')}, Keras {_version('keras', 'keras')}"
        )
    else:
        lines.append("TensorFlow: not loaded yet")
    return "\n".join(lines)
