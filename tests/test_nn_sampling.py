"""Evenly spaced sub-samples (:mod:`polimodal.nn.sampling`): the one helper of the VLM's frames,
the frame models' scored frames and the sequence models' caps."""

from __future__ import annotations

import numpy as np
import pytest

from polimodal.nn.sampling import even_indices


def _idx(n: int, k: int) -> list[int]:
    out = even_indices(n, k)
    assert out.dtype.kind == "i"
    return out.tolist()


def test_more_elements_than_asked_for_spans_first_to_last() -> None:
    assert _idx(10, 3) == [0, 4, 9]  # 4.5 rounds to even
    assert _idx(10, 4) == [0, 3, 6, 9]
    assert _idx(1000, 2) == [0, 999]
    for n, k in [(7, 5), (100, 64), (1025, 1024)]:
        idx = _idx(n, k)
        assert len(idx) == k and idx[0] == 0 and idx[-1] == n - 1 and idx == sorted(set(idx))


def test_as_many_or_fewer_elements_than_asked_for_are_all_kept() -> None:
    assert _idx(3, 3) == [0, 1, 2]
    assert _idx(2, 3) == [0, 1]
    assert _idx(1, 1) == [0]
    assert _idx(1, 3) == [0]


@pytest.mark.parametrize(("n", "middle"), [(2, 1), (5, 2), (10, 5)])
def test_one_element_is_the_middle_one(n: int, middle: int) -> None:
    assert _idx(n, 1) == [middle]


def test_nothing_to_take() -> None:
    assert _idx(0, 3) == [] and _idx(5, 0) == [] and _idx(5, -1) == []
    frames = [b"a", b"b", b"c"]
    assert [frames[i] for i in even_indices(3, 1)] == [b"b"]  # NumPy indices index a list
    assert np.array_equal(even_indices(4, 2), [0, 3])
