"""Frame-level predictions → video-level predictions (for CNN, CLIP, FND-CLIP models).

Two video scores (a frame model's ``video_score``):

- **mean_prob** (the default, :func:`aggregate_probabilities`): a video's class probabilities are
  the mean of its frames' class probabilities (softmax); its label is their arg-max (ties → the
  class listed first). The scores are probabilities, so ranking videos by them gives a
  precision–recall curve whose thresholds a user can pick (:mod:`polimodal.experiments.curves`).
  A video without frames gets ``empty`` (e.g. the training class shares; default uniform).
- **votes** (the study's rule, :func:`aggregate`): each frame votes its arg-max label; the rules
  below turn the votes into the video's label, and the scores are the vote fractions.

Vote rules:

- **Binary** (a ``positive`` class is given): a video is positive iff the number of its frames
  predicted positive is ``> threshold`` (``normalize=True``: the *fraction* of its frames).
  A video without frames has count 0 (fraction 0), so it is negative for any threshold ≥ 0.
  The threshold is given (config), or chosen on the validation split with
  :func:`choose_threshold` (best macro F1; ties → the smallest threshold).
- **Multiclass**: the mode of the frame labels. Ties are broken by the order of ``classes`` (the
  task's ``values`` in config order): the tied class listed first wins. A video without frames
  gets ``default`` (e.g. the training majority class; if ``None``, ``classes[0]``).

Video scores of the vote rules (for the PREDICTIONS ``scores`` column) are the vote fractions: for
each class, the share of the video's frames predicted as that class (all zero for a video without
frames).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from polimodal.models.selection import macro_f1


def vote_fractions(frame_labels: Sequence[str], classes: Sequence[str]) -> np.ndarray:
    """Share of frames per class, shape ``(len(classes),)``; zeros when there is no frame."""
    index = {c: i for i, c in enumerate(classes)}
    counts = np.zeros(len(classes), dtype=float)
    for lab in frame_labels:
        counts[index[lab]] += 1
    return counts / counts.sum() if len(frame_labels) else counts


def binary_vote(
    frame_labels: Sequence[str], positive: str, threshold: float, *, normalize: bool = False
) -> bool:
    """True iff the count (or fraction) of frames labelled ``positive`` is > ``threshold``."""
    n_pos = sum(1 for lab in frame_labels if lab == positive)
    value = (n_pos / len(frame_labels) if frame_labels else 0.0) if normalize else n_pos
    return value > threshold


def mode_vote(frame_labels: Sequence[str], classes: Sequence[str], default: str | None = None) -> str:
    """The most frequent frame label; ties → the class that comes first in ``classes``."""
    if not frame_labels:
        return default if default is not None else classes[0]
    counts = vote_fractions(frame_labels, classes)
    return classes[int(np.argmax(counts))]  # argmax returns the first maximum


def aggregate_video(
    frame_labels: Sequence[str],
    classes: Sequence[str],
    *,
    positive: str | None = None,
    threshold: float = 0.0,
    normalize: bool = False,
    default: str | None = None,
) -> str:
    """One video's label from its frame labels (binary rule when ``positive`` is given)."""
    if positive is not None:
        if len(classes) != 2 or positive not in classes:
            raise ValueError(
                f"binary aggregation needs 2 classes including {positive!r}, got {list(classes)}"
            )
        negative = classes[0] if classes[1] == positive else classes[1]
        return positive if binary_vote(frame_labels, positive, threshold, normalize=normalize) else negative
    return mode_vote(frame_labels, classes, default)


def aggregate(
    frame_video_ids: Sequence[str],
    frame_labels: Sequence[str],
    video_ids: Sequence[str],
    classes: Sequence[str],
    *,
    positive: str | None = None,
    threshold: float = 0.0,
    normalize: bool = False,
    default: str | None = None,
) -> tuple[list[str], np.ndarray]:
    """Video labels and vote-fraction scores ``(len(video_ids), len(classes))`` from frame predictions.

    ``frame_video_ids[i]`` is the video of frame ``i``, ``frame_labels[i]`` its predicted label.
    Videos of ``video_ids`` without any frame get the no-frame result described above.
    """
    if len(frame_video_ids) != len(frame_labels):
        raise ValueError(f"{len(frame_video_ids)} frame video ids but {len(frame_labels)} frame labels")
    per_video: dict[str, list[str]] = {v: [] for v in video_ids}
    for vid, lab in zip(frame_video_ids, frame_labels, strict=True):
        if vid in per_video:
            per_video[vid].append(lab)
    labels = [
        aggregate_video(
            per_video[v],
            classes,
            positive=positive,
            threshold=threshold,
            normalize=normalize,
            default=default,
        )
        for v in video_ids
    ]
    scores = np.array([vote_fractions(per_video[v], classes) for v in video_ids], dtype=float)
    return labels, scores.reshape(len(video_ids), len(classes))


