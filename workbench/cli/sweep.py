"""``workbench sweep``: train a grid or a random search of configs, each a recorded run."""

from __future__ import annotations

import argparse
import functools
import sys
import threading
from typing import Any

from workbench.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    UsageError,
    load_config,
    load_corpus_arg,
    ray_address_arg,
    run_vectors_arg,
)
from workbench.cli.output import dumps, table


def _spec(args: argparse.Namespace) -> Any:
    from workbench.core import SweepSpec, parse_grid, parse_range

    grid = dict(parse_grid(item) for item in args.grid or [])
    ranges = dict(parse_range(item) for item in args.random or [])
    if not grid and not ranges:
        raise UsageError("sweep needs at least one --grid KEY=V1,V2 or --random KEY=LOW:HIGH")
    if args.trials is not None and args.trials < 1:
        raise UsageError(f"--trials must be >= 1, got {args.trials}")
    return SweepSpec(grid=grid, ranges=ranges, trials=args.trials, seed=args.sweep_seed)


MAX_PARALLEL = 32
"""Most trials followed at once with --ray (each is a thread polling its job)."""


def cmd_sweep(args: argparse.Namespace) -> int:
    """``workbench sweep``: the trials one after another (with ``--ray``: as parallel jobs);
    the best one is reported."""
    from workbench.cli.progress import PhaseProgress, StatusLine, TrainProgress, sigint_sets
    from workbench.core import (
        RunStore,
        SweepRunner,
        default_models_dir,
        plan_sweep,
        submit_training,
    )

    config = load_config(args)
    spec = _spec(args)
    address = ray_address_arg(args)
    if args.parallel is not None and (address is None or args.parallel < 1):
        raise UsageError("--parallel needs --ray ADDRESS and N >= 1")
    vectors = run_vectors_arg(args, address)
    remote: dict[str, Any] = {}
    parallel = 1
    if address is not None:
        remote["runner"] = functools.partial(
            submit_training, address=address, vectors_on_cluster=args.ray_vectors_on_cluster
        )
        parallel = min(args.parallel or len(plan_sweep(config, spec)), MAX_PARALLEL)
    line = StatusLine(sys.stderr)
    cancel = threading.Event()

    def first_interrupt() -> None:
        line.println("stopping the sweep after this batch (Ctrl-C again to abort)")

    def on_event(event: dict[str, Any]) -> None:
        if event["event"] == "trial_end":
            metrics = event.get("metrics") or {}
            acc = metrics.get("accuracy")
            shown = ", ".join(f"{k}={v}" for k, v in event["values"].items())
            score = "-" if acc is None else f"{100 * acc:.2f} %"
            line.println(
                f"trial {event['index'] + 1}: {shown}: {event['status']}, accuracy {score}"
            )

    with sigint_sets(cancel, first_interrupt):
        corpus, _report = load_corpus_arg(args, args.corpus, cancel=cancel)
        with RunStore(args.out or default_models_dir()) as store:
            runner = SweepRunner(
                store,
                corpus,
                config,
                spec,
                vectors=vectors,
                out_dir=args.out,
                metric=args.metric,
                source="cli" if address is None else "cli-ray",
                tensorboard=args.tensorboard,
                on_event=on_event,
                # parallel trials would interleave their progress lines: trial ends only
                listener_for=(lambda index: TrainProgress(line)) if parallel == 1 else None,
                parallel=parallel,
                **remote,
            )
            where = "" if address is None else f" as Ray jobs at {address}, {parallel} at once"
            line.println(f"sweep: {len(runner.plan)} trial(s) on {corpus.source}{where}")
            result = runner.run(cancel=cancel, progress=PhaseProgress(line))
    line.clear()
    data = result.to_dict()
    if args.json:
        print(dumps(data), flush=True)
    else:
        fields = list(spec.grid) + list(spec.ranges)
        rows = []
        for trial in result.trials:
            metrics = trial.metrics or {}
            best = "*" if result.best is trial else ""
            rows.append(
                [
                    best,
                    trial.run_id,
                    *[trial.values.get(f) for f in fields],
                    trial.status,
                    metrics.get("accuracy"),
                    metrics.get("macro_f1"),
                ]
            )
        print(table(["", "run", *fields, "status", "accuracy", "macro F1"], rows))
        if result.best is not None:
            print(
                f"best: run {result.best.run_id} "
                f"({args.metric} {result.best.score(args.metric):.4f})"
            )
    return EXIT_INTERRUPTED if result.status == "stopped" else EXIT_OK
