"""VectorsSource: one type for bundled / file / none vectors, from CLI strings to bundles."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from workbench.core import (
    ConfigError,
    TrainConfig,
    VectorsError,
    VectorsSource,
    build_info_dict,
    info_from_dict,
)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (None, "none"),
        ("", "none"),
        (" None ", "none"),
        ("bundled", "bundled"),
        ("BUNDLED", "bundled"),
    ],
)
def test_words_parse_to_kinds(text, kind):
    source = VectorsSource.parse(text)
    assert source.kind == kind
    assert str(source) == kind
    assert VectorsSource.parse(str(source)) == source


def test_files_and_zip_members(tmp_path):
    glove = tmp_path / "glove.txt"
    glove.write_text("the 0.1 0.2\n")
    source = VectorsSource.parse(str(glove))
    assert source == VectorsSource.file(glove) == VectorsSource.parse(glove)
    assert source.is_file
    assert source.label() == "glove.txt"
    assert source.check() is source
    member = VectorsSource.parse(f"{tmp_path / 'glove.6B.zip'}:glove.6B.50d.txt")
    assert member.path == str(tmp_path / "glove.6B.zip")
    assert member.member == "glove.6B.50d.txt"
    assert member.label() == "glove.6B.zip:glove.6B.50d.txt"
    assert VectorsSource.parse(str(member)) == member
    odd = tmp_path / "odd.zip:name"  # a file really called so is a file, not a member
    odd.write_text("x 1 2\n")
    assert VectorsSource.parse(str(odd)) == VectorsSource.file(odd)
    with pytest.raises(VectorsError, match=r"vectors file not found: .*missing\.txt"):
        VectorsSource.parse(str(tmp_path / "missing.txt")).check()


def test_bad_values_are_config_errors():
    with pytest.raises(ConfigError, match="int"):
        VectorsSource.parse(5)
    with pytest.raises(ConfigError, match="vectors kind"):
        VectorsSource("glove")
    with pytest.raises(ConfigError, match="a path is needed"):
        VectorsSource("file")
    with pytest.raises(ConfigError, match="a path is needed"):
        VectorsSource("bundled", "x.txt")
    with pytest.raises(ConfigError, match="zip member"):
        VectorsSource("none", member="a.txt")


def test_pickles_for_the_training_process_and_is_hashable():
    sources = [VectorsSource.bundled(), VectorsSource.none(), VectorsSource.file("/a.zip", "b")]
    assert pickle.loads(pickle.dumps(sources)) == sources
    assert len(set([*sources, VectorsSource.bundled()])) == 3


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("bundled", "GloVe 50d"),
        (None, "random 50d embedding"),
        ("none", "random 50d embedding"),
        ("/data/vectors/fasttext.vec", "fasttext.vec 50d"),
        ("/data/glove.840B.300d.txt", "GloVe 50d"),
    ],
)
def test_old_bundle_json_vectors_strings_still_read(stored, shown):
    data = build_info_dict(
        name="m",
        class_names=["a", "b"],
        config=TrainConfig(),
        history={},
        metrics=None,
        provenance={"vectors": {"source": stored, "dim": 50}},
    )
    assert shown in info_from_dict(data, Path("m")).summary()
