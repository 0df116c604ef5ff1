"""Command line: what train says about labels and vectors lines it did not use."""

from __future__ import annotations

import json
from pathlib import Path

from .cli_helpers import TINY, run, write_tiny_corpus


def mixed_case_corpus(root: Path) -> Path:
    corpus = write_tiny_corpus(root)
    odd = corpus / "Sport "
    odd.mkdir()
    for i in range(3):
        (odd / f"x{i}.txt").write_text(f"goal {i} for the team in the match\n")
    return corpus


def test_train_warns_about_labels_differing_in_case_and_merges_on_request(tmp_path):
    corpus = mixed_case_corpus(tmp_path / "c")
    base = ["train", "--corpus", str(corpus), *TINY, "--out", str(tmp_path / "m")]
    code, out, err = run(base)
    assert code == 0, err
    assert "labels differ only in case or spaces ('sport' (10), 'Sport ' (3))" in out
    assert "--merge-labels" in out
    code, out, err = run([*base, "--merge-labels", "--json"])
    assert code == 0, err
    data = json.loads(out.splitlines()[-1])
    assert "Sport " not in data["class_names"]
    assert "sport" in data["class_names"]


def test_train_lists_skipped_vectors_lines(tmp_path):
    corpus = write_tiny_corpus(tmp_path / "c")
    vectors = tmp_path / "v.4d.txt"
    rows = ["the 0.1 0.2 0.3 0.4", "shares 0.5 0.1 0.0 0.2", "market 0.1 x", "goal nan 0 0 0"]
    rows += ["team 0.2 0.1 0.4 0.3", "the 0.9 0.9 0.9 0.9"]
    vectors.write_text("\n".join(rows) + "\n")
    argv = ["train", "--corpus", str(corpus), *TINY, "--out", str(tmp_path / "m")]
    argv[argv.index("none")] = str(vectors)
    code, out, err = run(argv)
    assert code == 0, err
    assert "skipped 2 malformed lines (line 3, 4)" in out
    code, out, err = run([*argv, "--json"])
    data = json.loads(out.splitlines()[-1])
    assert data["vectors"]["malformed_lines"] == [3, 4]


def test_vectors_zip_member_on_the_command_line(tmp_path):
    import zipfile

    from workbench.cli.common import vectors_arg
    from workbench.core import VectorsError

    path = tmp_path / "glove.zip"
    rows = "\n".join(f"w{i} 0.1 0.2 0.3" for i in range(5)) + "\n"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", rows)
        archive.writestr("b.txt", rows)
        archive.writestr("README", "about\n")
    try:
        vectors_arg(str(path))
    except VectorsError as error:
        message = str(error)
    assert message.endswith(f"(a.txt, b.txt); choose one with --vectors {path}:a.txt")
    assert str(vectors_arg(f"{path}:b.txt")) == f"{path}:b.txt"
    code, out, err = run(["inspect", f"{path}:b.txt"])
    assert code == 0, err
    assert "rows: 5" in out
    code, out, err = run(["inspect", str(path)])
    assert code == 1
    assert f"choose one with --vectors {path}:a.txt" in err


def test_inspect_of_a_bundle_with_a_wrong_typed_field_is_one_line(tmp_path):
    from tests.core.test_bundle import edit_json, save_fake

    from .cli_helpers import assert_one_error_line

    path = save_fake(tmp_path / "b")
    edit_json(path, created=5)
    code, _, err = run(["inspect", str(path)])
    assert code == 1
    assert_one_error_line(err, "'created' is not text: 5")
    edit_json(path, created="2025-01-01", config={"layers": "x"}, provenance={"vectors": "v"})
    code, out, err = run(["inspect", str(path)])
    assert code == 0, err
    assert "model: LSTM" in out


def test_classify_with_a_truncated_model_file_is_one_line(tmp_path):
    from tests.core.test_bundle import save_fake

    from .cli_helpers import assert_one_error_line

    path = save_fake(tmp_path / "b")
    (path / "model.keras").write_bytes(b"PK\x03\x04 cut short")
    code, _, err = run(["classify", str(path), "some text"])
    assert code == 1
    assert_one_error_line(err, "model.keras is truncated or damaged")
    assert "not found" not in err
