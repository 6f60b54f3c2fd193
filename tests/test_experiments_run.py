"""run_fold end to end (:mod:`polimodal.experiments.run`): the SVM on texts, a toy frame model on
real FRAMES/DEDUP files, and the checks on what a model returns and how it is configured."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from polimodal.corpus.experiment_schemas import PREDICTIONS
from polimodal.corpus.schemas import DEDUP, FRAMES, TRANSCRIPTS, read_parquet, write_parquet
from polimodal.data.videodata import VideoData
from polimodal.errors import ConfigError
from polimodal.experiments.run import predictions_table, prepare, run_fold
from polimodal.experiments.splits import make_splits
from polimodal.models.base import Model
from polimodal.models.votes import aggregate


class FrameMajority(Model):
    """A toy image model: labels each frame by its pixel brightness, aggregates per video."""

    kind = "test_majority_frames"

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


class BadPredictions(Model):
    """A text model that predicts a label that is not one of the task's values."""

    kind = "test_bad"

    def fit(self, train, validation, workdir):
        return {}

    def predict(self, data):
        return ["zzz"] * len(data), np.zeros((len(data), 2))


def _splits():
    lab = pd.DataFrame({"video_id": [f"v{i}" for i in range(20)], "label": ["a"] * 10 + ["b"] * 10})
    return make_splits("t", lab, ["a", "b"], folds=2, seed=1).to_pandas()


def _transcripts(path: Path) -> Path:
    return write_parquet(
        [
            {
                "video_id": f"v{i}",
                "n_segments": 1,
                "text": ("alpha beta" if i < 10 else "gamma delta") + f" w{i}",
                "model": "tiny",
            }
            for i in range(20)
        ],
        path,
        TRANSCRIPTS,
    )


def test_run_fold_text(tmp_path):
    _transcripts(tmp_path / "t.parquet")
    out = tmp_path / "r" / "predictions.parquet"
    summary = run_fold(
        "t",
        1,
        _splits(),
        {"transcripts": tmp_path / "t.parquet"},
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


def test_run_fold_frames(tmp_path, add_model_kind):
    add_model_kind("test_majority_frames", f"{__name__}:FrameMajority", inputs=("frames",))
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
    data = {"frames": [tmp_path / "f.parquet"], "dedup": [tmp_path / "d.parquet"]}
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


def test_run_fold_rejects_bad_predictions(tmp_path, add_model_kind):
    add_model_kind("test_bad", f"{__name__}:BadPredictions", inputs=("text",))
    write_parquet([], tmp_path / "t.parquet", TRANSCRIPTS)
    with pytest.raises(ValueError, match="not in"):
        run_fold(
            "t",
            0,
            _splits(),
            {"transcripts": tmp_path / "t.parquet"},
            "bad",
            {"kind": "test_bad"},
            tmp_path / "p.parquet",
            tmp_path / "m",
            classes=["a", "b"],
        )
    assert not (tmp_path / "p.parquet").exists()


@pytest.mark.parametrize(
    ("cfg", "message"),
    [
        (
            {"kind": "svm", "max_feature": 10},
            r"models\.mine \(kind svm\): unknown parameter\(s\) \['max_feature'\]",
        ),
        ({"kind": "nope"}, r"models\.mine: unknown model kind 'nope'"),
        ({"kind": "svm", "text_fields": ["subtitles"]}, r"models\.mine\.text_fields"),
    ],
)
def test_run_fold_checks_the_model_config_before_training(tmp_path, cfg, message):
    _transcripts(tmp_path / "t.parquet")
    with pytest.raises(ConfigError, match=message):
        run_fold(
            "t",
            0,
            _splits(),
            {"transcripts": tmp_path / "t.parquet"},
            "mine",
            cfg,
            tmp_path / "p.parquet",
            tmp_path / "m",
            classes=["a", "b"],
        )
    assert not (tmp_path / "p.parquet").exists() and not (tmp_path / "m").exists()


def test_predictions_table_checks_shapes():
    data = VideoData(["v1", "v2"], ["a", "b"], ["", ""])
    df = predictions_table(
        "t", "m", 0, "test", data, ["a", "a"], np.array([[1.0, 0.0], [0.6, 0.4]]), ["a", "b"]
    )
    assert df["scores"].tolist() == [[1.0, 0.0], [0.6, 0.4]] and df["label"].tolist() == ["a", "b"]
    with pytest.raises(ValueError, match="scores of shape"):
        predictions_table("t", "m", 0, "test", data, ["a", "a"], np.zeros((2, 3)), ["a", "b"])


def test_prepare_is_the_one_step_before_training_and_classification(tmp_path):
    """Build the model, then read what it reads with the text fields of its parsed options."""
    files = {"transcripts": _transcripts(tmp_path / "t.parquet")}
    model, loaded = prepare("svm", {"kind": "svm", "C": 2}, ["a", "b"], files, ["v0", "v12"], seed=5)
    assert model.seed == 5 and model.options.C == 2 and model.options.text_fields == ("transcript",)
    assert loaded.video_data(["v12", "v0"], ["b", "a"]).texts == ["gamma delta w12", "alpha beta w0"]
    assert loaded.frames is None and loaded.sequences is None
    with pytest.raises(ConfigError, match=r"models\.mine\.text_fields"):
        prepare("mine", {"kind": "svm", "text_fields": ["subtitles"]}, ["a", "b"], files, ["v0"])
