"""Hyper-parameter sweeps: plan the trials, then train them one after another.

A :class:`SweepSpec` holds grid axes (``KEY=V1,V2,...``: every combination) and
random ranges (``KEY=LOW:HIGH``: ``trials`` draws, uniform; log-uniform when the
range spans two decades or more). :func:`plan_sweep` turns it into the list of
trial configs; :class:`SweepRunner` trains them in order, each trial a run of the
store, with Stop (ends the sweep, keeps the finished trials) and Skip (ends the
current trial only). With ``parallel > 1`` (a runner that sends trials to a cluster,
such as a Ray backend) that many trials are started at once, each followed from its
own thread; the cluster queues what it has no room for. The window and the command
line use the same runner.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core.corpora.corpus import Corpus
from workbench.core.errors import Cancelled, ConfigError
from workbench.core.experiments.recorder import metrics_dict, train_recorded
from workbench.core.experiments.store import RunStore
from workbench.core.learning.config.schema import TrainConfig
from workbench.core.learning.training import TrainingListener
from workbench.core.progress import CancelToken, ProgressCallback
from workbench.core.runs.pipeline import RunResult, run_training

DEFAULT_RANDOM_TRIALS = 4
SWEEP_METRICS = ("accuracy", "macro_f1")


@dataclass(frozen=True)
class SweepSpec:
    """What to vary: grid values per field and/or random ranges per field."""

    grid: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    trials: int | None = None  # random draws (per grid point); default 4 with ranges
    seed: int = 0

    def __post_init__(self) -> None:
        types = TrainConfig.field_types()
        for key in [*self.grid, *self.ranges]:
            if key not in types:
                raise ConfigError(f"sweep: unknown config field {key!r}")
        both = set(self.grid) & set(self.ranges)
        if both:
            raise ConfigError(f"sweep: {sorted(both)[0]!r} is both a grid and a random field")
        for key, values in self.grid.items():
            if not values:
                raise ConfigError(f"sweep: grid field {key!r} has no values")
        for key, (low, high) in self.ranges.items():
            if types[key] not in (int, float):
                raise ConfigError(f"sweep: {key!r} is not numeric; give its values with a grid")
            if not low <= high:
                raise ConfigError(f"sweep: range of {key!r} must be LOW:HIGH with LOW <= HIGH")
        if self.trials is not None and self.trials < 1:
            raise ConfigError(f"sweep: trials must be >= 1, got {self.trials}")
        if not self.grid and not self.ranges:
            raise ConfigError("sweep: give at least one grid field or random range")

    def to_dict(self) -> dict[str, Any]:
        return {
            "grid": {k: list(v) for k, v in self.grid.items()},
            "random": {k: list(v) for k, v in self.ranges.items()},
            "trials": self.trials,
            "seed": self.seed,
        }


def parse_grid(item: str) -> tuple[str, tuple[Any, ...]]:
    """``"units=32,64"`` -> ``("units", (32, 64))`` (values checked by the config)."""
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key or not raw.strip():
        raise ConfigError(f"--grid expects KEY=V1,V2,..., got {item!r}")
    values = []
    for text in raw.split(","):
        if text.strip():
            values.append(getattr(TrainConfig().with_overrides([f"{key}={text.strip()}"]), key))
    return key, tuple(dict.fromkeys(values))


def parse_range(item: str) -> tuple[str, tuple[float, float]]:
    """``"dropout=0.1:0.5"`` -> ``("dropout", (0.1, 0.5))``."""
    key, sep, raw = item.partition("=")
    key = key.strip()
    low, colon, high = raw.partition(":")
    if not sep or not key or not colon:
        raise ConfigError(f"--random expects KEY=LOW:HIGH, got {item!r}")
    try:
        bounds = (float(low), float(high))
    except ValueError:
        raise ConfigError(f"--random {key}: LOW and HIGH must be numbers, got {raw!r}") from None
    if not all(math.isfinite(b) for b in bounds):
        raise ConfigError(f"--random {key}: LOW and HIGH must be finite, got {raw!r}")
    return key, bounds


def _draw(rng: np.random.Generator, kind: type, low: float, high: float) -> Any:
    if kind is int:
        return int(rng.integers(math.ceil(low), math.floor(high) + 1))
    if low > 0 and high / low >= 100:
        return float(math.exp(rng.uniform(math.log(low), math.log(high))))
    return float(rng.uniform(low, high))


def plan_sweep(base: TrainConfig, spec: SweepSpec) -> list[dict[str, Any]]:
    """The trials' overrides (field -> value), in training order; each is validated."""
    types = TrainConfig.field_types()
    points = [
        dict(zip(spec.grid, combo, strict=True)) for combo in itertools.product(*spec.grid.values())
    ]
    draws = spec.trials or (DEFAULT_RANDOM_TRIALS if spec.ranges else 1)
    rng = np.random.default_rng(spec.seed)
    trials = []
    for point in points:
        for _ in range(draws if spec.ranges else 1):
            values = dict(point)
            for key, (low, high) in spec.ranges.items():
                values[key] = _draw(rng, types[key], low, high)
            trial_config(base, values)  # raises ConfigError naming a bad combination
            trials.append(values)
    if spec.trials is not None and not spec.ranges:
        trials = trials[: spec.trials]
    return trials


