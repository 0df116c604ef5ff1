"""The run store: every training run of a models folder, in one SQLite file.

``<models folder>/runs.sqlite`` holds one row per run (config, corpus fingerprint,
vectors, provenance, status, test metrics, bundle path), its per-epoch history, a
throttled per-batch running curve, sweeps, and small named artifacts (out-of-fold
predictions of a cross-validation). Rows are written as the run goes, each write
its own short transaction, so a process that dies leaves a consistent database.

Several processes may write at once (the window and a command line training):
the database is in WAL mode with a busy timeout. A run whose process is gone while
its row still says ``running`` is marked ``interrupted`` when a store is opened.
The schema is versioned (``PRAGMA user_version``) and migrated on open.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.core.errors import WorkbenchError
from workbench.core.learning.baseline import part_accuracies

STORE_NAME = "runs.sqlite"
RUN_STATUSES = ("running", "completed", "early_stopped", "cancelled", "failed", "interrupted")
BUSY_TIMEOUT_MS = 30_000

# version -> SQL that brings the schema from version - 1 to version
MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'train',
        source TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        message TEXT NOT NULL DEFAULT '',
        started REAL NOT NULL,
        ended REAL,
        heartbeat REAL,
        pid INTEGER,
        pid_start TEXT,
        corpus_path TEXT,
        corpus_fingerprint TEXT,
        corpus_documents INTEGER,
        vectors TEXT,
        config TEXT NOT NULL,
        provenance TEXT,
        metrics TEXT,
        accuracy REAL,
        macro_f1 REAL,
        epochs_run INTEGER NOT NULL DEFAULT 0,
        best_epoch INTEGER,
        bundle TEXT,
        sweep_id INTEGER,
        extra TEXT
    );
    CREATE INDEX runs_started ON runs(started);
    CREATE INDEX runs_status ON runs(status);
    CREATE TABLE epochs (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        loss REAL, accuracy REAL, val_loss REAL, val_accuracy REAL,
        PRIMARY KEY (run_id, epoch)
    );
    CREATE TABLE batches (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        position REAL NOT NULL,
        loss REAL, accuracy REAL
    );
    CREATE INDEX batches_run ON batches(run_id);
    CREATE TABLE sweeps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started REAL NOT NULL,
        ended REAL,
        status TEXT NOT NULL,
        spec TEXT NOT NULL
    );
    CREATE TABLE artifacts (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
    );
    """,
    2: """
    ALTER TABLE runs ADD COLUMN baseline_accuracy REAL;
    ALTER TABLE runs ADD COLUMN baseline_macro_f1 REAL
    """,
}
SCHEMA_VERSION = max(MIGRATIONS)
EPOCH_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")
_SUMMARY_COLUMNS = (
    "id, name, kind, source, status, message, started, ended, corpus_path, "
    "corpus_fingerprint, corpus_documents, vectors, config, accuracy, macro_f1, "
    "epochs_run, best_epoch, bundle, sweep_id, baseline_accuracy, baseline_macro_f1"
)


class RunStoreError(WorkbenchError):
    """The run store cannot be opened or used (names the file and the reason)."""


@dataclass
class RunRecord:
    """One run as the store holds it (history only when asked for)."""

    id: int
    name: str
    kind: str
    source: str
    status: str
    message: str
    started: float
    ended: float | None
    corpus_path: str | None
    corpus_fingerprint: str | None
    corpus_documents: int | None
    vectors: str | None
    config: dict[str, Any]
    accuracy: float | None
    macro_f1: float | None
    epochs_run: int
    best_epoch: int | None
    bundle: str | None
    sweep_id: int | None
    baseline_accuracy: float | None = None  # the built-in linear baseline's, same test split
    baseline_macro_f1: float | None = None
    metrics: dict[str, Any] | None = None
    provenance: dict[str, Any] | None = None
    extra: dict[str, Any] | None = None
    history: dict[str, list[float]] = field(default_factory=dict)
    batches: list[tuple[float, float, float]] = field(default_factory=list)

    @property
    def duration_s(self) -> float | None:
        return None if self.ended is None else max(0.0, self.ended - self.started)

    def baseline_dict(self) -> dict[str, float | None] | None:
        """The linear baseline's test figures (``None`` when the run has none)."""
        if self.baseline_accuracy is None:
            return None
        return {"accuracy": self.baseline_accuracy, "macro_f1": self.baseline_macro_f1}

    def part_accuracies(self) -> dict[str, float] | None:
        """Test accuracy of each part of a wide-and-deep run alone (``{"recurrent": ...,
        "ngrams": ...}``); ``None`` for other runs and for records read without their
        metrics (:meth:`RunStore.list_runs`; see :meth:`RunStore.metrics_of`)."""
        return part_accuracies((self.metrics or {}).get("parts"))

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """JSON-serialisable; ``full`` adds metrics details, provenance and history."""
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "source": self.source,
            "status": self.status,
            "message": self.message,
            "started": _iso(self.started),
            "ended": _iso(self.ended),
            "duration_s": self.duration_s,
            "corpus": {
                "path": self.corpus_path,
                "fingerprint": self.corpus_fingerprint,
                "documents": self.corpus_documents,
            },
            "vectors": self.vectors,
            "config": dict(self.config),
            "metrics": {
                "accuracy": self.accuracy,
                "macro_f1": self.macro_f1,
                "baseline": self.baseline_dict(),
            },
            "epochs_run": self.epochs_run,
            "best_epoch": self.best_epoch,
            "bundle": self.bundle,
            "sweep_id": self.sweep_id,
        }
        if full:
            data["metrics"] = {**(self.metrics or {}), **data["metrics"]}
            data["provenance"] = self.provenance
            data["extra"] = self.extra
            data["history"] = self.history
        return data


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(stamp))


