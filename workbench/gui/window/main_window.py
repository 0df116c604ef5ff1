"""The main window: page list + stacked pages, menus, status bar, drag and drop, closing."""

from __future__ import annotations

import importlib
import json
import logging
import os
from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.core import VectorsSource, WorkbenchError, sample_corpus_dir
from workbench.gui import settings as keys
from workbench.gui.settings import Settings
from workbench.gui.state import AppState
from workbench.gui.tasks import Task, TaskRunner
from workbench.gui.widgets import MessageBar, clear_topic, tidy_keyboard_focus
from workbench.gui.window.menus import MenuActions, MenuBuilder
from workbench.gui.window.saving import ModelSaver
from workbench.gui.window.status import StatusBarWidgets

log = logging.getLogger(__name__)

# (title, module, class) in side-list order; Ctrl+1..6 select them
PAGES = (
    ("Data", "workbench.gui.pages.data.page", "DataPage"),
    ("Vectors", "workbench.gui.pages.vectors.page", "VectorsPage"),
    ("Train", "workbench.gui.pages.train.page", "TrainPage"),
    ("Evaluate", "workbench.gui.pages.evaluate.page", "EvaluatePage"),
    ("Classify", "workbench.gui.pages.classify.page", "ClassifyPage"),
    ("Models", "workbench.gui.pages.models.page", "ModelsPage"),
    ("Runs", "workbench.gui.pages.runs.page", "RunsPage"),
)
WAIT_ON_CLOSE_MS = 15_000


def state_default(state: AppState) -> bool:
    """Whether ``state`` still uses the default models folder (not one given to it)."""
    from workbench.core import default_models_dir

    return state.models_dir == default_models_dir()


