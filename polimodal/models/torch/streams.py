"""Streams of training samples: batches, a bounded shuffle buffer, frame sub-sampling
(evenly spaced: :func:`polimodal.nn.sampling.even_indices`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

import numpy as np

from polimodal.nn.sampling import even_indices

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter)."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def shuffle_buffer(items: Iterable[T], size: int, rng: np.random.Generator) -> Iterator[T]:
    """Approximately shuffle a stream holding at most ``size`` items in memory.

    The buffer is filled, then each new item replaces a random one, which is yielded; the rest
    is yielded in random order at the end. ``size`` ≥ the stream's length is a full shuffle.
    """
    buf: list[T] = []
    for item in items:
        if len(buf) < size:
            buf.append(item)
            continue
        j = int(rng.integers(size))
        buf[j], item = item, buf[j]
        yield item
    for j in rng.permutation(len(buf)):
        yield buf[j]


def cap_frames(frames: list[bytes], cap: int, rng: np.random.Generator | None = None) -> list[bytes]:
    """At most ``cap`` frames (0: all), in time order: a random subset, or evenly spaced if no ``rng``."""
    n = len(frames)
    if cap <= 0 or n <= cap:
        return frames
    if rng is None:
        idx = even_indices(n, cap)
    else:
        idx = np.sort(rng.choice(n, size=cap, replace=False))
    return [frames[i] for i in idx]
