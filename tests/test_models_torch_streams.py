"""Streams of training samples (:mod:`polimodal.models.torch.streams`)."""

from __future__ import annotations

import numpy as np

from polimodal.models.torch.streams import batched, cap_frames, shuffle_buffer


def test_batched() -> None:
    assert list(batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batched([], 3)) == []


def test_shuffle_buffer_is_a_permutation() -> None:
    rng = np.random.default_rng(0)
    out = list(shuffle_buffer(range(100), 10, rng))
    assert sorted(out) == list(range(100)) and out != list(range(100))
    assert sorted(shuffle_buffer(range(5), 10, np.random.default_rng(1))) == list(range(5))


def test_cap_frames() -> None:
    frames = [bytes([i]) for i in range(10)]
    assert cap_frames(frames, 4) == [frames[0], frames[3], frames[6], frames[9]]
    sub = cap_frames(frames, 4, np.random.default_rng(0))
    assert len(sub) == 4 and sub == sorted(sub, key=frames.index)  # a subset, in time order
    assert cap_frames(frames, 0) == frames
    assert cap_frames(frames[:3], 4) == frames[:3]
    assert cap_frames(frames, 1) == [frames[5]]  # one frame: the middle one
