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
