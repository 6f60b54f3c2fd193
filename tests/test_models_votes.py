"""Frame → video aggregation: properties (hypothesis) and the documented tie/empty rules."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from polimodal.models.votes import (
    aggregate,
    aggregate_video,
    binary_vote,
    choose_threshold,
    mode_vote,
    positive_counts,
    vote_fractions,
)

CLASSES = ["a", "b", "c"]
frames3 = st.lists(st.sampled_from(CLASSES), max_size=30)
frames2 = st.lists(st.sampled_from(["neg", "pos"]), max_size=30)


@given(frames2, st.integers(-1, 30))
def test_binary_is_count_above_threshold(frames, t):
    n_pos = frames.count("pos")
    assert binary_vote(frames, "pos", t) == (n_pos > t)
    assert aggregate_video(frames, ["neg", "pos"], positive="pos", threshold=t) == (
        "pos" if n_pos > t else "neg"
    )


@given(frames2, st.integers(0, 29), st.sampled_from(["neg", "pos"]))
def test_binary_monotone_in_threshold_and_positives(frames, t, extra):
    # raising the threshold never turns a negative video positive
    assert binary_vote(frames, "pos", t + 1) <= binary_vote(frames, "pos", t)
    # adding a positive frame never turns a positive video negative
    assert binary_vote([*frames, "pos"], "pos", t) >= binary_vote(frames, "pos", t)


@given(frames2, st.floats(0, 1))
def test_binary_fraction(frames, t):
    frac = frames.count("pos") / len(frames) if frames else 0.0
    assert binary_vote(frames, "pos", t, normalize=True) == (frac > t)


@given(frames3)
def test_mode_is_a_most_frequent_label_and_ties_go_to_class_order(frames):
    label = mode_vote(frames, CLASSES)
    if not frames:
        assert label == "a"
        return
    counts = {c: frames.count(c) for c in CLASSES}
    best = max(counts.values())
    assert counts[label] == best
    assert label == next(c for c in CLASSES if counts[c] == best)  # first in class order


@given(frames3, st.permutations(list(range(30))))
def test_mode_ignores_frame_order(frames, perm):
    shuffled = [frames[i] for i in perm if i < len(frames)]
    assert mode_vote(shuffled, CLASSES) == mode_vote(frames, CLASSES)


@given(frames3)
def test_vote_fractions_sum_to_one(frames):
    v = vote_fractions(frames, CLASSES)
    assert v.shape == (3,)
    assert np.isclose(v.sum(), 1.0) if frames else v.sum() == 0


def test_documented_examples():
    assert mode_vote(["b", "c", "c", "b"], CLASSES) == "b"  # tie b/c → b comes first in classes
    assert mode_vote([], CLASSES, default="c") == "c"
    assert aggregate_video([], ["neg", "pos"], positive="pos", threshold=0) == "neg"
    assert aggregate_video(["pos"], ["neg", "pos"], positive="pos", threshold=0) == "pos"
    assert aggregate_video(["pos"], ["neg", "pos"], positive="pos", threshold=1) == "neg"


@given(st.lists(st.tuples(st.sampled_from(["v1", "v2", "v3"]), st.sampled_from(CLASSES)), max_size=40))
def test_aggregate_matches_per_video(pairs):
    vids = ["v1", "v2", "v3", "v4"]
    labels, scores = aggregate([p[0] for p in pairs], [p[1] for p in pairs], vids, CLASSES)
    assert scores.shape == (4, 3)
    for vid, lab, row in zip(vids, labels, scores, strict=True):
        own = [p[1] for p in pairs if p[0] == vid]
        assert lab == mode_vote(own, CLASSES)
        assert np.allclose(row, vote_fractions(own, CLASSES))


@settings(deadline=None, max_examples=60)
@given(st.lists(st.tuples(st.integers(0, 10), st.booleans()), min_size=1, max_size=30))
def test_choose_threshold_is_optimal(rows):
    from sklearn.metrics import f1_score

    values = [r[0] for r in rows]
    y = [r[1] for r in rows]
    t = choose_threshold(values, y)
    f1 = f1_score(y, np.array(values) > t, average="macro", labels=[False, True], zero_division=0)
    for cand in range(-1, 11):
        other = f1_score(y, np.array(values) > cand, average="macro", labels=[False, True], zero_division=0)
        assert f1 >= other - 1e-12
    assert t == -1 or t in values


def test_positive_counts():
    c = positive_counts(["a", "a", "b", "a"], ["pos", "neg", "pos", "pos"], ["a", "b", "c"], "pos")
    assert c.tolist() == [2, 1, 0]
    f = positive_counts(
        ["a", "a", "b", "a"], ["pos", "neg", "pos", "pos"], ["a", "b", "c"], "pos", normalize=True
    )
    assert np.allclose(f, [2 / 3, 1, 0])
