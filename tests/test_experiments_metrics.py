"""Metrics against scikit-learn on hand-made cases, mean ± sd over folds, tidy outputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from polimodal.corpus.experiment_schemas import PREDICTIONS
from polimodal.corpus.schemas import write_parquet
from polimodal.experiments.metrics import (
    classification_metrics,
    confusion,
    evaluate,
    evaluate_predictions,
    summarise,
    summary_table,
)

CASES = [
    (["a", "a", "b", "b", "c"], ["a", "b", "b", "b", "a"], ["a", "b", "c"]),
    (["x", "y", "y", "y"], ["y", "y", "y", "y"], ["x", "y"]),  # a class never predicted
    (["p", "p", "q"], ["p", "p", "q"], ["p", "q", "r"]),  # a class with no support
]


@pytest.mark.parametrize(("y", "p", "classes"), CASES)
def test_against_sklearn(y, p, classes):
    rows = {(r["metric"], r["class"]): r["value"] for r in classification_metrics(y, p, classes)}
    assert rows[("accuracy", "")] == pytest.approx(accuracy_score(y, p))
    for avg in ("macro", "weighted"):
        ref = f1_score(y, p, labels=classes, average=avg, zero_division=0)
        assert rows[(f"{avg}_f1", "")] == pytest.approx(ref)
    pr, rc, f1, sup = precision_recall_fscore_support(y, p, labels=classes, zero_division=0)
    for j, c in enumerate(classes):
        assert rows[("precision", c)] == pytest.approx(pr[j])
        assert rows[("recall", c)] == pytest.approx(rc[j])
        assert rows[("f1", c)] == pytest.approx(f1[j])
        assert rows[("support", c)] == sup[j]
    assert (confusion(y, p, classes) == confusion_matrix(y, p, labels=classes)).all()


def test_hand_computed():
    rows = {(r["metric"], r["class"]): r["value"] for r in classification_metrics(*CASES[1])}
    # y = x y y y, p = y y y y: F1(x) = 0, F1(y) = 2*3/(4+3) = 6/7
    assert rows[("macro_f1", "")] == pytest.approx(3 / 7)
    assert rows[("weighted_f1", "")] == pytest.approx(0.75 * 6 / 7)
    assert rows[("accuracy", "")] == 0.75


def preds(model: str, fold: int, y: list[str], p: list[str], classes: list[str]) -> pd.DataFrame:
    n = len(y)
    return pd.DataFrame(
        {
            "task": "t",
            "model": model,
            "fold": fold,
            "video_id": [f"v{i}" for i in range(n)],
            "split": "test",
            "label": y,
            "predicted": p,
            "classes": [classes] * n,
            "scores": [[0.0] * len(classes)] * n,
        }
    )


def test_mean_sd_over_folds_and_summary(tmp_path):
    classes = ["a", "b"]
    y = ["a", "a", "b", "b"]
    runs = [
        preds("m1", 0, y, ["a", "a", "b", "b"], classes),  # macro F1 1
        preds("m1", 1, y, ["a", "b", "b", "b"], classes),  # macro F1 (2/3 + 4/5)/2
        preds("m2", 0, y, ["a", "a", "a", "a"], classes),
        preds("m2", 1, y, ["a", "a", "a", "a"], classes),
    ]
    df = pd.concat(runs, ignore_index=True)
    metrics, conf = evaluate_predictions(df, {"m1": "text", "m2": "image"})
    assert set(metrics.columns) == {"task", "model", "modality", "fold", "split", "metric", "class", "value"}
    assert len(conf) == 4 * 4  # 4 runs x 2x2 cells
    summ = summarise(metrics)
    f1s = [1.0, (2 / 3 + 4 / 5) / 2]
    row = summ[(summ["model"] == "m1") & (summ["metric"] == "macro_f1")].iloc[0]
    assert row["mean"] == pytest.approx(np.mean(f1s))
    assert row["sd"] == pytest.approx(np.std(f1s, ddof=1))
    assert row["n_folds"] == 2
    table = summary_table(summ)
    assert table["model"].tolist() == ["m1", "m2"]  # best first
    assert table.loc[0, "modality"] == "text"
    assert table.loc[1, "macro_f1_sd"] == 0.0
    assert table.loc[0, "macro_f1"] == f"{np.mean(f1s):.3f} ± {np.std(f1s, ddof=1):.3f}"

    paths = []
    for i, r in enumerate(runs):
        import pyarrow as pa

        paths.append(
            write_parquet(
                pa.Table.from_pandas(r, schema=PREDICTIONS, preserve_index=False),
                tmp_path / f"p{i}.parquet",
                PREDICTIONS,
            )
        )
    out = evaluate(
        paths,
        metrics_out=tmp_path / "m.parquet",
        confusion_out=tmp_path / "c.parquet",
        summary_out=tmp_path / "s.csv",
        table_out=tmp_path / "t.csv",
        metrics_csv_out=tmp_path / "m.csv",
        html_out=tmp_path / "t.html",
        modalities={"m1": "text", "m2": "image"},
    )
    assert out.equals(table)
    assert pd.read_parquet(tmp_path / "m.parquet").shape == metrics.shape
    assert pd.read_csv(tmp_path / "t.csv")["macro_f1_mean"].tolist() == pytest.approx(
        table["macro_f1_mean"].tolist()
    )
    assert "<table" in (tmp_path / "t.html").read_text()