def trial_config(base: TrainConfig, values: dict[str, Any]) -> TrainConfig:
    import dataclasses

    try:
        return dataclasses.replace(base, **values)
    except ConfigError as exc:
        shown = ", ".join(f"{k}={v}" for k, v in values.items())
        raise ConfigError(f"sweep trial {shown}: {exc}") from None


class _Either:
    """A cancel token set when either of two tokens is."""

    def __init__(self, first: CancelToken | None, second: CancelToken) -> None:
        self._first = first
        self._second = second

    def is_set(self) -> bool:
        return self._second.is_set() or (self._first is not None and self._first.is_set())


@dataclass
class TrialOutcome:
    """One finished (or skipped) trial."""

    index: int
    values: dict[str, Any]
    run_id: int | None
    status: str
    metrics: dict[str, Any] | None
    config: dict[str, Any]
    elapsed_s: float = 0.0

    def score(self, metric: str) -> float | None:
        value = (self.metrics or {}).get(metric)
        return None if value is None else float(value)

    def to_dict(self) -> dict[str, Any]:
        metrics = None
        if self.metrics is not None:
            metrics = {k: self.metrics.get(k) for k in ("accuracy", "macro_f1", "weighted_f1")}
        return {
            "id": self.run_id,
            "index": self.index,
            "values": dict(self.values),
            "config": dict(self.config),
            "status": self.status,
            "metrics": metrics,
            "elapsed_s": self.elapsed_s,
        }


@dataclass
class SweepResult:
    sweep_id: int
    status: str  # completed | stopped
    trials: list[TrialOutcome]
    metric: str

    @property
    def best(self) -> TrialOutcome | None:
        scored = [t for t in self.trials if t.score(self.metric) is not None]
        return max(scored, key=lambda t: t.score(self.metric)) if scored else None

    def to_dict(self) -> dict[str, Any]:
        best = self.best
        return {
            "sweep": self.sweep_id,
            "status": self.status,
            "metric": self.metric,
            "trials": [t.to_dict() for t in self.trials],
            "best": None if best is None else best.run_id,
        }