class PlaceholderPage(QWidget):
    """Stands in for a page whose module is missing or failed to import."""

    def __init__(self, title: str, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        label = QLabel(f"{title} page is not available.\n\n{reason}")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        QVBoxLayout(self).addWidget(label)


class PageShell(QWidget):
    """A slot in the page stack: "Loading…" until the real page is put in."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.page: QWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._placeholder = QLabel(f"Loading the {title} page…")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._layout.addWidget(self._placeholder)

    def set_page(self, page: QWidget) -> None:
        self._layout.removeWidget(self._placeholder)
        self._placeholder.deleteLater()
        self._layout.addWidget(page)
        self.page = page


class MainWindow(QMainWindow):
    """Workbench's window. Pages share ``state`` and ``tasks``.

    With ``lazy_pages=True`` the window can show before the pages (and pyqtgraph)
    are imported and built; :meth:`build_pages` (or the first :meth:`page` call)
    builds them.
    """

    unexpected_error = Signal(str, str)  # (message, details) from any thread

    def __init__(
        self,
        state: AppState | None = None,
        tasks: TaskRunner | None = None,
        settings: Settings | None = None,
        parent: QWidget | None = None,
        *,
        lazy_pages: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Workbench")
        self.setAcceptDrops(True)
        self.state = state if state is not None else AppState(self)
        self.tasks = tasks if tasks is not None else TaskRunner(self)
        self.settings = settings if settings is not None else Settings()
        self.error_dialogs: list[QMessageBox] = []
        self._restore_config()
        self._restore_models_dir()

        self.message_bar = MessageBar()
        self.page_list = QListWidget()
        self.page_list.setIconSize(QSize(0, 0))
        self.page_list.setFixedWidth(130)
        self.stack = QStackedWidget()
        self.pages: dict[str, QWidget] = {}
        self.shells: list[PageShell] = []
        for title, _, _ in PAGES:
            shell = PageShell(title)
            self.shells.append(shell)
            self.stack.addWidget(shell)
            self.page_list.addItem(title)
        self.page_list.currentRowChanged.connect(self.stack.setCurrentIndex)

        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.message_bar)
        right.addWidget(self.stack, 1)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.addWidget(self.page_list)
        layout.addLayout(right, 1)
        self.setCentralWidget(central)

        self.status = StatusBarWidgets(self.state, self.statusBar())
        self.saver = ModelSaver(
            self.state,
            self.tasks,
            self.settings,
            show_error=self.show_error,
            show_info=self.message_bar.show_info,
            parent=self,
        )
        actions = MenuActions(
            open_corpus=self.open_corpus,
            open_vectors=self.open_vectors,
            open_model=self.open_model,
            save_model_as=self.save_model_as,
            quit=self.close,
            show_error=self.show_error,
        )
        self.menus = MenuBuilder(self.menuBar(), self, self.state, self.settings, actions)
        self.page_actions: list[QAction] = []
        for index, (title, _, _) in enumerate(PAGES):
            action = QAction(title, self)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _=False, i=index: self.show_page(i))
            self.addAction(action)
            self.page_actions.append(action)

        self.unexpected_error.connect(self.show_unexpected_error)
        self.state.corpus_changed.connect(self._remember_corpus)
        self.state.corpus_changed.connect(self._clear_stale_banners)
        self.state.vectors_changed.connect(self._remember_vectors)
        self.state.config_changed.connect(self._remember_config)
        self.state.models_dir_changed.connect(self._remember_models_dir)
        self._fitted = False
        self._restore_geometry()
        if not lazy_pages:
            self.build_pages()

    # --- pages ----------------------------------------------------------------
    def build_pages(self) -> None:
        """Import and create every page not built yet (safe to call again)."""
        if len(self.pages) == len(PAGES):
            return
        import pyqtgraph as pg

        pg.setConfigOptions(antialias=True, background="w", foreground="k")
        for shell, (title, module, cls) in zip(self.shells, PAGES, strict=True):
            if title not in self.pages:
                page = self._make_page(title, module, cls)
                self.pages[title] = page
                shell.set_page(page)
                tidy_keyboard_focus(page)

    def _make_page(self, title: str, module: str, cls: str) -> QWidget:
        try:
            page_class = getattr(importlib.import_module(module), cls)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                log.exception("cannot import %s", module)
            return PlaceholderPage(title, f"({exc})")
        except Exception as exc:  # a broken page must not keep the window from opening
            log.exception("cannot import %s", module)
            return PlaceholderPage(title, f"{type(exc).__name__}: {exc}")
        try:
            return page_class(self.state, self.tasks)
        except Exception as exc:
            log.exception("cannot create %s", cls)
            return PlaceholderPage(title, f"{type(exc).__name__}: {exc}")

    def page(self, title: str) -> QWidget:
        """The page called ``title`` ("Data", "Vectors", ...), built if need be."""
        if title not in self.pages:
            self.build_pages()
        return self.pages[title]

    def show_page(self, index_or_title: int | str) -> None:
        index = (
            [t for t, _, _ in PAGES].index(index_or_title)
            if isinstance(index_or_title, str)
            else int(index_or_title)
        )
        self.page_list.setCurrentRow(index)

    def current_page_title(self) -> str:
        return PAGES[self.stack.currentIndex()][0]

    # --- opening things --------------------------------------------------------------
    def open_corpus(self, path: str | Path, format: str = "auto") -> Task | None:
        """Load a corpus on the Data page (shown)."""
        page = self.page("Data")
        if not hasattr(page, "open_corpus"):
            return None
        self.show_page("Data")
        self.settings.add_recent("corpora", str(path))
        return page.open_corpus(str(path), format)

    def open_vectors(self, source: VectorsSource | str) -> Task | None:
        """Load word vectors on the Vectors page (shown)."""
        page = self.page("Vectors")
        if not hasattr(page, "load_source"):
            return None
        self.show_page("Vectors")
        source = VectorsSource.parse(source)
        if source.is_file:
            self.settings.add_recent("vectors", str(source))
        return page.load_source(source)

    def open_model(self, path: str | Path) -> Task | None:
        """Load a saved bundle as the current model (Models page)."""
        page = self.page("Models")
        if not hasattr(page, "load_bundle_path"):
            return None
        self.settings.add_recent("models", str(path))
        self.show_page("Models")
        return page.load_bundle_path(Path(path))

    def open_path(self, path: str | Path) -> Task | None:
        """Open whatever ``path`` is (corpus, vectors file or model); message if none."""
        from workbench.core import guess_path_kind

        try:
            kind = guess_path_kind(path, check_corpus=True)
        except WorkbenchError as exc:
            self.message_bar.show_error(
                f"Cannot open {exc}. Drop a corpus folder or file, a vectors file "
                "(.txt, .gz, .zip, .vec) or a model folder.",
                topic="open",
            )
            return None
        if kind == "corpus":
            return self.open_corpus(path)
        if kind == "vectors":
            return self.open_vectors(str(path))
        return self.open_model(path)

    def open_initial(self) -> None:
        """Reopen the last corpus and vectors (first run: the bundled sample and GloVe)."""
        corpus = self.settings.get_str(keys.LAST_CORPUS)
        fmt = self.settings.get_str(keys.LAST_FORMAT, "auto") or "auto"
        if not corpus or not Path(corpus).exists():
            corpus, fmt = str(sample_corpus_dir()), "auto"
        vectors = VectorsSource.parse(
            self.settings.get_str(keys.LAST_VECTORS, "bundled") or "bundled"
        )
        if vectors.is_file and not Path(str(vectors.path)).exists():
            vectors = VectorsSource.bundled()
        page = self.page("Data")
        task = page.open_corpus(corpus, fmt) if hasattr(page, "open_corpus") else None
        vectors_page = self.page("Vectors")
        if not hasattr(vectors_page, "load_source"):
            return
        if task is None:
            vectors_page.load_source(vectors)
        else:  # vectors files are filtered to the corpus vocabulary: load after it
            task.finished.connect(lambda: vectors_page.load_source(vectors))

    def save_model_as(self, destination: str | Path | None = None) -> Task | None:
        """Copy (or save) the current model to ``destination`` (asked when None)."""
        return self.saver.save_as(destination)

    # --- drag and drop ------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        if self.handle_drop(event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def handle_drop(self, urls: list[QUrl]) -> bool:
        """Open the first local path among dropped ``urls``; False when there is none."""
        paths = [url.toLocalFile() for url in urls if url.isLocalFile()]
        if not paths:
            return False
        self.message_bar.clear()
        self.open_path(paths[0])
        return True

    # --- errors ---------------------------------------------------------------
    def show_error(self, message: str, details: str = "") -> None:
        """An expected problem not tied to a page: shown in the window's message bar."""
        self.message_bar.show_error(message, details)

    def show_unexpected_error(self, message: str, details: str = "") -> None:
        """A non-modal dialog with the message and the traceback behind "Show Details"."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("Unexpected error")
        box.setText(f"Something went wrong: {message}")
        box.setInformativeText("Workbench keeps running. The details are also in the log.")
        if details:
            box.setDetailedText(details)
        box.setModal(False)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _=0, b=box: self._forget_dialog(b))
        self.error_dialogs.append(box)
        box.show()

    def _forget_dialog(self, box: QMessageBox) -> None:
        if box in self.error_dialogs:
            self.error_dialogs.remove(box)

    # --- closing ----------------------------------------------------------------
    def confirm_stop_tasks(self, question: str) -> bool:
        """Ask whether to stop running tasks and quit (tests replace this)."""
        answer = QMessageBox.question(
            self,
            "Quit Workbench",
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.tasks.is_running():
            what = "Training is" if self.tasks.is_running("train") else "A task is"
            if not self.confirm_stop_tasks(f"{what} running. Stop it and quit?"):
                event.ignore()
                return
        self.tasks.cancel_all()
        if not self.tasks.wait_all(WAIT_ON_CLOSE_MS):
            log.warning("a task did not stop within %d ms", WAIT_ON_CLOSE_MS)
        self._save_geometry()
        for box in list(self.error_dialogs):
            box.close()
        event.accept()

    # --- settings -----------------------------------------------------------------
    def _restore_config(self) -> None:
        data = self.settings.get_json(keys.LAST_CONFIG)
        if not isinstance(data, dict):
            return
        from workbench.core import TrainConfig

        try:
            self.state.set_config(TrainConfig.from_dict(data))
        except (WorkbenchError, TypeError, ValueError) as exc:
            log.warning("remembered training settings ignored: %s", exc)

    def _restore_models_dir(self) -> None:
        """The models folder chosen on the Models page in an earlier session."""
        folder = self.settings.get_str(keys.MODELS_DIR)
        # the environment variable (set for this session) wins over the remembered folder
        if folder and state_default(self.state) and not os.environ.get("WORKBENCH_MODELS_DIR"):
            self.state.set_models_dir(folder)

    def _remember_models_dir(self) -> None:
        self.settings.set(keys.MODELS_DIR, str(self.state.models_dir))

    def _restore_geometry(self) -> None:
        geometry = self.settings.get_bytes(keys.GEOMETRY)
        if geometry.isEmpty() or not self.restoreGeometry(geometry):
            self.resize(1200, 800)
        window_state = self.settings.get_bytes(keys.WINDOW_STATE)
        if not window_state.isEmpty():
            self.restoreState(window_state)
        page = self.settings.get_int(keys.PAGE, 0)
        self.show_page(page if 0 <= page < len(PAGES) else 0)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._fitted:
            self._fitted = True
            self.fit_to_screen()

    def fit_to_screen(self, available: QRect | None = None) -> None:
        """Keep the whole window on the screen's available area (at any scaling).

        A remembered or default size larger than the screen (e.g. 1200x800 at 1.5x
        scaling on a 1400x900 screen, 933x600 logical pixels) is shrunk, and the window
        moved so that its title bar, Load button and status bar are on the screen.
        """
        if available is None:
            screen = self.screen() or QGuiApplication.primaryScreen()
            if screen is None:
                return
            available = screen.availableGeometry()
        frame = self.frameGeometry()
        extra_w = max(0, frame.width() - self.width())
        extra_h = max(0, frame.height() - self.height())
        width = max(1, min(self.width(), available.width() - extra_w))
        height = max(1, min(self.height(), available.height() - extra_h))
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        frame = self.frameGeometry()
        x = min(max(frame.x(), available.left()), available.right() + 1 - frame.width())
        y = min(max(frame.y(), available.top()), available.bottom() + 1 - frame.height())
        x, y = max(x, available.left()), max(y, available.top())
        if (x, y) != (frame.x(), frame.y()):
            self.move(x, y)

    def _save_geometry(self) -> None:
        self.settings.set(keys.GEOMETRY, self.saveGeometry())
        self.settings.set(keys.WINDOW_STATE, self.saveState())
        self.settings.set(keys.PAGE, self.stack.currentIndex())
        self.settings.sync()

    def _clear_stale_banners(self) -> None:
        """A corpus loaded: banners about the last failed load or the old vectors go."""
        if self.state.corpus is None:
            return
        for topic in ("corpus", "open"):
            clear_topic(topic)
        clear_topic("vectors", ("error", "warning"))

    def _remember_corpus(self) -> None:
        corpus = self.state.corpus
        if corpus is not None:
            self.settings.set(keys.LAST_CORPUS, str(corpus.source))
            self.settings.set(keys.LAST_FORMAT, "auto")
            self.settings.add_recent("corpora", str(corpus.source))

    def _remember_vectors(self) -> None:
        source = self.state.vectors_source
        self.settings.set(keys.LAST_VECTORS, str(source))
        if source.is_file:
            self.settings.add_recent("vectors", str(source))

    def _remember_config(self) -> None:
        self.settings.set(keys.LAST_CONFIG, json.dumps(self.state.config.to_dict()))