def _json(value: Any) -> str:
    return json.dumps(value, default=_jsonable, allow_nan=True)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | tuple):
        return list(value)
    return str(value)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _real(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def corpus_fingerprint(texts: Sequence[str], labels: Sequence[str]) -> str:
    """A short SHA-256 of a corpus's texts and labels (same documents, same fingerprint)."""
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=False):
        digest.update(label.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1e")
    return digest.hexdigest()[:16]


def process_start(pid: int) -> str | None:
    """When process ``pid`` started (Linux: clock ticks since boot), or None if unknown.

    Stored beside the pid so that a new process reusing the pid is not taken for
    the run's owner.
    """
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return fields[19]
    except (OSError, IndexError):
        return None


def process_alive(pid: int | None, start: str | None) -> bool:
    """Whether the process that wrote a run (``pid`` started at ``start``) still runs."""
    if pid is None:
        return False
    if pid == os.getpid():
        return start is None or start == process_start(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    if start is None:
        return True
    now = process_start(pid)
    return now is None or now == start


class RunStore:
    """The run database of one models folder. Thread-safe; one connection per store.

    ``RunStore(path)`` accepts the database file or the models folder holding it.
    Opening creates or migrates the schema and marks orphaned runs ``interrupted``.
    """

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        if path.suffix != ".sqlite":
            path = path / STORE_NAME
        self.path = path
        self._lock = threading.RLock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
            )
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
            self.mark_orphans_interrupted()
        except sqlite3.DatabaseError as exc:
            raise RunStoreError(f"cannot open the run store {path}: {exc}") from None
        except OSError as exc:
            raise RunStoreError(f"cannot open the run store {path}: {exc.strerror}") from None

    # --- plumbing ---------------------------------------------------------------------
    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RunStoreError(
                f"{self.path} has schema version {version}; this Workbench knows up to "
                f"{SCHEMA_VERSION} (update Workbench)"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self._lock:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    # re-read inside the write lock: another process may have migrated
                    current = self._db.execute("PRAGMA user_version").fetchone()[0]
                    if current < target:
                        for statement in MIGRATIONS[target].split(";"):
                            if statement.strip():
                                self._db.execute(statement)
                        self._db.execute(f"PRAGMA user_version = {target}")
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise

    def _write(self, sql: str, params: Sequence[Any] | Iterable[Sequence[Any]] = (), *, many=False):
        with self._lock:
            try:
                with self._db:
                    if many:
                        return self._db.executemany(sql, params)
                    return self._db.execute(sql, params)
            except sqlite3.DatabaseError as exc:
                raise RunStoreError(f"run store {self.path}: {exc}") from None

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:
                raise RunStoreError(f"run store {self.path}: {exc}") from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def data_version(self) -> int:
        """Changes whenever another connection commits (cheap; for polling)."""
        return int(self._read("PRAGMA data_version")[0][0])

    def integrity_check(self) -> str:
        return str(self._read("PRAGMA integrity_check")[0][0])

    # --- writing runs -------------------------------------------------------------------
    def begin_run(
        self,
        *,
        name: str,
        config: dict[str, Any],
        corpus_path: str | None = None,
        corpus_fingerprint: str | None = None,
        corpus_documents: int | None = None,
        vectors: str | None = None,
        source: str = "",
        kind: str = "train",
        sweep_id: int | None = None,
    ) -> int:
        """Add a ``running`` run owned by this process; returns its id."""
        now = time.time()
        pid = os.getpid()
        cursor = self._write(
            "INSERT INTO runs (name, kind, source, status, started, heartbeat, pid, pid_start,"
            " corpus_path, corpus_fingerprint, corpus_documents, vectors, config, sweep_id)"
            " VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                name,
                kind,
                source,
                now,
                now,
                pid,
                process_start(pid),
                corpus_path,
                corpus_fingerprint,
                corpus_documents,
                vectors,
                _json(config),
                sweep_id,
            ),
        )
        return int(cursor.lastrowid)

    def add_epoch(self, run_id: int, epoch: int, logs: dict[str, Any]) -> None:
        """Record one finished epoch (0-based) and refresh the heartbeat."""
        values = [_real(logs.get(key)) for key in EPOCH_KEYS]
        with self._lock:
            try:
                with self._db:
                    self._db.execute(
                        "INSERT OR REPLACE INTO epochs VALUES (?, ?, ?, ?, ?, ?)",
                        (run_id, int(epoch), *values),
                    )
                    self._db.execute(
                        "UPDATE runs SET epochs_run = MAX(epochs_run, ?), heartbeat = ?"
                        " WHERE id = ?",
                        (int(epoch) + 1, time.time(), run_id),
                    )
            except sqlite3.DatabaseError as exc:
                raise RunStoreError(f"run store {self.path}: {exc}") from None

    def add_batches(self, run_id: int, rows: Sequence[tuple[float, Any, Any]]) -> None:
        """Record running-curve points ``(epoch + fraction, loss, accuracy)``."""
        if rows:
            self._write(
                "INSERT INTO batches VALUES (?, ?, ?, ?)",
                [(run_id, float(p), _real(loss), _real(acc)) for p, loss, acc in rows],
                many=True,
            )

    def heartbeat(self, run_id: int) -> None:
        self._write("UPDATE runs SET heartbeat = ? WHERE id = ?", (time.time(), run_id))

    def update_run(self, run_id: int, **values: Any) -> None:
        """Set columns of a run (dicts are stored as JSON)."""
        allowed = {
            "name", "status", "message", "ended", "provenance", "metrics", "accuracy",
            "macro_f1", "epochs_run", "best_epoch", "bundle", "extra", "vectors", "config",
            "baseline_accuracy", "baseline_macro_f1",
        }  # fmt: skip
        unknown = set(values) - allowed
        if unknown:
            raise RunStoreError(f"unknown run field(s): {', '.join(sorted(unknown))}")
        if "status" in values and values["status"] not in RUN_STATUSES:
            raise RunStoreError(f"unknown run status {values['status']!r}")
        names = sorted(values)
        params = [
            _json(values[n]) if isinstance(values[n], dict | list) else values[n] for n in names
        ]
        sets = ", ".join(f"{n} = ?" for n in names)
        self._write(f"UPDATE runs SET {sets} WHERE id = ?", (*params, run_id))

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        message: str = "",
        metrics: dict[str, Any] | None = None,
        **values: Any,
    ) -> None:
        """End a run: its final status, message, test metrics (with the linear
        baseline's as ``metrics["baseline"]``, when it has one) and anything else."""
        metrics = metrics or None
        baseline = (metrics or {}).get("baseline")
        baseline = baseline if isinstance(baseline, dict) else {}
        self.update_run(
            run_id,
            status=status,
            message=message,
            ended=time.time(),
            metrics=metrics,
            accuracy=_real((metrics or {}).get("accuracy")),
            macro_f1=_real((metrics or {}).get("macro_f1")),
            baseline_accuracy=_real(baseline.get("accuracy")),
            baseline_macro_f1=_real(baseline.get("macro_f1")),
            **values,
        )

    def set_artifact(self, run_id: int, key: str, value: Any) -> None:
        """Keep a JSON value with a run (e.g. ``"oof"``: out-of-fold predictions)."""
        self._write(
            "INSERT OR REPLACE INTO artifacts VALUES (?, ?, ?)", (run_id, key, _json(value))
        )

    def artifact(self, run_id: int, key: str) -> Any:
        rows = self._read("SELECT value FROM artifacts WHERE run_id = ? AND key = ?", (run_id, key))
        return _loads(rows[0][0]) if rows else None

    def mark_orphans_interrupted(self) -> list[int]:
        """Mark ``running`` runs whose process is gone as ``interrupted``; their ids."""
        rows = self._read("SELECT id, pid, pid_start FROM runs WHERE status = 'running'")
        dead = [run_id for run_id, pid, start in rows if not process_alive(pid, start)]
        for run_id in dead:
            self._write(
                "UPDATE runs SET status = 'interrupted', ended = COALESCE(heartbeat, started),"
                " message = 'the training process ended without finishing the run'"
                " WHERE id = ? AND status = 'running'",
                (run_id,),
            )
        return dead

    def delete_run(self, run_id: int) -> bool:
        """Forget a run and its history (its bundle folder is not touched)."""
        return self._write("DELETE FROM runs WHERE id = ?", (run_id,)).rowcount > 0

    # --- sweeps ----------------------------------------------------------------------------
    def begin_sweep(self, spec: dict[str, Any]) -> int:
        cursor = self._write(
            "INSERT INTO sweeps (started, status, spec) VALUES (?, 'running', ?)",
            (time.time(), _json(spec)),
        )
        return int(cursor.lastrowid)

    def finish_sweep(self, sweep_id: int, status: str) -> None:
        self._write(
            "UPDATE sweeps SET status = ?, ended = ? WHERE id = ?", (status, time.time(), sweep_id)
        )

    # --- reading ----------------------------------------------------------------------------
    @staticmethod
    def _record(row: Sequence[Any]) -> RunRecord:
        (id_, name, kind, source, status, message, started, ended, cpath, cfp, cdocs, vectors,
         config, acc, f1, epochs_run, best, bundle, sweep_id, base_acc, base_f1) = row  # fmt: skip
        return RunRecord(
            id=int(id_),
            name=name,
            kind=kind,
            source=source,
            status=status,
            message=message,
            started=float(started),
            ended=ended,
            corpus_path=cpath,
            corpus_fingerprint=cfp,
            corpus_documents=cdocs,
            vectors=vectors,
            config=_loads(config) or {},
            accuracy=acc,
            macro_f1=f1,
            epochs_run=int(epochs_run or 0),
            best_epoch=best,
            bundle=bundle,
            sweep_id=sweep_id,
            baseline_accuracy=base_acc,
            baseline_macro_f1=base_f1,
        )

    def list_runs(
        self, *, sweep_id: int | None = None, limit: int | None = None
    ) -> list[RunRecord]:
        """Runs, newest first (without history)."""
        sql = f"SELECT {_SUMMARY_COLUMNS} FROM runs"
        params: list[Any] = []
        if sweep_id is not None:
            sql += " WHERE sweep_id = ?"
            params.append(sweep_id)
        sql += " ORDER BY started DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [self._record(row) for row in self._read(sql, params)]

    def get_run(self, run_id: int, *, batches: bool = False) -> RunRecord:
        """One run with its metrics, provenance and per-epoch history."""
        rows = self._read(
            f"SELECT {_SUMMARY_COLUMNS}, metrics, provenance, extra FROM runs WHERE id = ?",
            (run_id,),
        )
        if not rows:
            raise RunStoreError(f"no run with id {run_id} in {self.path}")
        record = self._record(rows[0][:-3])
        record.metrics = _loads(rows[0][-3])
        record.provenance = _loads(rows[0][-2])
        record.extra = _loads(rows[0][-1])
        record.history = self.histories([run_id]).get(run_id, {})
        if batches:
            record.batches = [
                (p, loss, acc)
                for p, loss, acc in self._read(
                    "SELECT position, loss, accuracy FROM batches WHERE run_id = ?"
                    " ORDER BY position",
                    (run_id,),
                )
            ]
        return record

    def metrics_of(self, run_ids: Iterable[int]) -> dict[int, dict[str, Any] | None]:
        """The test metrics of each run (``None`` where it has none), in one query."""
        ids = [int(i) for i in run_ids]
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._read(f"SELECT id, metrics FROM runs WHERE id IN ({marks})", ids)
        return {run_id: _loads(text) for run_id, text in rows}

    def histories(self, run_ids: Iterable[int]) -> dict[int, dict[str, list[float]]]:
        """Per-epoch history of each run (NaN where a value is missing)."""
        ids = [int(i) for i in run_ids]
        out: dict[int, dict[str, list[float]]] = {i: {k: [] for k in EPOCH_KEYS} for i in ids}
        if not ids:
            return out
        marks = ",".join("?" * len(ids))
        rows = self._read(
            f"SELECT run_id, loss, accuracy, val_loss, val_accuracy FROM epochs"
            f" WHERE run_id IN ({marks}) ORDER BY run_id, epoch",
            ids,
        )
        for run_id, *values in rows:
            for key, value in zip(EPOCH_KEYS, values, strict=True):
                out[run_id][key].append(math.nan if value is None else float(value))
        return out

    def count(self) -> int:
        return int(self._read("SELECT COUNT(*) FROM runs")[0][0])


def config_diff(configs: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    """The fields whose values differ between ``configs``: field -> one value per config."""
    keys: list[str] = []
    for config in configs:
        keys.extend(k for k in config if k not in keys)
    diff = {}
    for key in keys:
        values = [config.get(key) for config in configs]
        if any(v != values[0] for v in values[1:]):
            diff[key] = values
    return diff
