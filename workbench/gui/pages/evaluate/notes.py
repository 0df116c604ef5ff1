"""Honest sentences about what an evaluation measured (Evaluate page, PNG export).

An evaluation on the held-out test split is what the model never trained on; one on
"the current corpus" may include the training documents (only when that corpus is
the one the model trained on: compared through the bundle's provenance), may lack some
of the model's classes, and those classes then pull macro F1 down.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.core import Corpus, Evaluation

HELD_OUT = "held_out"
CURRENT_CORPUS = "corpus"


def _same_path(a: object, b: object) -> bool:
    try:
        return Path(str(a)).expanduser().resolve() == Path(str(b)).expanduser().resolve()
    except (OSError, ValueError):
        return str(a) == str(b)


def _plural(count: int, noun: str) -> str:
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {noun}{'es' if noun.endswith('s') else 's'}"


def training_corpus(provenance: object) -> dict[str, Any]:
    """The bundle's record of its training corpus ({} when it has none)."""
    if isinstance(provenance, dict) and isinstance(provenance.get("corpus"), dict):
        return provenance["corpus"]
    return {}


def corpus_relation(provenance: object, corpus: Corpus) -> str:
    """How ``corpus`` relates to the training corpus: "same", "changed", "other", "unknown".

    "same": the source path and the document count match the bundle's provenance (and
    its fingerprint, when both carry one); "changed": same path, other contents.
    """
    trained = training_corpus(provenance)
    source = trained.get("source")
    if not source:
        return "unknown"
    if not _same_path(source, corpus.source):
        return "other"
    fingerprint = trained.get("fingerprint")
    current = getattr(corpus, "fingerprint", None)
    if fingerprint and current and callable(current):
        current = current()
    if fingerprint and current and fingerprint != current:
        return "changed"
    documents = trained.get("documents")
    if isinstance(documents, int) and documents != len(corpus):
        return "changed"
    return "same"


def missing_classes(evaluation: Evaluation) -> list[str]:
    """The model's classes with no document in the evaluated set (support 0)."""
    return [
        name
        for name in evaluation.class_names
        if int(evaluation.per_class.get(name, {}).get("support", 0)) == 0
    ]


def macro_f1_present(evaluation: Evaluation) -> float:
    """Macro F1 over the classes that have documents in the evaluated set."""
    values = [
        float(evaluation.per_class.get(name, {}).get("f1", 0.0))
        for name in evaluation.class_names
        if name not in missing_classes(evaluation)
    ]
    return sum(values) / len(values) if values else math.nan


def zero_support_note(evaluation: Evaluation) -> str:
    """A sentence naming the classes without documents and their effect on macro F1."""
    missing = missing_classes(evaluation)
    if not missing:
        return ""
    present = len(evaluation.class_names) - len(missing)
    names = ", ".join(missing)
    return (
        f"No documents of {names} here: {'its' if len(missing) == 1 else 'their'} F1 "
        f"counts as 0 and pulls macro F1 down to {evaluation.macro_f1:.1%}; over the "
        f"{_plural(present, 'class')} present, macro F1 is {macro_f1_present(evaluation):.1%}."
    )


def held_out_notes(provenance: object, evaluation: Evaluation) -> str:
    """Notes for the test split held out when the model was trained."""
    trained = training_corpus(provenance)
    source = trained.get("source")
    where = f" of {Path(str(source)).name}" if source else ""
    text = (
        f"Held-out test split{where}: {_plural(evaluation.n_documents, 'document')} "
        "the model did not train on."
    )
    extra = zero_support_note(evaluation)
    return f"{text} {extra}".strip()


def corpus_notes(
    provenance: object, corpus: Corpus, evaluation: Evaluation, model_classes: list[str]
) -> str:
    """Notes for an evaluation on ``corpus`` (its predefined test split when it has one)."""
    name = Path(str(corpus.source)).name
    n = _plural(evaluation.n_documents, "document")
    predefined = corpus.splits is not None and "test" in corpus.splits
    relation = corpus_relation(provenance, corpus)
    if predefined:
        text = f"The predefined test split of {name}: {n}."
    elif relation == "same":
        text = (
            f"All {n} of {name}, the corpus the model was trained on: training documents "
            "included, so these figures are higher than on new texts."
        )
    elif relation == "changed":
        text = (
            f"All {n} of {name}: the model was trained on a corpus at this path, but its "
            "contents have changed since, so some documents may have been seen in training."
        )
    elif relation == "other":
        source = training_corpus(provenance).get("source")
        text = (
            f"All {n} of {name}, a different corpus from the training one "
            f"({Path(str(source)).name}): figures on unseen texts, unless the two share "
            "documents."
        )
    else:
        text = f"All {n} of {name} (the model does not record its training corpus)."
    present = [c for c in model_classes if c in set(corpus.class_names)]
    if len(present) < len(model_classes):
        text += f" It has {len(present)} of the model's {_plural(len(model_classes), 'class')}."
    extra = zero_support_note(evaluation)
    return f"{text} {extra}".strip()
