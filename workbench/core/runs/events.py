"""A training run as JSON lines: written by ``workbench train --events``, read back anywhere.

One line per event, each a JSON object with ``"event"`` and ``"v"`` (the format's
version, :data:`EVENTS_VERSION`):

- ``begin``: ``epochs``, ``steps`` (batches per epoch);
- ``batch``: ``epoch``, ``batch``, ``logs`` (at most :data:`BATCH_EVENTS_PER_S` a second,
  and always the last batch of an epoch);
- ``epoch``: ``epoch``, ``logs``;
- ``end``: ``train`` (``TrainResult.to_dict()``);
- ``progress``: ``fraction``, ``message`` (the steps around training, throttled);
- ``bundle``: ``name``, ``index``, ``count``, ``data`` (one base64 piece of the saved
  bundle as a gzipped tar; :class:`BundleAssembler` puts the pieces together);
- ``result``: ``result`` (what ``train --json`` prints), last.

Epoch and batch numbers are 0-based, as the core reports them. A stream may hold
other lines too (a job's log: Ray's own lines, warnings); :func:`parse_event_line`
returns ``None`` for them. :func:`replay_event` turns one event back into the
:class:`TrainingListener` call and progress report the local run made.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from workbench.core.errors import BundleError
from workbench.core.learning.training import AveragedEpochs, TrainingListener, TrainResult
from workbench.core.progress import ProgressCallback

__all__ = [
    "BATCH_EVENTS_PER_S",
    "EVENTS_VERSION",
    "BundleAssembler",
    "EventWriter",
    "parse_event_line",
    "replay_event",
    "train_result_from_dict",
]

EVENTS_VERSION = 1
BATCH_EVENTS_PER_S = 5.0
EVENT_KINDS = ("begin", "batch", "epoch", "end", "progress", "bundle", "result")
BUNDLE_PIECE_CHARS = 48_000  # base64 characters per ``bundle`` line


def _plain_logs(logs: dict[str, Any] | None) -> dict[str, float | None]:
    """Metric values as plain floats (``None`` for NaN/inf, which JSON cannot carry)."""
    out: dict[str, float | None] = {}
    for key, value in (logs or {}).items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        out[str(key)] = number if math.isfinite(number) else None
    return out


class EventWriter(TrainingListener):
    """Writes listener calls (and progress, bundles, the result) as JSON lines to ``stream``.

    Batch events are throttled to ``rate`` a second (the last batch of each epoch always
    goes out); progress events to two a second (the final 1.0 always goes out). Each line
    is flushed at once, so a log reader sees it while training runs.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        rate: float = BATCH_EVENTS_PER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._steps = 0
        self._last_batch = -math.inf
        self._last_progress = -math.inf

    def emit(self, event: str, **fields: Any) -> None:
        """Write one event line."""
        line = json.dumps({"event": event, "v": EVENTS_VERSION, **fields}, ensure_ascii=True)
        self._stream.write(line + "\n")
        self._stream.flush()

    # --- TrainingListener ---------------------------------------------------------------
    def on_train_begin(self, epochs: int, steps_per_epoch: int) -> None:
        self._steps = int(steps_per_epoch)
        self._last_batch = -math.inf
        self.emit("begin", epochs=int(epochs), steps=int(steps_per_epoch))

    def on_batch_end(self, epoch: int, batch: int, logs: dict[str, float]) -> None:
        now = self._clock()
        last_of_epoch = self._steps > 0 and batch >= self._steps - 1
        if not last_of_epoch and now - self._last_batch < self._interval:
            return
        self._last_batch = now
        self.emit("batch", epoch=int(epoch), batch=int(batch), logs=_plain_logs(logs))

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        self.emit("epoch", epoch=int(epoch), logs=_plain_logs(logs))

    def on_train_end(self, result: Any) -> None:
        self.emit("end", train=result.to_dict() if hasattr(result, "to_dict") else {})

    # --- the rest of a run --------------------------------------------------------------
    def progress(self, fraction: float, message: str = "") -> None:
        """A ``ProgressCallback`` writing ``progress`` events (at most two a second)."""
        now = self._clock()
        if fraction < 1.0 and now - self._last_progress < 0.5:
            return
        self._last_progress = now
        self.emit("progress", fraction=float(fraction), message=str(message))

    def send_bundle(self, folder: str | Path) -> None:
        """Write the bundle ``folder`` as ``bundle`` events (a gzipped tar in base64 pieces)."""
        folder = Path(folder)
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            tar.add(folder, arcname=folder.name)
        payload = buffer.getvalue()
        text = base64.b64encode(payload).decode("ascii")
        pieces = [text[i : i + BUNDLE_PIECE_CHARS] for i in range(0, len(text), BUNDLE_PIECE_CHARS)]
        digest = hashlib.sha256(payload).hexdigest()
        for index, piece in enumerate(pieces or [""]):
            self.emit(
                "bundle",
                name=folder.name,
                index=index,
                count=len(pieces) or 1,
                sha256=digest,
                data=piece,
            )


