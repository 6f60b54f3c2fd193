"""The FND-CLIP ablation table: variants by fusion and contrastive term, then the baselines."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from polimodal.experiments.ablation import ablation_models, write_ablation


def test_ablation_orders_variants_then_baselines(tmp_path: Path) -> None:
    models = {
        "svm": {"kind": "svm"},
        "bert": {"kind": "bert"},
        "fl": {"kind": "fndclip"},  # defaults: fusion_layer, λ 0.1
        "fl_off": {"kind": "fndclip", "contrastive": 0},
        "dot": {"kind": "fndclip", "fusion": "dot", "contrastive": 0.5},
        "unused": {"kind": "fndclip", "fusion": "concat"},
    }
    info = ablation_models(models).set_index("model")
    assert info.loc["fl", "fusion"] == "fusion_layer" and info.loc["fl", "contrastive"] == 0.1
    rows = []
    for task in ("a", "b"):
        for i, model in enumerate(["svm", "bert", "fl", "fl_off", "dot"]):
            f1 = 0.5 + 0.1 * i
            rows.append({"task": task, "model": model, "modality": "x", "n_folds": 2, "macro_f1_mean": f1,
                         "accuracy_mean": f1, "macro_f1": f"{f1:.3f} ± 0.010"})  # fmt: skip
    table = tmp_path / "summary_table.csv"
    pd.DataFrame(rows).to_csv(table, index=False)
    out = write_ablation(
        table, models, csv_out=tmp_path / "ablation.csv", html_out=tmp_path / "ablation.html"
    )
    a = out[out.task == "a"]
    assert list(a.model) == ["dot", "fl", "fl_off", "bert", "svm"]  # unused: not in the run's table
    html = (tmp_path / "ablation.html").read_text()
    assert "<h3>a</h3>" in html and "<h3>b</h3>" in html and "λ = 0.5" in html and "off" in html
