"""Frame → video aggregation: mean probabilities and votes, properties (hypothesis), documented rules."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from polimodal.models.votes import (
    aggregate,
    aggregate_probabilities,
    aggregate_video,
    binary_vote,
    choose_threshold,
    mean_probabilities,
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


def _frames(per_video: dict[str, list[float]]) -> tuple[list[str], np.ndarray]:
    """Frame owners and binary probability rows ``[1 - p, p]`` from per-video positive probabilities."""
    owners = [v for v, ps in per_video.items() for _ in ps]
    p = np.array([x for ps in per_video.values() for x in ps])
    return owners, np.column_stack([1 - p, p])


def test_mean_probability_ranks_videos_by_how_sure_their_frames_are():
    # "sure": two frames clearly positive, one clearly not; "unsure": three frames barely positive
    owners, probs = _frames({"sure": [0.9, 0.9, 0.2], "unsure": [0.6, 0.6, 0.6], "none": [0.1, 0.3, 0.2]})
    vids = ["sure", "unsure", "none"]
    labels, scores = aggregate_probabilities(owners, probs, vids, ["neg", "pos"])
    np.testing.assert_allclose(scores[:, 1], [2 / 3, 0.6, 0.2])
    assert scores[0, 1] > scores[1, 1] > scores[2, 1]
    assert labels == ["pos", "pos", "neg"]
    # the vote fractions cannot tell them apart: 3 of 3 positive frames beat 2 of 3, the opposite order
    frame_labels = ["pos" if p > 0.5 else "neg" for p in probs[:, 1]]
    _, fractions = aggregate(owners, frame_labels, vids, ["neg", "pos"])
    np.testing.assert_allclose(fractions[:, 1], [2 / 3, 1.0, 0.0])
    assert fractions[1, 1] > fractions[0, 1]
    # the study's count rule (positive iff > 1 positive frame) calls both positive, with no ranking
    vote_labels, _ = aggregate(owners, frame_labels, vids, ["neg", "pos"], positive="pos", threshold=1)
    assert vote_labels == ["pos", "pos", "neg"]


@given(
    st.lists(
        st.tuples(st.sampled_from(["v1", "v2", "v3"]), st.lists(st.floats(0.01, 1), min_size=3, max_size=3)),
        max_size=30,
    )
)
def test_mean_probabilities_are_probabilities_and_the_label_their_argmax(pairs):
    owners = [v for v, _ in pairs]
    probs = np.array([np.array(w) / sum(w) for _, w in pairs]).reshape(len(pairs), 3)
    vids = ["v1", "v2", "v3", "v4"]
    labels, scores = aggregate_probabilities(owners, probs, vids, CLASSES, empty=[0.2, 0.5, 0.3])
    np.testing.assert_allclose(scores.sum(axis=1), 1.0)
    for vid, lab, row in zip(vids, labels, scores, strict=True):
        own = probs[[o == vid for o in owners]]
        np.testing.assert_allclose(row, own.mean(axis=0) if len(own) else [0.2, 0.5, 0.3])
        assert lab == CLASSES[int(np.argmax(row))]


def test_mean_probabilities_without_frames():
    assert mean_probabilities([], np.zeros((0, 2)), ["a"]).tolist() == [[0.5, 0.5]]  # uniform
    labels, scores = aggregate_probabilities([], np.zeros((0, 3)), ["a", "b"], CLASSES, empty=[0.1, 0.1, 0.8])
    assert labels == ["c", "c"] and scores.shape == (2, 3)
    labels, _ = aggregate_probabilities(["a"], np.array([[0.4, 0.4, 0.2]]), ["a"], CLASSES)
    assert labels == ["a"]  # tie → the class listed first