def parse_event_line(line: str) -> dict[str, Any] | None:
    """The event on ``line``, or ``None`` when the line is not a Workbench event."""
    text = line.strip()
    if not text.startswith("{") or '"event"' not in text:
        return None
    try:
        event = json.loads(text)
    except ValueError:
        return None
    if not isinstance(event, dict) or event.get("event") not in EVENT_KINDS:
        return None
    if event.get("v") != EVENTS_VERSION:
        return None
    return event


def train_result_from_dict(data: dict[str, Any]) -> TrainResult:
    """A :class:`TrainResult` (without a model) from its ``to_dict()``."""
    history = {
        str(key): [float(v) for v in values] for key, values in (data.get("history") or {}).items()
    }
    best = data.get("best_epoch")
    averaged = data.get("averaged")
    return TrainResult(
        status=str(data.get("status") or "failed"),
        message=str(data.get("message") or ""),
        history=history,
        best_epoch=None if best is None else int(best),
        epochs_run=int(data.get("epochs_run") or 0),
        elapsed_s=float(data.get("elapsed_s") or 0.0),
        averaged=AveragedEpochs.from_dict(averaged) if isinstance(averaged, dict) else None,
    )


def _logs(event: dict[str, Any]) -> dict[str, float]:
    logs = event.get("logs") or {}
    return {str(k): (math.nan if v is None else float(v)) for k, v in logs.items()}


def replay_event(
    event: dict[str, Any],
    listener: TrainingListener | None,
    progress: ProgressCallback | None = None,
) -> None:
    """Make the listener call (or progress report) that ``event`` records.

    ``bundle`` and ``result`` events are for the caller; they are ignored here.
    """
    kind = event.get("event")
    if kind == "progress":
        if progress is not None:
            progress(float(event.get("fraction", 0.0)), str(event.get("message", "")))
        return
    if listener is None:
        return
    if kind == "begin":
        listener.on_train_begin(int(event["epochs"]), int(event["steps"]))
    elif kind == "batch":
        listener.on_batch_end(int(event["epoch"]), int(event["batch"]), _logs(event))
    elif kind == "epoch":
        listener.on_epoch_end(int(event["epoch"]), _logs(event))
    elif kind == "end":
        listener.on_train_end(train_result_from_dict(event.get("train") or {}))


class BundleAssembler:
    """Collects ``bundle`` events and writes the bundle folder once all pieces are in."""

    def __init__(self) -> None:
        self.name: str | None = None
        self._pieces: dict[int, str] = {}
        self._count = 0
        self._digest = ""

    def add(self, event: dict[str, Any]) -> None:
        name = str(event.get("name") or "")
        if self.name is not None and name != self.name:  # a new bundle: start again
            self._pieces.clear()
        self.name = name
        self._count = int(event.get("count") or 0)
        self._digest = str(event.get("sha256") or "")
        self._pieces[int(event.get("index") or 0)] = str(event.get("data") or "")

    @property
    def complete(self) -> bool:
        return self._count > 0 and len(self._pieces) == self._count

    def extract(self, into: str | Path) -> Path:
        """Unpack the bundle into the folder ``into`` (created); returns the bundle folder.

        BundleError when pieces are missing, the checksum does not match or the archive
        holds anything but one folder of plain files.
        """
        if not self.complete or not self.name:
            raise BundleError(
                f"the bundle did not arrive whole ({len(self._pieces)} of {self._count} pieces)"
            )
        payload = base64.b64decode("".join(self._pieces[i] for i in range(self._count)))
        if hashlib.sha256(payload).hexdigest() != self._digest:
            raise BundleError(f"bundle {self.name}: the received archive is damaged (checksum)")
        into = Path(into)
        into.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as tar:
            members = tar.getmembers()
            for member in members:
                parts = Path(member.name).parts
                if (
                    not parts
                    or parts[0] != self.name
                    or ".." in parts
                    or Path(member.name).is_absolute()
                    or not (member.isfile() or member.isdir())
                ):
                    raise BundleError(f"bundle {self.name}: unexpected entry {member.name!r}")
            tar.extractall(into, members=members, filter="data")
        return into / self.name
