"""Command line front end: ``workbench`` (no arguments opens the window).

Subcommands run headless on :mod:`workbench.core`. Only ``argparse`` and the
standard library are imported here, so ``workbench --help`` is instant; each
command imports what it needs when it runs.

Exit codes: 0 success, 1 error (bad input, missing file...), 2 the command line
could not be parsed, 130 interrupted (Ctrl-C; ``train`` still saves the best
model when an epoch finished).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Sequence

from workbench import __version__
from workbench.cli.common import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_USAGE, UsageError
from workbench.cli.config import LazySetHelp

PROG = "workbench"

# command -> the module of this package that runs it (its ``cmd_<command>``)
COMMAND_MODULES = {
    "train": "train",
    "evaluate": "evaluate",
    "classify": "classify",
    "inspect": "inspect",
    "config": "config",
    "runs": "runs",
    "sweep": "sweep",
}

FORMAT_CHOICES = ("auto", "folder", "csv", "jsonl", "fasttext", "sectioned")
PRESET_CHOICES = ("recommended", "seed-article")

SHORT_HELP = f"""\
usage: {PROG}                    open the window
       {PROG} train --corpus PATH [--vectors PATH|bundled|none] [--set KEY=VALUE ...]
       {PROG} evaluate BUNDLE --corpus PATH
       {PROG} classify BUNDLE [TEXT ...] [--file F] [--csv F --out OUT.csv]
       {PROG} inspect PATH [--corpus PATH | --vectors PATH]
       {PROG} config [--preset NAME] [--set KEY=VALUE ...]
       {PROG} runs [show ID | compare ID ID ...] [--models DIR]
       {PROG} sweep --corpus PATH (--grid KEY=V1,V2 | --random KEY=LOW:HIGH)... [--trials N]
