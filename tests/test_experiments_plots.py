"""Figures: they are written, are PNGs, and carry one bar per model coloured by modality."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from polimodal.experiments import plots
from polimodal.experiments.plots import MODALITY_COLOURS, make_plots, plot_data_table, plot_macro_f1

TABLE = pd.DataFrame(
    {
        "task": ["t", "t", "t", "u"],
        "model": ["svm", "cnn", "clip", "svm"],
        "modality": ["text", "image", "multimodal", "text"],
        "n_folds": 3,
        "macro_f1_mean": [0.8, 0.6, 0.7, 0.5],
        "macro_f1_sd": [0.05, 0.1, 0.0, 0.02],
    }
)
CONF = pd.DataFrame(
    [
        {"task": "t", "model": m, "fold": f, "split": "test", "true": a, "predicted": b, "n": 1 + f}
        for m in ("svm", "cnn")
        for f in (0, 1)
        for a in ("x", "y")
        for b in ("x", "y")
    ]
)


def is_png(path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bar_chart_colours(tmp_path, monkeypatch):
    captured = {}
    real = plots._save

    def spy(fig, out):
        ax = fig.axes[0]
        captured["bars"] = [(p.get_height(), p.get_facecolor()) for p in ax.patches]
        captured["labels"] = [t.get_text() for t in ax.get_xticklabels()]
        return real(fig, out)

    monkeypatch.setattr(plots, "_save", spy)
    out = plot_macro_f1(TABLE, "t", tmp_path / "f1.png")
    assert is_png(out)
    assert captured["labels"] == ["svm", "clip", "cnn"]  # best first
    heights = [h for h, _ in captured["bars"]][:3]
    assert heights == [0.8, 0.7, 0.6]
    from matplotlib.colors import to_rgba

    colours = [c for _, c in captured["bars"]][:3]
    assert colours == [to_rgba(MODALITY_COLOURS[m]) for m in ("text", "multimodal", "image")]


def test_make_plots_and_data_table(tmp_path):
    TABLE.to_csv(tmp_path / "t.csv", index=False)
    CONF.to_parquet(tmp_path / "c.parquet")
    make_plots(tmp_path / "t.csv", tmp_path / "c.parquet", "t", tmp_path / "a.png", tmp_path / "b.png")
    assert is_png(tmp_path / "a.png") and is_png(tmp_path / "b.png")
    dt = pd.DataFrame(
        {
            "task": ["t", "t", "t"],
            "value": ["x", "y", "total"],
            "n": [3, 1, 4],
            "percent": [75.0, 25.0, 100.0],
            "n_unavailable": [0, 1, 1],
        }
    )
    assert is_png(plot_data_table(dt, tmp_path / "d.png"))
    assert plt.get_fignums() == []  # figures are closed
