"""Status-bar indicators: TensorFlow, current corpus, vectors and model."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QStatusBar

from workbench.gui.state import AppState

TF_LOADING = "Loading TensorFlow…"
TF_READY = "TensorFlow ready"


class StatusBarWidgets:
    """Permanent labels in ``bar`` that follow ``state``."""

    def __init__(self, state: AppState, bar: QStatusBar) -> None:
        self.state = state
        self.bar = bar
        self.tf = QLabel("TensorFlow not loaded")
        self.corpus = QLabel()
        self.vectors = QLabel()
        self.model = QLabel()
        for label in (self.corpus, self.vectors, self.model, self.tf):
            bar.addPermanentWidget(label)
        state.corpus_changed.connect(self.update_corpus)
        state.vectors_changed.connect(self.update_vectors)
        state.bundle_changed.connect(self.update_model)
        state.tf_ready_changed.connect(self._on_tf_ready)
        self.update_corpus()
        self.update_vectors()
        self.update_model()
        if state.tf_ready:
            self.set_tf_status(TF_READY)

    def set_tf_status(self, text: str, tooltip: str = "") -> None:
        self.tf.setText(text)
        self.tf.setToolTip(tooltip)

    def _on_tf_ready(self, ready: bool) -> None:
        if ready:
            self.set_tf_status(TF_READY)

    def update_corpus(self) -> None:
        corpus = self.state.corpus
        if corpus is None:
            self.corpus.setText("No corpus")
            self.corpus.setToolTip("")
            return
        name = Path(corpus.source).name or str(corpus.source)
        self.corpus.setText(
            f"Corpus: {name} ({len(corpus)} docs, {len(corpus.class_names)} classes)"
        )
        self.corpus.setToolTip(str(corpus.source))

    def update_vectors(self) -> None:
        source = self.state.vectors_source
        vectors = self.state.vectors
        if vectors is None:
            self.vectors.setText("Vectors: none")
            return
        self.vectors.setText(f"Vectors: {source.label()}, {vectors.dim}d")
        self.vectors.setToolTip(str(source))

    def update_model(self) -> None:
        bundle = self.state.bundle
        if bundle is None:
            self.model.setText("No model")
            self.model.setToolTip("")
            return
        self.model.setText(f"Model: {bundle.info.name}")
        self.model.setToolTip(str(bundle.info.path or "not saved"))
