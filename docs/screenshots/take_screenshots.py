"""Screenshots of every page after a real training run.

    python docs/screenshots/take_screenshots.py [--corpus PATH] [--out DIR] [--set KEY=VALUE ...]

Opens the window, loads the corpus (default: the BBC corpus in the reference
data) and the bundled GloVe vectors, trains with the default config through the
Train page, classifies and explains a short article, then saves one PNG per page;
then two of explanations: a test document explained by integrated gradients on
the Classify page, and the most confident mistake on the Evaluate page; last, it
trains the same config without the bag-of-n-grams part and shows both runs side by
side on the Runs page. Settings and run history are kept in temporary folders so the
user's own are untouched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ARTICLE = (
    "Shares in the carmaker fell sharply on Tuesday after it warned that annual profits "
    "would miss forecasts, blaming weaker demand in Europe and higher steel costs. "
    "Analysts said the company may cut jobs to protect its margins."
)


def main() -> int:
    from workbench.core import shared_data_dir

    data = shared_data_dir()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(data / "bbc") if data else None)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    if not args.corpus:
        parser.error("no --corpus given and no reference data found")

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    models = tempfile.mkdtemp(prefix="wb-shots-models-")
    os.environ.setdefault("WORKBENCH_MODELS_DIR", models)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QTableView

    settings_dir = tempfile.mkdtemp(prefix="wb-shots-settings-")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    app = QApplication.instance() or QApplication(sys.argv[:1])

    import pyqtgraph as pg

    pg.setConfigOptions(antialias=True)

    from workbench.core import TrainConfig
    from workbench.gui.tasks import run_until_finished
    from workbench.gui.window.main_window import MainWindow

    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    import keras  # noqa: F401  (the app imports it in the background; here up front)

    window.state.set_tf_ready(True)
    run_until_finished(window.open_corpus(args.corpus))
    run_until_finished(window.open_vectors("bundled"))
    config = TrainConfig().with_overrides(args.set)
    window.state.set_config(config)

    train = window.page("Train")
    window.show_page("Train")
    run_until_finished(train.start_training())
    print(f"trained: {window.state.bundle.info.path if window.state.bundle else None}")

    evaluate = window.page("Evaluate")
    evaluation = window.state.evaluation
    if evaluation is not None:
        off_diagonal = [
            (count, r, c)
            for r, row in enumerate(evaluation.confusion)
            for c, count in enumerate(row)
            if r != c
        ]
        if off_diagonal:
            _, row, col = max(off_diagonal)
            evaluate.show_cell(row, col)

    classify = window.page("Classify")
    classify.editor.setPlainText(ARTICLE)
    run_until_finished(classify.classify_text())
    window.show_page("Classify")
    run_until_finished(classify.explain_text())

    data_page = window.page("Data")
    tables = [t for t in data_page.findChildren(QTableView) if t.model() is not None]
    if tables:
        documents = max(tables, key=lambda t: t.model().rowCount())
        if documents.model().rowCount() > 3:
            documents.selectRow(3)
    vectors = window.page("Vectors")
    vectors.word_edit.setText("football")
    run_until_finished(vectors.show_neighbours())

    models_tables = window.page("Models").findChildren(QTableView)
    if models_tables and models_tables[0].model() is not None:
        models_tables[0].selectRow(0)  # shows where the model came from

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for index, title in enumerate(("Data", "Vectors", "Train", "Evaluate", "Classify", "Models")):
        _shoot(app, window, title, window, out / f"{index + 1}-{title.lower()}.png")
    _explanation_shots(app, window, out, run_until_finished)
    _runs_shot(app, window, out, config, run_until_finished)
    window.state.set_tf_ready(False)
    window.tasks.wait_all(10_000)
    window.close()
    return 0


def _explanation_shots(app, window, out: Path, run_until_finished) -> None:
    """7: a mistake's text explained by integrated gradients on the Classify page;
    8: the Evaluate page with its most confident mistake explained and the words
    per class found."""
    evaluate = window.page("Evaluate")
    window.show_page("Evaluate")
    evaluate.show_all_errors()
    if evaluate.doc_table.rowCount():
        evaluate.doc_table.selectRow(0)
        task = evaluate.tasks.current("explain-document")
        if task is not None:
            run_until_finished(task)
    run_until_finished(evaluate.class_words.start())
    doc = evaluate.doc_table.item(0, 0).data(0x0100) if evaluate.doc_table.rowCount() else None

    classify = window.page("Classify")
    window.show_page("Classify")
    view = classify.explanation_view
    view.method_combo.setCurrentIndex(view.method_combo.findData("ig"))
    classify.editor.setPlainText(doc["text"] if doc else ARTICLE)
    run_until_finished(classify.explain_text())
    _shoot(app, window, "Classify", window, out / "7-explain-classify.png")
    _shoot(app, window, "Evaluate", evaluate, out / "8-explain-evaluate.png")


def _runs_shot(app, window, out: Path, config, run_until_finished) -> None:
    """9: the Runs page comparing the run above with one of its recurrent part alone."""
    import dataclasses

    window.state.set_config(dataclasses.replace(config, wide_ngrams=0))
    window.show_page("Train")
    run_until_finished(window.page("Train").start_training())
    runs = window.page("Runs")
    runs.refresh()
    ids = [run.id for run in runs.store().list_runs()[:2]]
    runs.select_runs(ids)
    _shoot(app, window, "Runs", window, out / "9-runs.png")


def _shoot(app, window, title: str, widget, path: Path) -> None:
    """Show page ``title``, let it paint, and save ``widget`` (the window or the page)."""
    window.show_page(title)
    for _ in range(5):
        app.processEvents()
    widget.grab().save(str(path))
    print(f"saved {path}")


if __name__ == "__main__":
    sys.exit(main())