run '{PROG} --help' or '{PROG} COMMAND --help' for details"""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and are raised, not printed."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _add_format(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=FORMAT_CHOICES,
        default="auto",
        help="corpus format (default: detected from the path)",
    )


def _add_columns(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--text-column",
        dest="text_columns",
        action="extend",
        nargs="+",
        metavar="C",
        help="CSV column(s) holding the text (several are joined)",
    )
    p.add_argument("--label-column", metavar="C", help="CSV column holding the label")
    p.add_argument(
        "--merge-labels",
        action="store_true",
        help="merge labels that differ only in case or spaces ('sport', 'Sport ')",
    )


def _add_json(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--json", action="store_true", help=f"print {what} as JSON on stdout")


def _add_sets(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=LazySetHelp(),  # every setting with its range, from the core's fields
    )


def _add_events(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--events",
        action="store_true",
        help="print one JSON line per training event on stdout (begin, batch - at most "
        "5 a second -, epoch, end, progress, then the result); SIGTERM then stops like Ctrl-C",
    )
    p.add_argument(
        "--send-bundle",
        action="store_true",
        help="with --events: also print the saved bundle as 'bundle' events (base64 "
        "pieces of a tar.gz), so it can come back from a remote job's log",
    )


def _add_ray(p: argparse.ArgumentParser, what: str = "the training") -> None:
    p.add_argument(
        "--ray",
        metavar="ADDRESS",
        help=f"run {what} as a job on the Ray cluster at ADDRESS, its job-submission "
        "address (http://HEAD:8265); the corpus, config and vectors file travel with the "
        'job and the bundle comes back here (needs: pip install -e ".[ray]")',
    )
    p.add_argument(
        "--ray-vectors-on-cluster",
        action="store_true",
        help="with --ray: --vectors names a file on the cluster's machines (not uploaded)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The full ``workbench`` argument parser."""
    debug = _Parser(add_help=False)
    debug.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show tracebacks and TensorFlow logs",
    )
    parser = _Parser(
        prog=PROG,
        parents=[debug],
        description="Text-classification workbench: LSTM classifiers over GloVe vectors. "
        "Without a command it opens the window.",
        epilog="Exit codes: 0 ok, 1 error, 2 bad command line, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser(
        "train",
        parents=[debug],
        help="train a classifier on a corpus and save it as a bundle",
        description="Split the corpus, train, evaluate on the test split and save a bundle. "
        "Progress goes to stderr; Ctrl-C stops after the current batch and saves the "
        "best model so far (a second Ctrl-C aborts).",
    )
    p.add_argument("--corpus", required=True, metavar="PATH", help="corpus file or folder")
    _add_format(p)
    _add_columns(p)
    p.add_argument(
        "--vectors",
        default="bundled",
        metavar="PATH|bundled|none",
        help="pretrained word vectors: a GloVe/word2vec file (.txt, .gz, .zip; "
        "ARCHIVE.zip:MEMBER for one file of an archive), 'bundled' (GloVe 6B 50d, "
        "the default) or 'none' (random embedding)",
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument("--config", metavar="FILE.toml", help="start from this config file")
    group.add_argument(
        "--preset", choices=PRESET_CHOICES, help="start from a preset (default: recommended)"
    )
    _add_sets(p)
    p.add_argument("--out", metavar="DIR", help="models folder (default: models/)")
    p.add_argument("--name", help="bundle name (default: from the corpus and the time)")
    _add_json(p, "the result (last line)")
    _add_experiment_options(p)
    p.add_argument(
        "--folds",
        type=int,
        metavar="K",
        help="cross-validate: K models on K stratified folds, mean +- sd of the scores",
    )
    _add_events(p)
    _add_ray(p)

    p = sub.add_parser(
        "evaluate",
        parents=[debug],
        help="evaluate a saved bundle on a labelled corpus",
        description="Score a saved bundle on every document of a labelled corpus.",
    )
    p.add_argument("bundle", metavar="BUNDLE", help="bundle folder (models/NAME)")
    p.add_argument("--corpus", required=True, metavar="PATH", help="labelled corpus")
    _add_format(p)
    _add_columns(p)
    _add_json(p, "the evaluation")

    p = sub.add_parser(
        "classify",
        parents=[debug],
        help="classify texts, files or a CSV column with a saved bundle",
        description="Classify texts with a saved bundle. With --json, one JSON object "
        "per text is printed per line (JSON Lines). With --csv, the rows are written back "
        "with predicted_label, confidence and one prob_<class> column per class.",
    )
    p.add_argument("bundle", metavar="BUNDLE", help="bundle folder (models/NAME)")
    p.add_argument("texts", nargs="*", metavar="TEXT", help="texts to classify")
    p.add_argument(
        "--file",
        dest="files",
        action="append",
        default=[],
        metavar="F",
        help="a text file to classify as one document (repeatable; '-' reads stdin)",
    )
    p.add_argument("--csv", metavar="F", help="CSV file whose rows are classified")
    p.add_argument(
        "--text-column",
        dest="text_columns",
        action="extend",
        nargs="+",
        metavar="C",
        help="CSV column(s) holding the text (default: 'text')",
    )
    p.add_argument("--delimiter", help="CSV delimiter (default: detected)")
    p.add_argument("--out", metavar="OUT.csv", help="where --csv writes (default: stdout)")
    p.add_argument(
        "--explain",
        action="store_true",
        help="weigh each word for the class (with --json: an 'explanation' per text; "
        "with --csv: a top_words column)",
    )
    p.add_argument(
        "--method",
        choices=("occlusion", "ig"),
        default="occlusion",
        help="--explain by leaving each word out (occlusion, default) or by integrated "
        "gradients (ig)",
    )
    p.add_argument(
        "--class",
        dest="explain_class",
        metavar="NAME",
        help="class that --explain weighs the words for (default: the predicted one)",
    )
    p.add_argument("--steps", type=int, default=16, help="integration steps of --method ig")
    _add_json(p, "one object per text (JSON Lines)")

    p = sub.add_parser(
        "inspect",
        parents=[debug],
        help="describe a corpus, a vectors file or a bundle",
        description="A corpus: format, counts per class, import report, lengths and a "
        "suggested maxlen. A vectors file (or 'bundled'): dimension, rows, malformed "
        "lines. A bundle folder: its metadata. With --corpus/--vectors also the vocabulary "
        "coverage of the corpus by the vectors.",
    )
    p.add_argument("path", metavar="PATH", help="corpus, vectors file, 'bundled' or bundle")
    p.add_argument(
        "--kind",
        choices=("auto", "corpus", "vectors", "bundle"),
        default="auto",
        help="what PATH is (default: guessed)",
    )
    _add_format(p)
    _add_columns(p)
    p.add_argument("--corpus", metavar="PATH", help="with vectors: also report coverage")
    p.add_argument("--vectors", metavar="PATH", help="with a corpus: also report coverage")
    _add_json(p, "the description")

    p = sub.add_parser(
        "config",
        parents=[debug],
        help="print a TOML training config to start from",
        description="Print a training config as TOML (edit it and pass it to "
        "'workbench train --config FILE.toml').",
    )
    p.add_argument("--preset", choices=PRESET_CHOICES, default="recommended", help="starting point")
    p.add_argument("--config", metavar="FILE.toml", help="start from this config file")
    _add_sets(p)
    p.add_argument("--keys", action="store_true", help="list the keys with their help instead")
    _add_json(p, "the config")
    _add_experiment_parsers(sub, debug)
    return parser


def _add_experiment_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--tensorboard", metavar="DIR", help="also write TensorBoard event files under DIR"
    )


