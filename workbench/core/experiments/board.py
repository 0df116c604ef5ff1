"""TensorBoard event files for a run: per-epoch scalars and the run's hyper-parameters.

:class:`TensorBoardListener` writes, with TensorFlow's own summary writer, one
folder per run under the chosen log folder: ``epoch/loss``, ``epoch/accuracy``,
``epoch/val_loss`` and ``epoch/val_accuracy`` per epoch, ``test/accuracy`` and
``test/macro_f1`` at the end, and the config as hyper-parameters (TensorBoard's
HParams dashboard when the ``tensorboard`` package is installed, else a text
summary). TensorFlow is imported when the first event is written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.core.learning.config.schema import TrainConfig
from workbench.core.learning.training import TrainingListener

log = logging.getLogger(__name__)
EPOCH_TAGS = ("loss", "accuracy", "val_loss", "val_accuracy")


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "run"


class TensorBoardListener(TrainingListener):
    """Writes a run's scalars and hyper-parameters under ``logdir/<run name>``."""

    def __init__(
        self, logdir: str | Path, run_name: str | Callable[[], str], config: TrainConfig
    ) -> None:
        self._logdir = Path(logdir)
        self._name = run_name  # or a function giving it when the first event is written
        self._config = config
        self._writer: Any = None

    @property
    def folder(self) -> Path:
        if not isinstance(self._name, str):
            self._name = self._name()
        return self._logdir / _safe_name(self._name)

    def _open(self) -> Any:
        if self._writer is None:
            import tensorflow as tf

            self.folder.mkdir(parents=True, exist_ok=True)
            self._writer = tf.summary.create_file_writer(str(self.folder))
            self._write_hparams()
        return self._writer

    def _scalar(self, tag: str, value: Any, step: int) -> None:
        import tensorflow as tf
        from tensorflow.core.framework import summary_pb2
        from tensorflow.python.ops import summary_ops_v2

        try:
            number = float(value)
        except (TypeError, ValueError):
            return
        with self._open().as_default():
            metadata = summary_pb2.SummaryMetadata()
            metadata.plugin_data.plugin_name = "scalars"
            summary_ops_v2.write(tag, tf.constant(number, tf.float32), step, metadata=metadata)

    def _write_hparams(self) -> None:
        values = self._config.to_dict()
        try:
            from tensorboard.plugins.hparams import api as hp  # type: ignore[import-not-found]

            with self._writer.as_default():
                hp.hparams(values, trial_id=self.folder.name)
            return
        except ImportError:
            pass
        import tensorflow as tf
        from tensorflow.core.framework import summary_pb2
        from tensorflow.python.ops import summary_ops_v2

        table = "| field | value |\n|---|---|\n" + "\n".join(
            f"| {key} | {value} |" for key, value in values.items()
        )
        metadata = summary_pb2.SummaryMetadata()
        metadata.plugin_data.plugin_name = "text"
        with self._writer.as_default():
            summary_ops_v2.write("hparams", tf.constant(table), 0, metadata=metadata)

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        try:
            for key in EPOCH_TAGS:
                if key in logs:
                    self._scalar(f"epoch/{key}", logs[key], epoch)
            self._writer.flush()
        except Exception as exc:  # TensorBoard files are a by-product: never stop training
            log.warning("cannot write TensorBoard events to %s: %s", self.folder, exc)

    def write_result(self, result: Any) -> None:
        """The test metrics of a finished run, then close the files."""
        try:
            ev = getattr(result, "evaluation", None)
            step = max(int(getattr(result.train, "epochs_run", 1)) - 1, 0)
            if ev is not None:
                self._scalar("test/accuracy", ev.accuracy, step)
                self._scalar("test/macro_f1", ev.macro_f1, step)
            if self._writer is not None:
                self._writer.close()
        except Exception as exc:
            log.warning("cannot write TensorBoard events to %s: %s", self.folder, exc)
