"""``workbench evaluate``: score a saved bundle on a labelled corpus."""

from __future__ import annotations

import argparse
import sys

from workbench.cli.common import EXIT_OK, corpus_dict, load_corpus_arg
from workbench.cli.output import (
    confusion_table,
    dumps,
    metrics_summary,
    per_class_table,
    shorten,
    table,
)


def cmd_evaluate(args: argparse.Namespace) -> int:
    """``workbench evaluate``: score a saved bundle on a labelled corpus."""
    from workbench.cli.progress import PhaseProgress, StatusLine
    from workbench.core import evaluate_bundle, read_bundle_info

    bundle_info = read_bundle_info(args.bundle)  # fails fast, without TensorFlow
    line = StatusLine(sys.stderr)
    corpus, report = load_corpus_arg(args, args.corpus, progress=PhaseProgress(line))
    evaluation = evaluate_bundle(args.bundle, corpus, progress=PhaseProgress(line))
    line.clear()
    if args.json:
        data = {"bundle": str(args.bundle), "corpus": corpus_dict(corpus, report)}
        data.update(evaluation.to_dict())
        print(dumps(data))
        return EXIT_OK
    print(f"bundle: {bundle_info.name} ({args.bundle})")
    print(f"corpus: {corpus.source} ({corpus.format}): {report.summary()}")
    if corpus.splits is not None and "test" in corpus.splits:
        print("        evaluated on its predefined test split")
    print(
        f"{metrics_summary(evaluation.accuracy, evaluation.macro_f1)}"
        f"  weighted F1 {evaluation.weighted_f1:.4f}"
    )
    print()
    print(per_class_table(evaluation.per_class))
    print()
    print(confusion_table(evaluation.class_names, evaluation.confusion))
    wrong = evaluation.misclassified[:5]
    if wrong:
        print()
        print("most confident mistakes:")
        rows = [
            [
                m.get("true"),
                m.get("predicted"),
                m.get("confidence"),
                shorten(str(m.get("text")), 60),
            ]
            for m in wrong
        ]
        print(table(["true", "predicted", "confidence", "text"], rows))
    return EXIT_OK