def _add_experiment_parsers(
    sub: argparse._SubParsersAction, debug: argparse.ArgumentParser
) -> None:
    """``runs`` and ``sweep`` (the run store of a models folder)."""
    p = sub.add_parser(
        "runs",
        parents=[debug],
        help="list, show or compare the recorded training runs",
        description="Every training run (window or command line) is recorded in "
        "<models folder>/runs.sqlite. 'runs' lists them newest first, 'runs show ID' "
        "shows one, 'runs compare ID ID ...' shows the config fields that differ and "
        "the metrics side by side; 'baseline' is the test accuracy of the built-in "
        "linear baseline on the same split.",
    )
    p.add_argument("action", nargs="?", choices=("list", "show", "compare"), help="what to do")
    p.add_argument("ids", nargs="*", metavar="ID", help="run id(s)")
    p.add_argument("--models", metavar="DIR", help="models folder (default: models/)")
    _add_json(p, "the runs")

    p = sub.add_parser(
        "sweep",
        parents=[debug],
        help="train a grid or random search of configs, each a recorded run",
        description="Train one run per trial, one after another, and report the best. "
        "--grid KEY=V1,V2 tries every value (all combinations of several grids); "
        "--random KEY=LOW:HIGH draws --trials values (log-uniform over two decades or more). "
        "Ctrl-C stops the sweep and keeps the finished trials.",
    )
    p.add_argument("--corpus", required=True, metavar="PATH", help="corpus file or folder")
    _add_format(p)
    _add_columns(p)
    p.add_argument("--vectors", default="bundled", metavar="PATH|bundled|none", help="word vectors")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--config", metavar="FILE.toml", help="base config file")
    group.add_argument("--preset", choices=PRESET_CHOICES, help="base preset")
    _add_sets(p)
    p.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...", help="grid axis")
    p.add_argument("--random", action="append", default=[], metavar="KEY=LOW:HIGH", help="range")
    p.add_argument("--trials", type=int, metavar="N", help="random draws (default 4)")
    p.add_argument("--sweep-seed", type=int, default=0, metavar="S", help="seed of the draws")
    p.add_argument(
        "--metric", choices=("accuracy", "macro_f1"), default="accuracy", help="what 'best' means"
    )
    p.add_argument("--out", metavar="DIR", help="models folder (default: models/)")
    _add_ray(p, "each trial")
    p.add_argument(
        "--parallel",
        type=int,
        metavar="N",
        help="with --ray: trials submitted at once (default: all of them; the cluster "
        "queues what it has no room for)",
    )
    _add_json(p, "the trials and the best run (last line)")
    _add_experiment_options(p)


