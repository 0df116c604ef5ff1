"""visible_rows: the Data page table's filter and sort, computed off the GUI thread."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.core import Cancelled
from workbench.gui.pages.data.table import RowQuery, SortKeys, first_line, visible_rows

TEXTS = ["Beta news\nbody", "alpha Sport", "\n  Gamma tech  \nmore", "delta NEWS", "beta"]
LABELS = ["news", "sport", "tech", "news", "sport"]
LENGTHS = np.array([3, 2, 4, 2, 1])


@pytest.fixture
def keys():
    return SortKeys(TEXTS, LABELS, LENGTHS)


def test_plain_query_keeps_corpus_order(keys):
    assert RowQuery().is_plain
    assert visible_rows(keys, RowQuery()).tolist() == [0, 1, 2, 3, 4]


def test_label_and_case_insensitive_search(keys):
    assert visible_rows(keys, RowQuery(label="news")).tolist() == [0, 3]
    assert visible_rows(keys, RowQuery(needle=" news ")).tolist() == [0, 3]
    assert visible_rows(keys, RowQuery(label="sport", needle="BETA")).tolist() == [4]
    assert visible_rows(keys, RowQuery(label="nope")).tolist() == []


def test_sorts_are_stable_both_ways(keys):
    assert visible_rows(keys, RowQuery(column=1)).tolist() == [4, 1, 3, 0, 2]
    assert visible_rows(keys, RowQuery(column=1, descending=True)).tolist() == [2, 0, 1, 3, 4]
    assert visible_rows(keys, RowQuery(column=0)).tolist() == [0, 3, 1, 4, 2]
    by_line = visible_rows(keys, RowQuery(column=2)).tolist()
    assert [first_line(TEXTS[i]).lower() for i in by_line] == sorted(
        first_line(t).lower() for t in TEXTS
    )
    assert visible_rows(keys, RowQuery(needle="a", column=1)).tolist() == [4, 1, 3, 0, 2]


def test_cancel_stops_a_search(keys):
    def check():
        raise Cancelled("cancelled")

    with pytest.raises(Cancelled):
        visible_rows(keys, RowQuery(needle="x"), check)


def test_first_line_skips_blank_lines_and_cuts():
    assert first_line("\n \n  hello  \nworld") == "hello"
    assert first_line("") == ""
    assert len(first_line("x" * 500)) == 200


def test_first_line_sort_breaks_long_prefix_ties_by_the_full_line(monkeypatch):
    from workbench.gui.pages.data import table

    monkeypatch.setattr(table, "PREFIX_CHARS", 3)
    texts = ["abcz", "abca\nx", "Abcb", "b", "", "abc"]
    keys = SortKeys(texts, ["x"] * len(texts), np.zeros(len(texts), int))
    order = visible_rows(keys, RowQuery(column=2)).tolist()
    assert [texts[i].split("\n")[0].lower() for i in order] == [
        "",
        "abc",
        "abca",
        "abcb",
        "abcz",
        "b",
    ]
