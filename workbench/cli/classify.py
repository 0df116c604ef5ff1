"""The ``classify`` command: texts, files or a CSV column through a saved bundle.

Output: one line per text (``label  confidence  source``); with ``--json`` one
JSON object per text per line (JSON Lines) holding ``source``, ``label``,
``confidence``, ``probabilities`` (every class) and the prediction's notes.
With ``--csv F --out OUT.csv`` the input rows are written back with
``predicted_label``, ``confidence`` and one ``prob_<class>`` column per class.

``--explain`` weighs each word for the predicted class (or ``--class NAME``), by
occlusion or ``--method ig``: with ``--json`` each object gets an ``explanation``
(``method``, ``class``, ``tokens`` with ``text``, ``start``, ``end`` offsets into
the text, ``weight``); without it the strongest words for and against are listed;
with ``--csv`` a ``top_words`` column is added.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from typing import Any

from workbench.cli.common import EXIT_OK, UsageError
from workbench.cli.output import dumps, shorten, table


def read_document(path: str) -> str:
    """One document from a text file (``-`` = stdin); CorpusError if missing or binary."""
    from workbench.core import decode_text, read_text_file

    if path != "-":
        return read_text_file(path)[0]
    return decode_text(sys.stdin.buffer.read(), "<stdin>")


def _check_args(args: argparse.Namespace) -> None:
    if args.csv:
        if args.texts or args.files:
            raise UsageError("--csv cannot be combined with TEXT or --file")
        if not args.out:
            raise UsageError("--csv needs --out OUT.csv (or --out - for stdout)")
        if args.out == "-" and args.json:
            raise UsageError("--json cannot be combined with --csv --out -")
        return
    if not args.explain and (args.explain_class or args.method != "occlusion"):
        raise UsageError("--method and --class only apply with --explain")
    if args.out or args.text_columns or args.delimiter:
        raise UsageError("--out, --text-column and --delimiter only apply to --csv")
    if not args.texts and not args.files:
        raise UsageError("nothing to classify: give TEXT, --file F or --csv F")


def cmd_classify(args: argparse.Namespace) -> int:
    """``workbench classify``: predict labels and class probabilities."""
    from workbench.core import read_bundle_info

    _check_args(args)
    read_bundle_info(args.bundle)  # a clear error before TensorFlow is imported
    if args.csv:
        return _classify_csv(args)
    sources: list[tuple[str, str, bool]] = [
        (f"argument {i + 1}", text, True) for i, text in enumerate(args.texts)
    ]
    sources += [(path, read_document(path), False) for path in args.files]

    from workbench.core import Predictor

    predictor = Predictor.from_path(args.bundle)
    predictions = predictor.classify([text for _, text, _ in sources])
    explanations = _explain(args, predictor, [text for _, text, _ in sources])
    rows = []
    for i, ((source, text, is_argument), pred) in enumerate(zip(sources, predictions, strict=True)):
        if args.json:
            record: dict[str, Any] = {"source": source}
            if is_argument:
                record["text"] = text
            record.update(pred.to_dict())
            if explanations:
                record["explanation"] = explanations[i].to_dict()
            print(dumps(record))
        else:
            shown = shorten(text, 50) if is_argument else source
            rows.append([pred.label, pred.confidence, shown, pred.note or ""])
    if not args.json:
        headers = ["label", "confidence", "text", "note"]
        if not any(row[3] for row in rows):  # no notes: leave the column out
            headers, rows = headers[:3], [row[:3] for row in rows]
        print(table(headers, rows))
        for (source, text, is_argument), explanation in zip(sources, explanations, strict=False):
            print()
            print(_explanation_text(explanation, shorten(text, 50) if is_argument else source))
    return EXIT_OK


def _explain(args: argparse.Namespace, predictor: Any, texts: list[str]) -> list[Any]:
    """The explanations of ``texts`` when ``--explain`` is given (else an empty list)."""
    if not args.explain:
        return []
    from workbench.core import Explainer

    explainer = Explainer(predictor)
    return explainer.explain_many(
        texts,
        method=args.method,
        class_names=[args.explain_class] * len(texts),
        steps=args.steps,
    )


def _explanation_text(explanation: Any, shown: str, n: int = 8) -> str:
    """The strongest words for and against the explained class, one per line."""
    from workbench.core import METHOD_TITLES

    title = METHOD_TITLES[explanation.method]
    lines = [f"{shown}: why {explanation.class_name!r} ({title}, weight = log-odds)"]
    for heading, tokens in (
        ("for", explanation.top_for(n)),
        ("against", explanation.top_against(n)),
    ):
        words = ", ".join(f"{t.text} {t.weight:+.3f}" for t in tokens) or "-"
        lines.append(f"  {heading:8} {words}")
    if explanation.completeness_gap is not None:
        lines.append(
            f"  weights sum to {explanation.target_delta + explanation.completeness_gap:+.3f} "
            f"of f(text) - f(padding) = {explanation.target_delta:+.3f}"
        )
    lines.extend(f"  note: {note}" for note in explanation.notes)
    return "\n".join(lines)


def _classify_csv(args: argparse.Namespace) -> int:
    from workbench.core import Predictor, classify_batch, read_csv_batch

    batch = read_csv_batch(
        args.csv, args.text_columns or ["text"], delimiter=args.delimiter, guess_label=False
    )
    for warning in batch.warnings:
        print(f"warning: {args.csv} {warning}", file=sys.stderr)
    predictor = Predictor.from_path(args.bundle)
    top_words = None
    if args.explain:
        from workbench.core import batch_top_words

        top_words = batch_top_words(predictor, method=args.method)
    result = classify_batch(predictor, batch, top_words=top_words)
    result.write_csv(args.out)
    if args.out == "-":
        return EXIT_OK
    predictions = result.rows
    counts = Counter(row.label for row in predictions)
    if args.json:
        for i, row in enumerate(predictions):
            print(dumps({"source": f"{args.csv} row {i + 1}", **row.prediction.to_dict()}))
    else:
        print(f"wrote {len(predictions)} rows with predictions to {args.out}")
        if counts:
            print(table(["predicted", "rows"], [[k, v] for k, v in counts.most_common()]))
    return EXIT_OK