def mean_probabilities(
    frame_video_ids: Sequence[str],
    frame_probs: np.ndarray,
    video_ids: Sequence[str],
    *,
    empty: Sequence[float] | None = None,
) -> np.ndarray:
    """Per video, the mean of its frames' class probabilities, shape ``(len(video_ids), n_classes)``.

    ``frame_probs[i]`` is frame ``i``'s probability row. A video without frames gets ``empty``
    (default: uniform over the classes).
    """
    probs = np.asarray(frame_probs, dtype=float)
    if len(frame_video_ids) != len(probs):
        raise ValueError(f"{len(frame_video_ids)} frame video ids but {len(probs)} frame probability rows")
    n_classes = probs.shape[1] if probs.ndim == 2 else (len(empty) if empty is not None else 0)
    pos = {v: i for i, v in enumerate(video_ids)}
    sums = np.zeros((len(video_ids), n_classes), dtype=float)
    counts = np.zeros(len(video_ids), dtype=float)
    for vid, row in zip(frame_video_ids, probs, strict=True):
        i = pos.get(vid)
        if i is not None:
            sums[i] += row
            counts[i] += 1
    fill = np.asarray(empty, dtype=float) if empty is not None else np.full(n_classes, 1 / max(n_classes, 1))
    out = np.tile(fill, (len(video_ids), 1)).reshape(len(video_ids), n_classes)
    has = counts > 0
    out[has] = sums[has] / counts[has, None]
    return out


def aggregate_probabilities(
    frame_video_ids: Sequence[str],
    frame_probs: np.ndarray,
    video_ids: Sequence[str],
    classes: Sequence[str],
    *,
    empty: Sequence[float] | None = None,
) -> tuple[list[str], np.ndarray]:
    """Video labels (arg-max) and scores (:func:`mean_probabilities`) from frame probabilities."""
    scores = mean_probabilities(frame_video_ids, frame_probs, video_ids, empty=empty)
    if scores.shape[1] != len(classes):
        raise ValueError(f"{scores.shape[1]} probability columns but {len(classes)} classes {list(classes)}")
    labels = [classes[int(np.argmax(row))] for row in scores]  # argmax returns the first maximum
    return labels, scores


def positive_counts(
    frame_video_ids: Sequence[str],
    frame_labels: Sequence[str],
    video_ids: Sequence[str],
    positive: str,
    *,
    normalize: bool = False,
) -> np.ndarray:
    """Per video, the number (or fraction) of frames labelled ``positive``."""
    n_pos = dict.fromkeys(video_ids, 0)
    n_all = dict.fromkeys(video_ids, 0)
    for vid, lab in zip(frame_video_ids, frame_labels, strict=True):
        if vid in n_all:
            n_all[vid] += 1
            n_pos[vid] += lab == positive
    if normalize:
        return np.array([n_pos[v] / n_all[v] if n_all[v] else 0.0 for v in video_ids], dtype=float)
    return np.array([n_pos[v] for v in video_ids], dtype=float)


def choose_threshold(values: Sequence[float], is_positive: Sequence[bool]) -> float:
    """The threshold t maximising macro F1 of ``value > t`` against ``is_positive``.

    ``values`` are per-video positive-frame counts (or fractions) on the validation split.
    Candidates: -1 (everything positive; for fractions use it as "all") and each distinct
    observed value (t = value: videos strictly above it are positive). Ties → smallest t.
    """
    v = np.asarray(values, dtype=float)
    y = np.asarray(is_positive, dtype=bool)
    if len(v) != len(y):
        raise ValueError(f"{len(v)} values but {len(y)} labels")
    best_t, best_f1 = 0.0, -1.0
    for t in [-1.0, *sorted(set(v.tolist()))]:
        f1 = macro_f1(y, v > t, (True, False))
        if f1 > best_f1 + 1e-12:
            best_t, best_f1 = float(t), f1
    return best_t
