"""Results by group: per-group macro F1 with n, small groups marked, label distributions per group."""

from __future__ import annotations

import pandas as pd
import pytest

from polimodal.errors import ConfigError
from polimodal.experiments.groups import distribution_by_group, group_values, metrics_by_group


def _predictions(folds: dict[int, dict[str, str]], truth: dict[str, str], split: str = "test"):
    rows = []
    for fold, predicted in folds.items():
        for vid, pred in predicted.items():
            rows.append(
                {
                    "task": "hateful",
                    "model": "svm",
                    "fold": fold,
                    "video_id": vid,
                    "split": split,
                    "label": truth[vid],
                    "predicted": pred,
                }
            )
    return pd.DataFrame(rows)


SHEET = pd.DataFrame(
    {
        "video_id": ["a1", "a2", "a3", "a4", "b1", "b2", "b3", "b4", "c1"],
        "country": ["US", "US", "US", "US", "DK", "DK", "DK", "DK", None],
        "year": [2019.0, 2019.0, 2020.0, 2020.0, 2019.0, 2019.0, 2020.0, 2020.0, 2021.0],
    }
)
TRUTH = {"a1": "1", "a2": "0", "a3": "1", "a4": "0", "b1": "1", "b2": "0", "b3": "1", "b4": "0", "c1": "1"}


def test_macro_f1_per_group_and_fold_with_mean_and_sd():
    # fold 0: US all right, DK predicts "1" for all; fold 1: US all right, DK all right
    fold0 = {**{v: TRUTH[v] for v in TRUTH if v[0] == "a"}, "b1": "1", "b2": "1", "b3": "1", "b4": "1"}
    fold1 = {v: TRUTH[v] for v in TRUTH if v[0] in "ab"}
    preds = _predictions({0: fold0, 1: fold1}, TRUTH)
    out = metrics_by_group(preds, group_values(SHEET, ["country"]), ["country"], {"svm": "text"}, min_n=3)
    us = out[out["group"] == "US"].iloc[0]
    dk = out[out["group"] == "DK"].iloc[0]
    assert us["macro_f1_mean"] == pytest.approx(1.0) and us["macro_f1_sd"] == pytest.approx(0.0)
    # DK fold 0: class 1 F1 = 2/3 (P 0.5, R 1), class 0 F1 = 0 → 1/3; fold 1: 1.0
    assert dk["macro_f1_mean"] == pytest.approx((1 / 3 + 1) / 2)
    assert dk["macro_f1_sd"] == pytest.approx(pd.Series([1 / 3, 1.0]).std())
    assert (us["n"], dk["n"], us["n_folds"]) == (4, 4, 2)
    assert us["modality"] == "text" and not us["too_small"] and not dk["too_small"]


def test_small_and_single_class_groups_are_marked_not_hidden():
    preds = _predictions({0: dict(TRUTH)}, TRUTH)
    out = metrics_by_group(preds, group_values(SHEET, ["country", "year"]), ["country", "year"], min_n=3)
    missing = out[(out["group_by"] == "country") & (out["group"] == "(missing)")].iloc[0]
    assert missing["n"] == 1 and missing["too_small"] and "too small: n=1" in missing["macro_f1"]
    years = out[out["group_by"] == "year"].set_index("group")
    assert list(years.index) == ["2019", "2020", "2021"]  # 2019.0 read as a float is the year 2019
    assert not years.loc["2019", "too_small"]
    assert years.loc["2021", "too_small"] and "one class" in years.loc["2021", "macro_f1"]


def test_only_the_asked_split_counts_and_unknown_columns_are_named():
    preds = _predictions({0: dict(TRUTH)}, TRUTH, split="validation")
    assert metrics_by_group(preds, group_values(SHEET, ["country"]), ["country"]).empty
    with pytest.raises(ConfigError, match=r"'channel'.*it has: video_id, country, year"):
        group_values(SHEET, ["channel"])


def test_the_corpus_distribution_per_group():
    classified = pd.DataFrame(
        {
            "video_id": ["a1", "a2", "a3", "b1", "zz"],
            "task": "hateful",
            "model": "svm",
            "predicted": ["1", "0", "0", "1", "1"],
        }
    )
    out = distribution_by_group(classified, group_values(SHEET, ["country"]), ["country"])
    us = out[out["group"] == "US"].set_index("value")
    assert us.loc["0", "n"] == 2 and us.loc["1", "n"] == 1 and us.loc["0", "percent"] == pytest.approx(66.7)
    assert (us["group_n"] == 3).all()
    # a classified video without a sheet row is counted in (missing)
    assert out[out["group"] == "(missing)"]["n"].sum() == 1
