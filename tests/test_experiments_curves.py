"""Precision–recall curves and operating points from the predictions' class scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from polimodal.experiments.curves import operating_points, plot_pr_curves, pr_curves

POS = [0.9, 0.8, 0.7, 0.4]
NEG = [0.85, 0.6, 0.3, 0.2, 0.1, 0.05]


def _predictions(split: str = "test") -> pd.DataFrame:
    rows = []
    for i, (label, s) in enumerate([("1", s) for s in POS] + [("0", s) for s in NEG]):
        rows.append({"task": "hateful", "model": "clip", "fold": i % 2, "video_id": f"v{i}", "split": split,
                     "label": label, "predicted": "1" if s > 0.5 else "0", "classes": ["0", "1"],
                     "scores": [1 - s, s]})  # fmt: skip
    return pd.DataFrame(rows)


def test_the_operating_point_is_the_lowest_threshold_that_reaches_the_precision():
    pts = operating_points(_predictions(), target=0.75).set_index("class")
    # ranked: .9 P, .85 N, .8 P, .7 P → precision 3/4 at 0.7 with recall 3/4; lower thresholds fall below
    assert pts.loc["1", "threshold"] == pytest.approx(0.7)
    assert pts.loc["1", "recall"] == pytest.approx(0.75) and pts.loc["1", "precision"] == pytest.approx(0.75)
    assert pts.loc["1", "average_precision"] == pytest.approx((1 + 2 / 3 + 3 / 4 + 4 / 6) / 4)
    assert (pts.loc["1", "n_positive"], pts.loc["1", "n"]) == (4, 10)
    strict = operating_points(_predictions(), target=0.95).set_index("class")
    assert strict.loc["1", "threshold"] == pytest.approx(0.9) and strict.loc["1", "recall"] == 0.25


def test_an_unreachable_precision_is_shown_as_such():
    p = _predictions()
    p.loc[p["label"] == "1", "scores"] = p.loc[p["label"] == "1", "scores"].map(lambda s: [0.99, 0.01])
    pts = operating_points(p, target=0.9).set_index("class")
    assert np.isnan(pts.loc["1", "threshold"]) and pts.loc["1", "recall"] == 0.0


def test_curves_cover_each_class_and_only_the_test_split(tmp_path):
    both = pd.concat([_predictions(), _predictions("validation")])
    curves = pr_curves(both)
    assert set(curves["class"]) == {"0", "1"}
    one = curves[curves["class"] == "1"]
    assert one["recall"].max() == 1.0 and len(one) == 11  # 10 distinct scores + the (recall 0) end point
    out = plot_pr_curves(curves, operating_points(both), "hateful", tmp_path / "pr.png")
    with Image.open(out) as img:
        assert img.width > 300


def test_a_frame_model_s_mean_probabilities_give_a_finer_curve_than_its_votes():
    """The frame models' default video scores (mean frame probability) rank the videos the vote
    fractions tie: more thresholds to pick from, and here a precision of 1 that votes cannot reach."""
    from polimodal.models.votes import aggregate, aggregate_probabilities

    frames = {"p1": [0.95, 0.9, 0.2], "p2": [0.9, 0.8, 0.3], "n1": [0.6, 0.6, 0.6], "n2": [0.55, 0.4, 0.3],
              "n3": [0.2, 0.1, 0.1]}  # fmt: skip
    owners = [v for v, ps in frames.items() for _ in ps]
    probs = np.array([[1 - p, p] for ps in frames.values() for p in ps])
    vids = list(frames)
    _, mean_prob = aggregate_probabilities(owners, probs, vids, ["0", "1"])
    _, votes = aggregate(owners, ["1" if p > 0.5 else "0" for p in probs[:, 1]], vids, ["0", "1"])

    def table(scores: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame({"task": "t", "model": "cnn", "video_id": vids, "split": "test",
                             "label": [v[0].replace("p", "1").replace("n", "0") for v in vids],
                             "classes": [["0", "1"]] * len(vids), "scores": list(scores)})  # fmt: skip

    by_prob = operating_points(table(mean_prob), target=1.0).set_index("class").loc["1"]
    by_vote = operating_points(table(votes), target=1.0).set_index("class").loc["1"]
    assert by_prob["recall"] == 1.0 and by_prob["threshold"] == pytest.approx(2 / 3)  # p2: (.9 + .8 + .3) / 3
    assert by_vote["recall"] == 0.0  # n1's 3 of 3 positive frames outrank p1 and p2's 2 of 3
    assert (pr_curves(table(mean_prob))["class"] == "1").sum() > (
        pr_curves(table(votes))["class"] == "1"
    ).sum()