def _error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


# Libraries Qt's xcb platform plugin links against that minimal Linux installs often
# lack, with the Debian/Ubuntu package that provides each.
XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-image": "libxcb-image0",
    "xcb-render-util": "libxcb-render-util0",
    "xkbcommon-x11": "libxkbcommon-x11-0",
}


def missing_xcb_packages() -> list[str]:
    """Packages Qt's xcb plugin needs but this Linux machine lacks (none if not using xcb)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux") or not os.environ.get("DISPLAY"):
        return []
    if platform and not platform.startswith("xcb"):
        return []
    import ctypes.util

    return [pkg for lib, pkg in XCB_LIBRARIES.items() if not ctypes.util.find_library(lib)]


def run_gui(*, debug: bool = False) -> int:
    """Open the window; on failure print one line and the short help."""
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("QT_QPA_PLATFORM")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    ):
        _error("cannot open the window: no display (set DISPLAY, or run a command below)")
        print(SHORT_HELP, file=sys.stderr)
        return EXIT_ERROR
    missing = missing_xcb_packages()
    if missing:
        # Qt aborts the process (no exception) when its xcb plugin cannot load
        _error(
            "cannot open the window: Qt's xcb platform plugin needs system libraries "
            f"(Debian/Ubuntu: apt-get install {' '.join(missing)})"
        )
        print(SHORT_HELP, file=sys.stderr)
        return EXIT_ERROR
    try:
        from workbench.gui.app import main as gui_main
    except ImportError as exc:
        _error(f"cannot open the window: {exc}")
        print(SHORT_HELP, file=sys.stderr)
        return EXIT_ERROR
    from workbench.cli.stderr import quiet_native_logs

    try:
        with quiet_native_logs(enabled=not debug):
            return int(gui_main([]) or 0)
    except Exception as exc:
        if debug:
            raise
        _error(f"cannot open the window: {type(exc).__name__}: {exc}")
        print(SHORT_HELP, file=sys.stderr)
        return EXIT_ERROR


def _dispatch(args: argparse.Namespace) -> int:
    """Run the command module named by ``args.command`` (imported only when used)."""
    import importlib

    module = importlib.import_module(f"workbench.cli.{COMMAND_MODULES[args.command]}")
    return getattr(module, f"cmd_{args.command}")(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``workbench`` with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        return run_gui()
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        _error(str(exc))
        return EXIT_USAGE
    debug = getattr(args, "debug", False)
    if args.command is None:  # only global options (e.g. --debug) were given
        return run_gui(debug=debug)
    if not debug:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from workbench.cli.stderr import quiet_native_logs

    try:
        with quiet_native_logs(enabled=not debug):
            return _dispatch(args)
    except UsageError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        if debug:
            raise
        _error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()  # the reader went away (``workbench ... | head``)
        return EXIT_ERROR
    except Exception as exc:
        if debug:
            raise
        return _report_exception(exc)


def _report_exception(exc: Exception) -> int:
    """Print one line for ``exc`` and return the exit code."""
    from workbench.core import Cancelled, WorkbenchError

    if isinstance(exc, Cancelled):
        _error("cancelled")
        return EXIT_INTERRUPTED
    if isinstance(exc, WorkbenchError):
        _error(_one_line(str(exc)) or type(exc).__name__)
        return EXIT_ERROR
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        _error(f"{exc.strerror or exc}{where}")
        return EXIT_ERROR
    _error(
        f"unexpected {type(exc).__name__}: {_one_line(str(exc))} "
        "(run with --debug for the traceback)"
    )
    return EXIT_ERROR


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


def _one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