class SweepRunner:
    """Trains the planned trials one after another, each recorded in the store.

    ``on_event`` gets plain dicts: ``{"event": "trial_begin", "index", "values",
    "run_id"}`` and ``{"event": "trial_end", "index", "run_id", "status", "metrics",
    "values"}``. ``listener_for(index)`` may give a listener per trial (live plots).
    :meth:`skip` ends the current trial; the sweep's cancel token ends the sweep.
    """

    def __init__(
        self,
        store: RunStore,
        corpus: Corpus,
        base: TrainConfig,
        spec: SweepSpec,
        *,
        runner: Callable[..., RunResult] = run_training,
        vectors: Any = "bundled",
        out_dir: str | Path | None = None,
        metric: str = "accuracy",
        source: str = "",
        tensorboard: str | Path | None = None,
        on_event: Callable[[dict[str, Any]], None] | None = None,
        listener_for: Callable[[int], TrainingListener | None] | None = None,
        runner_kwargs: dict[str, Any] | None = None,
        parallel: int = 1,
    ) -> None:
        if metric not in SWEEP_METRICS:
            raise ConfigError(f"sweep metric must be one of {', '.join(SWEEP_METRICS)}")
        if isinstance(parallel, bool) or not isinstance(parallel, int) or parallel < 1:
            raise ConfigError(f"sweep: parallel must be an integer >= 1, got {parallel!r}")
        self.store = store
        self.corpus = corpus
        self.base = base
        self.spec = spec
        self.plan = plan_sweep(base, spec)
        self._runner = runner
        self._vectors = vectors
        self._out_dir = out_dir
        self.metric = metric
        self._source = source
        self._tensorboard = tensorboard
        self._on_event = on_event or (lambda event: None)
        self._listener_for = listener_for or (lambda index: None)
        self._kwargs = dict(runner_kwargs or {})
        self.parallel = parallel
        self._skips: dict[int, threading.Event] = {}  # the running trials' Skip tokens
        self._skips_lock = threading.Lock()
        self.current: int | None = None

    def set_event_handler(self, on_event: Callable[[dict[str, Any]], None]) -> None:
        """Where trial events go (e.g. a task's ``partial``, set in the worker)."""
        self._on_event = on_event

    def skip(self) -> None:
        """End the trial(s) now training (the next one starts)."""
        with self._skips_lock:
            for token in self._skips.values():
                token.set()

    def run(
        self, *, cancel: CancelToken | None = None, progress: ProgressCallback | None = None
    ) -> SweepResult:
        sweep_id = self.store.begin_sweep({**self.spec.to_dict(), "metric": self.metric})
        outcomes: list[TrialOutcome] = []
        total = len(self.plan)
        status = "completed"
        try:
            run = self._run_parallel if self.parallel > 1 else self._run_serial
            outcomes = run(sweep_id, cancel, progress)
            if cancel is not None and cancel.is_set():
                status = "stopped"
        finally:
            self.current = None
            self.store.finish_sweep(sweep_id, status)
        if progress is not None:
            progress(1.0, f"sweep {status}: {len(outcomes)}/{total} trials")
        return SweepResult(sweep_id=sweep_id, status=status, trials=outcomes, metric=self.metric)

    def _run_serial(
        self, sweep_id: int, cancel: CancelToken | None, progress: ProgressCallback | None
    ) -> list[TrialOutcome]:
        """The trials one after another, until Stop."""
        outcomes: list[TrialOutcome] = []
        for index, values in enumerate(self.plan):
            if cancel is not None and cancel.is_set():
                break
            self.current = index
            outcomes.append(self._trial(sweep_id, index, values, len(self.plan), cancel, progress))
        return outcomes

    def _run_parallel(
        self, sweep_id: int, cancel: CancelToken | None, progress: ProgressCallback | None
    ) -> list[TrialOutcome]:
        """Up to ``parallel`` trials at once; Stop leaves the trials not begun unstarted."""
        total = len(self.plan)
        done: list[TrialOutcome] = []
        lock = threading.Lock()

        def one(index: int, values: dict[str, Any]) -> TrialOutcome | None:
            if cancel is not None and cancel.is_set():
                return None
            outcome = self._trial(sweep_id, index, values, total, cancel, None)
            with lock:
                done.append(outcome)
                if progress is not None:
                    progress(len(done) / total, f"{len(done)}/{total} trials finished")
            return outcome

        with ThreadPoolExecutor(self.parallel, thread_name_prefix="sweep-trial") as pool:
            futures = [pool.submit(one, i, values) for i, values in enumerate(self.plan)]
            results = [future.result() for future in futures]
        return [outcome for outcome in results if outcome is not None]

    def _trial(
        self,
        sweep_id: int,
        index: int,
        values: dict[str, Any],
        total: int,
        cancel: CancelToken | None,
        progress: ProgressCallback | None,
    ) -> TrialOutcome:
        import time

        config = trial_config(self.base, values)
        started = time.perf_counter()
        shown = ", ".join(f"{k}={_short(v)}" for k, v in values.items())
        run_ids: list[int] = []
        skip = threading.Event()
        with self._skips_lock:
            self._skips[index] = skip

        def begun(run_id: int) -> None:
            run_ids.append(run_id)
            self._on_event(
                {"event": "trial_begin", "index": index, "values": dict(values), "run_id": run_id}
            )

        def trial_progress(fraction: float, message: str) -> None:
            if progress is not None:
                share = (index + max(0.0, min(fraction, 1.0))) / total
                progress(share, f"trial {index + 1}/{total} ({shown}): {message}")

        status, metrics = "failed", None
        try:
            result = train_recorded(
                self.store,
                self.corpus,
                config,
                runner=self._runner,
                listener=self._listener_for(index),
                vectors=self._vectors,
                out_dir=self._out_dir,
                source=self._source,
                kind="sweep",
                sweep_id=sweep_id,
                tensorboard=self._tensorboard,
                on_begin=begun,
                cancel=_Either(cancel, skip),
                progress=trial_progress,
                **self._kwargs,
            )
            status, metrics = result.train.status, metrics_dict(result)
            if skip.is_set() and status == "cancelled":
                status = "skipped"
        except Cancelled:
            status = "skipped" if skip.is_set() else "cancelled"
        except Exception as exc:  # one bad trial must not end the sweep
            status = "failed"
            metrics = None
            self._on_event({"event": "trial_error", "index": index, "message": str(exc)})
        finally:
            with self._skips_lock:
                self._skips.pop(index, None)
        outcome = TrialOutcome(
            index=index,
            values=dict(values),
            run_id=run_ids[0] if run_ids else None,
            status=status,
            metrics=metrics,
            config=config.to_dict(),
            elapsed_s=time.perf_counter() - started,
        )
        self._on_event(
            {
                "event": "trial_end",
                "index": index,
                "run_id": outcome.run_id,
                "status": status,
                "metrics": outcome.to_dict()["metrics"],
                "values": dict(values),
            }
        )
        return outcome


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
