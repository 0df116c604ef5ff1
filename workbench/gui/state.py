"""The one place the window's data lives, with a ``*_changed`` signal per part.

Pages read the attributes and change them only through the setters, which emit
the matching signal, so every page that shows a part stays in step.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from workbench.core import VectorsSource, default_models_dir
from workbench.gui.heap import freeze_long_lived

if TYPE_CHECKING:
    from workbench.core import (
        Bundle,
        Corpus,
        CorpusStats,
        Coverage,
        Evaluation,
        ImportReport,
        TrainConfig,
        Vectors,
    )

log = logging.getLogger(__name__)


def _default_config() -> TrainConfig:
    from workbench.core import TrainConfig

    return TrainConfig()


class AppState(QObject):
    """Corpus, vectors, config, current model and its evaluation, shared by all pages."""

    corpus_changed = Signal()
    vectors_changed = Signal()
    config_changed = Signal()
    bundle_changed = Signal()
    evaluation_changed = Signal()
    bundles_changed = Signal()
    models_dir_changed = Signal()
    tf_ready_changed = Signal(bool)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        config: TrainConfig | None = None,
        models_dir: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.corpus: Corpus | None = None
        self.report: ImportReport | None = None
        self.stats: CorpusStats | None = None
        self.vectors_source: VectorsSource = VectorsSource.none()
        self.vectors: Vectors | None = None
        self.coverage: Coverage | None = None
        self.config: TrainConfig = config if config is not None else _default_config()
        self.bundle: Bundle | None = None
        self.evaluation: Evaluation | None = None
        self.models_dir: Path = Path(models_dir) if models_dir else default_models_dir()
        self.tf_ready: bool = False

    def set_corpus(
        self, corpus: Corpus | None, report: ImportReport | None, stats: CorpusStats | None
    ) -> None:
        """Replace the corpus with its import report and statistics."""
        self.corpus, self.report, self.stats = corpus, report, stats
        freeze_long_lived()  # a corpus lives until replaced: keep full collections short
        self.corpus_changed.emit()

    def set_vectors(
        self, source: VectorsSource | str, vectors: Vectors | None, coverage: Coverage | None
    ) -> None:
        """Replace the word vectors (``source``: a VectorsSource or what it parses)."""
        self.vectors_source = VectorsSource.parse(source)
        self.vectors, self.coverage = vectors, coverage
        freeze_long_lived()
        self.vectors_changed.emit()

    def set_coverage(self, coverage: Coverage | None) -> None:
        """Replace only the coverage (recomputed when the corpus changes)."""
        self.coverage = coverage
        self.vectors_changed.emit()

    def set_config(self, config: TrainConfig) -> None:
        """Replace the training configuration (emits only when it changed)."""
        if config == self.config:
            return
        self.config = config
        self.config_changed.emit()

    def set_bundle(self, bundle: Bundle | None, evaluation: Evaluation | None = None) -> None:
        """Make ``bundle`` the current model; without ``evaluation`` use its saved metrics."""
        if evaluation is None and bundle is not None:
            evaluation = evaluation_from_metrics(getattr(bundle, "metrics", None))
        self.bundle = bundle
        freeze_long_lived()
        self.bundle_changed.emit()
        self.set_evaluation(evaluation)

    def set_evaluation(self, evaluation: Evaluation | None) -> None:
        """Replace the evaluation of the current model."""
        self.evaluation = evaluation
        self.evaluation_changed.emit()

    def set_tf_ready(self, ready: bool) -> None:
        """Record whether TensorFlow has finished importing."""
        ready = bool(ready)
        if ready == self.tf_ready:
            return
        self.tf_ready = ready
        if ready:
            freeze_long_lived()  # TensorFlow's modules and graphs stay for the whole session
        self.tf_ready_changed.emit(ready)

    def set_models_dir(self, folder: str | Path) -> None:
        """Use ``folder`` for saving and listing models (the Models page shows it)."""
        folder = Path(folder).expanduser()
        if folder == self.models_dir:
            return
        self.models_dir = folder
        self.models_dir_changed.emit()
        self.bundles_changed.emit()

    def notify_bundles_changed(self) -> None:
        """Tell the pages the models folder changed (saved, renamed or deleted bundle)."""
        self.bundles_changed.emit()


def evaluation_from_metrics(metrics: object) -> Evaluation | None:
    """Rebuild an :class:`Evaluation` from a bundle's saved metrics, or ``None``."""
    if not isinstance(metrics, dict) or not metrics:
        return None
    from workbench.core import Evaluation

    try:
        return Evaluation.from_dict(metrics)
    except Exception as exc:  # an old or partial bundle: show no evaluation rather than fail
        log.info("bundle metrics are not a full evaluation: %s", exc)
        return None
