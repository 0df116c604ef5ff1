"""Run a training on a Ray cluster, as a Ray job, reporting back as if it ran here.

:class:`RayBackend` submits ``python -m workbench train ... --events --send-bundle``
through the Ray Jobs API (``ray.job_submission.JobSubmissionClient``) and follows
the job's log: each event line becomes the same :class:`TrainingListener` call and
progress report a local run makes, so progress displays and plots work unchanged.

What travels with the job (its runtime environment, uploaded by Ray from here):

- the ``workbench`` package itself (``py_modules``), so the cluster runs this version;
- the corpus as it is loaded here, written as JSON lines (``train``/``valid``/``test``
  parts when it has predefined splits), whatever its original format;
- the training config as TOML;
- a vectors file, unless ``vectors_on_cluster`` says the path is one the cluster's
  machines see (for files too big to upload; nothing is then sent). The bundled
  GloVe is not sent: the cluster's Python has it installed with Workbench's
  dependencies.

The cluster's Python must have Workbench's dependencies (TensorFlow...). The saved
bundle comes back in the job's log as ``bundle`` events (a gzipped tar in base64
pieces) and is unpacked into the local models folder: no storage shared between
here and the cluster is needed, at the cost of ~1.35x the bundle's size in log.

Stop (the ``cancel`` token) stops the job (``stop_job``): Ray sends it SIGTERM, which
ends training after the current batch and saves the best epoch; Ray kills the job
if that takes more than its grace period (``RAY_JOB_STOP_WAIT_TIME_S``, 3 s by
default), and the run then ends as cancelled without a model.

Ray is imported only inside functions; without it, :func:`ray_missing_reason` says
how to install it. A sweep calls :meth:`RayBackend.start` once per trial and
:meth:`RayRun.wait` on each (from its own thread): Ray runs as many jobs at once
as the cluster has CPUs for (``num_cpus`` each) and queues the rest.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import json
import logging
import re
import shlex
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.core.bundles.bundle import load_bundle, unique_bundle_path
from workbench.core.corpora.corpus import Corpus
from workbench.core.errors import Cancelled, ConfigError, WorkbenchError
from workbench.core.learning.baseline import BaselineResult
from workbench.core.learning.config.schema import TrainConfig
from workbench.core.learning.evaluation import Evaluation
from workbench.core.learning.training import TrainingListener
from workbench.core.progress import CancelToken, ProgressCallback
from workbench.core.runs.events import (
    BundleAssembler,
    parse_event_line,
    replay_event,
    train_result_from_dict,
)
from workbench.core.runs.pipeline import RunResult
from workbench.core.runs.provenance import default_stem
from workbench.core.text.vectors.choice import VectorsSource
from workbench.core.text.vectors.loading import Coverage, VectorsReport

__all__ = [
    "RAY_INSTALL_HINT",
    "RayBackend",
    "RayJobError",
    "RayRun",
    "normalise_ray_address",
    "ray_missing_reason",
    "submit_training",
]

RAY_INSTALL_HINT = 'pip install -e ".[ray]"'
UPLOAD_LIMIT_BYTES = 400 * 2**20  # Ray refuses runtime-environment packages over ~500 MiB
POLL_S = 0.5  # how often the job's status and log are read
_TERMINAL = ("SUCCEEDED", "FAILED", "STOPPED")
_ADDRESS = re.compile(r"^(https?)://([^/:\s]+)(:\d+)?/?$")


class RayJobError(WorkbenchError):
    """Ray is missing, the cluster cannot be reached, or the job failed there."""


def ray_missing_reason() -> str | None:
    """Why runs on Ray are not possible here (``None`` when Ray can be imported)."""
    try:
        found = importlib.util.find_spec("ray") is not None
    except (ImportError, ValueError):
        found = False
    if found:
        return None
    return f"Ray is not installed (install the extra: {RAY_INSTALL_HINT})"


def normalise_ray_address(address: str) -> str:
    """``http://HOST:PORT`` from what Ray prints (a bare ``HOST:PORT`` gets ``http://``).

    ConfigError for a Ray Client address (``ray://``), a GCS address given without a
    scheme on port 6379, or anything that is not an http(s) address.
    """
    text = str(address or "").strip()
    if not text:
        raise ConfigError("the Ray address is empty (expected http://HEAD:8265)")
    if text.startswith("ray://"):
        raise ConfigError(
            f"{text} is a Ray Client address; give the job-submission address "
            "(the dashboard's, http://HEAD:8265)"
        )
    if "://" not in text:
        if text.endswith(":6379"):
            raise ConfigError(
                f"{text} is the cluster's GCS address; give the job-submission address "
                "(the dashboard's, http://HEAD:8265)"
            )
        text = "http://" + text
    if not _ADDRESS.match(text):
        raise ConfigError(
            f"not a Ray job-submission address: {address!r} (expected http://HEAD:8265)"
        )
    return text.rstrip("/")


AGENT_WAIT_S = 60.0
"""How long a submission waits for a cluster whose job agent is still starting."""

_NO_AGENT = "No available agent to submit job"


def submit_when_agent_ready(
    client: Any, *, wait_s: float = AGENT_WAIT_S, sleep: Any = time.sleep, **job: Any
) -> str:
    """``client.submit_job(**job)``, tried again each second for up to ``wait_s`` while
    the cluster answers that its job agent is not up yet (a head just started: its
    dashboard answers seconds before the agent that runs jobs); other errors at once."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return str(client.submit_job(**job))
        except Exception as exc:
            if _NO_AGENT not in str(exc) or time.monotonic() >= deadline:
                raise
        sleep(1.0)


def _client(address: str) -> Any:
    reason = ray_missing_reason()
    if reason is not None:
        raise RayJobError(reason)
    from ray.job_submission import JobSubmissionClient

    # Ray logs each upload at INFO on stderr; keep its warnings and errors only
    for name in ("ray", "ray.dashboard.modules.dashboard_sdk", "ray._private.runtime_env"):
        logging.getLogger(name).setLevel(logging.WARNING)

    try:
        return JobSubmissionClient(address)
    except Exception as exc:  # ConnectionError, or RuntimeError from Ray's client
        raise RayJobError(f"cannot reach the Ray cluster at {address}: {_one_line(exc)}") from exc


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


def _write_corpus(corpus: Corpus, folder: Path) -> str:
    """Write ``corpus`` as JSON lines under ``folder``; returns the path the job loads."""
    folder.mkdir(parents=True)
    if corpus.splits is None:
        parts = {"corpus.jsonl": range(len(corpus))}
    else:
        parts = {}
        for i, split in enumerate(corpus.splits):
            parts.setdefault(f"{split}.jsonl", []).append(i)  # type: ignore[union-attr]
    for filename, indices in parts.items():
        with open(folder / filename, "w", encoding="utf-8") as out:
            for i in indices:
                record = {"text": corpus.texts[i], "label": corpus.labels[i]}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    if corpus.splits is None:
        return "corpus/corpus.jsonl"
    return "corpus"


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@dataclass(frozen=True)
class RayBackend:
    """Where and how runs go to a Ray cluster.

    ``address``: the job-submission address (``http://HEAD:8265``). ``vectors_on_cluster``:
    a vectors file path names a file on the cluster's machines (nothing uploaded).
    ``num_cpus``: CPUs each job reserves (Ray queues jobs the cluster has no room for).
    ``python``: the cluster's Python command.
    """

    address: str
    vectors_on_cluster: bool = False
    num_cpus: float = 1.0
    python: str = "python"
    poll_s: float = POLL_S

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", normalise_ray_address(self.address))
        if not self.num_cpus > 0:
            raise ConfigError(f"num_cpus must be positive, got {self.num_cpus!r}")

    def entrypoint(self, vectors: VectorsSource, name: str | None, corpus_path: str) -> str:
        """The job's shell command (paths relative to the job's working folder)."""
        if vectors.is_file and not self.vectors_on_cluster:
            suffix = Path(str(vectors.path)).name
            vectors_arg = f"vectors/{suffix}" + (f":{vectors.member}" if vectors.member else "")
        else:
            vectors_arg = str(vectors)
        words = [
            self.python,
            "-m",
            "workbench",
            "train",
            "--corpus",
            corpus_path,
            "--format",
            "jsonl",
            "--config",
            "config.toml",
            "--vectors",
            vectors_arg,
            "--out",
            "bundles",
            "--events",
            "--send-bundle",
        ]
        if name:
            words += ["--name", name]
        return shlex.join(words)

    def start(
        self,
        corpus: Corpus,
        config: TrainConfig,
        *,
        vectors: Any = "bundled",
        name: str | None = None,
    ) -> RayRun:
        """Stage the corpus, config (and vectors file) and submit the job; returns its run."""
        if not isinstance(config, TrainConfig):
            raise ConfigError(f"config must be a TrainConfig, got {type(config).__name__}")
        if not isinstance(corpus, Corpus):
            raise ConfigError(f"corpus must be a Corpus, got {type(corpus).__name__}")
        source = VectorsSource.parse(vectors)
        if not self.vectors_on_cluster:
            source.check()
        upload_vectors = source.is_file and not self.vectors_on_cluster
        staging = Path(tempfile.mkdtemp(prefix="workbench-ray-"))
        try:
            corpus_path = _write_corpus(corpus, staging / "corpus")
            (staging / "config.toml").write_text(config.to_toml(), encoding="utf-8")
            vectors_file = Path(str(source.path)).expanduser() if upload_vectors else None
            size = _size(staging) + (vectors_file.stat().st_size if vectors_file else 0)
            if size > UPLOAD_LIMIT_BYTES:
                raise RayJobError(
                    f"the corpus and vectors to upload take {size / 2**20:.0f} MiB, more than a "
                    f"Ray job carries ({UPLOAD_LIMIT_BYTES // 2**20} MiB): put the vectors file "
                    "where the cluster's machines see it and pass that path with "
                    "--ray-vectors-on-cluster"
                )
            if vectors_file is not None:
                (staging / "vectors").mkdir()
                shutil.copy2(vectors_file, staging / "vectors")
            client = _client(self.address)
            package = Path(__file__).resolve().parents[2]
            runtime_env = {
                "working_dir": str(staging),
                "py_modules": [str(package)],
                "excludes": ["__pycache__", "*.pyc"],
            }
            # named after the corpus here, not the copy the job reads
            entry = self.entrypoint(source, name or default_stem(corpus, config), corpus_path)
            try:
                job_id = submit_when_agent_ready(
                    client,
                    entrypoint=entry,
                    runtime_env=runtime_env,
                    entrypoint_num_cpus=self.num_cpus,
                    metadata={"workbench": "train"},
                )
            except Exception as exc:
                raise RayJobError(
                    f"the Ray cluster at {self.address} refused the job: {_one_line(exc)}"
                ) from exc
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # Ray has uploaded it
        return RayRun(self, client, str(job_id), vectors_on_cluster=self.vectors_on_cluster)

    def run(
        self,
        corpus: Corpus,
        config: TrainConfig,
        *,
        vectors: Any = "bundled",
        listener: TrainingListener | None = None,
        cancel: CancelToken | None = None,
        progress: ProgressCallback | None = None,
        out_dir: str | Path | None = None,
        name: str | None = None,
    ) -> RunResult:
        """Like :func:`~workbench.core.runs.pipeline.run_training`, on the cluster."""
        if progress is not None:
            progress(0.0, f"submitting the job to the Ray cluster at {self.address}")
        run = self.start(corpus, config, vectors=vectors, name=name)
        return run.wait(listener=listener, cancel=cancel, progress=progress, out_dir=out_dir)


class RayRun:
    """One submitted training job: follow its events, stop it, fetch its result."""

    def __init__(
        self, backend: RayBackend, client: Any, job_id: str, *, vectors_on_cluster: bool
    ) -> None:
        self.backend = backend
        self.job_id = job_id
        self._client = client
        self._vectors_on_cluster = vectors_on_cluster
        self._seen = 0  # characters of the log already read
        self._pending = ""  # an unfinished last line
        self._assembler = BundleAssembler()
        self._result: dict[str, Any] | None = None
        self._errors: list[str] = []

    def status(self) -> str:
        """The job's status name (``PENDING``, ``RUNNING``, ``SUCCEEDED``, ``STOPPED``...)."""
        try:
            status = self._client.get_job_status(self.job_id)
        except Exception as exc:
            raise RayJobError(
                f"lost the Ray cluster at {self.backend.address}: {_one_line(exc)}"
            ) from exc
        return str(getattr(status, "value", status))

    def stop(self) -> None:
        """Ask Ray to stop the job (SIGTERM: it saves the best epoch if it has time)."""
        # already finished, or the cluster went away: nothing to stop then
        with contextlib.suppress(Exception):
            self._client.stop_job(self.job_id)

    def _read_new_lines(
        self, listener: TrainingListener | None, progress: ProgressCallback | None
    ) -> None:
        try:
            text = self._client.get_job_logs(self.job_id)
        except Exception as exc:
            raise RayJobError(
                f"cannot read the log of Ray job {self.job_id}: {_one_line(exc)}"
            ) from exc
        if len(text) < self._seen:  # the log was rotated or restarted: read it whole
            self._seen, self._pending = 0, ""
        chunk = self._pending + text[self._seen :]
        self._seen = len(text)
        lines = chunk.split("\n")
        self._pending = lines.pop()
        for line in lines:
            self.handle_line(line, listener, progress)

    def handle_line(
        self, line: str, listener: TrainingListener | None, progress: ProgressCallback | None
    ) -> None:
        """Act on one log line: replay an event, keep a bundle piece, the result or an error."""
        event = parse_event_line(line)
        if event is None:
            if line.startswith("workbench: error:"):
                self._errors.append(line[len("workbench: error:") :].strip())
            return
        kind = event["event"]
        if kind == "bundle":
            self._assembler.add(event)
        elif kind == "result":
            self._result = event.get("result") or {}
        else:
            replay_event(event, listener, progress)

    def wait(
        self,
        *,
        listener: TrainingListener | None = None,
        cancel: CancelToken | None = None,
        progress: ProgressCallback | None = None,
        out_dir: str | Path | None = None,
    ) -> RunResult:
        """Follow the job to its end; the bundle goes into ``out_dir`` (default models folder).

        Setting ``cancel`` stops the job. Raises ``Cancelled`` when it stopped before
        it sent a result, :class:`RayJobError` when it failed without one.
        """
        started = time.perf_counter()
        stop_sent = False
        try:
            while True:
                if cancel is not None and cancel.is_set() and not stop_sent:
                    self.stop()
                    stop_sent = True
                    if progress is not None:
                        progress(-1.0, f"stopping Ray job {self.job_id}")
                status = self.status()
                if status == "PENDING" and progress is not None:
                    progress(-1.0, f"Ray job {self.job_id} is waiting for room on the cluster")
                self._read_new_lines(listener, progress)
                if status in _TERMINAL:
                    break
                time.sleep(self.backend.poll_s)
        except KeyboardInterrupt:  # a second Ctrl-C: leave, but leave no job behind
            self.stop()
            raise
        if self._pending:
            self.handle_line(self._pending, listener, progress)
            self._pending = ""
        if self._result is None:
            if stop_sent or status == "STOPPED":
                raise Cancelled(f"Ray job {self.job_id} was stopped before it sent a result")
            raise RayJobError(self._failure_text(status))
        result = self._build_result(self._result, out_dir)
        result.elapsed_s = time.perf_counter() - started
        return result

    def _failure_text(self, status: str) -> str:
        text = f"Ray job {self.job_id} {status.lower()} without a result"
        if self._errors:
            text += f": {self._errors[-1]}"
            if self._vectors_on_cluster and "not found" in self._errors[-1]:
                text += " (with --ray-vectors-on-cluster the path must exist on the cluster)"
        else:
            try:
                info = self._client.get_job_info(self.job_id)
                message = getattr(info, "message", "") or ""
            except Exception:
                message = ""
            if message:
                text += f": {' '.join(str(message).split())[:300]}"
        return text + f" (see 'ray job logs {self.job_id}')"

    def _build_result(self, data: dict[str, Any], out_dir: str | Path | None) -> RunResult:
        from workbench.core.paths import default_models_dir

        train = train_result_from_dict(data)
        cov = data.get("coverage")
        coverage = None
        if isinstance(cov, dict):
            cov = dict(cov)
            cov["top_uncovered"] = [tuple(x) for x in cov.get("top_uncovered") or []]
            coverage = Coverage(**cov)
        vec = data.get("vectors")
        vectors_report = VectorsReport(**vec) if isinstance(vec, dict) else None
        result = RunResult(
            train=train,
            evaluation=None,
            bundle_path=None,
            bundle=None,
            splits=dict(data.get("splits") or {}),
            coverage=coverage,
            vectors_report=vectors_report,
            provenance={"class_names": data.get("class_names"), "ray_job": self.job_id},
            save_error=data.get("save_error"),
            baseline=BaselineResult.from_dict(data.get("baseline")),
            parts=data.get("parts") if isinstance(data.get("parts"), dict) else None,
        )
        if data.get("bundle") and not self._assembler.complete:
            result.save_error = "the bundle saved on the cluster did not come back whole"
        if self._assembler.complete:
            models = Path(out_dir) if out_dir is not None else default_models_dir()
            models.mkdir(parents=True, exist_ok=True)
            scratch = Path(tempfile.mkdtemp(prefix=".ray-", dir=models))
            try:
                folder = self._assembler.extract(scratch)
                target = unique_bundle_path(models, folder.name)
                folder.rename(target)
            except (WorkbenchError, OSError) as exc:
                result.save_error = f"the bundle from the cluster could not be saved: {exc}"
            else:
                bundle = load_bundle(target)
                result.bundle_path = target
                result.bundle = bundle
                result.provenance = dict(bundle.info.provenance or {}) | result.provenance
                result.train = dataclasses.replace(train, model=bundle.model)
                if bundle.metrics:
                    result.evaluation = Evaluation.from_dict(bundle.metrics)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
        return result


def submit_training(
    corpus: Corpus,
    config: TrainConfig,
    *,
    address: str,
    vectors: Any = "bundled",
    listener: TrainingListener | None = None,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
    out_dir: str | Path | None = None,
    name: str | None = None,
    vectors_on_cluster: bool = False,
) -> RunResult:
    """:func:`~workbench.core.runs.pipeline.run_training` as a job on the Ray cluster at
    ``address``; same arguments (plus where), same result, the bundle saved here."""
    backend = RayBackend(address, vectors_on_cluster=vectors_on_cluster)
    return backend.run(
        corpus,
        config,
        vectors=vectors,
        listener=listener,
        cancel=cancel,
        progress=progress,
        out_dir=out_dir,
        name=name,
    )
