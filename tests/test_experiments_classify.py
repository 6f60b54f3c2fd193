"""Classifying the corpus with a task's chosen model: the choice, the shard jobs, the tables."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import NoParams
from polimodal.corpus.experiment_schemas import CLASSIFIED
from polimodal.corpus.schemas import DEDUP, FRAMES, TRANSCRIPTS, VIDEOS, read_parquet, write_parquet
from polimodal.errors import ConfigError, ModelLoadError
from polimodal.experiments.classify import (
    choose_models,
    chosen_fold,
    classify_shard,
    distribution,
    gather_classified,
)
from polimodal.experiments.metrics import METRIC_COLUMNS
from polimodal.experiments.run import run_fold
from polimodal.experiments.splits import make_splits
from polimodal.models.base import Model


def _metrics(values: dict[tuple[str, int], float]) -> pd.DataFrame:
    rows = []
    for (model, fold), v in values.items():
        for split, value in (("validation", v), ("test", 1 - v)):  # test must not drive the choice
            rows.append(["t", model, "text", fold, split, "macro_f1", "", value])
    return pd.DataFrame(rows, columns=METRIC_COLUMNS)


def test_the_best_mean_validation_model_and_its_best_fold_are_chosen(tmp_path):
    metrics = _metrics(
        {("svm", 0): 0.6, ("svm", 1): 0.9, ("bert", 0): 0.8, ("bert", 1): 0.8, ("bert", 2): 0.7}
    )
    chosen = choose_models(metrics, "t", "best", tmp_path / "chosen.tsv")
    assert chosen[["model", "fold"]].values.tolist() == [["bert", 0]]  # 0.767 > 0.75; tie 0.8: fold 0
    assert chosen_fold(tmp_path / "chosen.tsv", "bert") == 0
    both = choose_models(metrics, "t", ["svm", "bert"])
    assert both[["model", "fold"]].values.tolist() == [["svm", 1], ["bert", 0]]
    with pytest.raises(ConfigError, match=r"model\(s\) \['cnn'\] were not evaluated"):
        choose_models(metrics, "t", ["cnn"])
    with pytest.raises(ConfigError, match="was not chosen"):
        chosen_fold(tmp_path / "chosen.tsv", "svm")


@pytest.fixture
def trained_svm(tmp_path):
    """An SVM trained by run_fold (fold 0) on 20 labelled videos of two topics."""
    lab = pd.DataFrame({"video_id": [f"v{i}" for i in range(20)], "label": ["a"] * 10 + ["b"] * 10})
    splits = make_splits("t", lab, ["a", "b"], folds=1, seed=1).to_pandas()
    texts = [("taxes budget senate" if i < 10 else "football goal match") + f" w{i}" for i in range(20)]
    transcripts = write_parquet(
        [{"video_id": f"v{i}", "n_segments": 1, "text": t, "model": "m"} for i, t in enumerate(texts)],
        tmp_path / "train_transcripts.parquet",
        TRANSCRIPTS,
    )
    workdir = tmp_path / "fold0" / "model"
    run_fold(
        "t", 0, splits, {"transcripts": transcripts}, "svm", {"kind": "svm"}, tmp_path / "p.parquet",
        workdir, classes=["a", "b"],
    )  # fmt: skip
    return workdir


def _shard(tmp_path, texts: dict[str, str | None]):
    videos = write_parquet(
        [{"video_id": v, "source": v, "source_kind": "local"} for v in texts],
        tmp_path / "videos.parquet",
        VIDEOS,
    )
    transcripts = write_parquet(
        [
            {"video_id": v, "n_segments": 1, "text": t, "model": "m"}
            for v, t in texts.items()
            if t is not None
        ],
        tmp_path / "transcripts.parquet",
        TRANSCRIPTS,
    )
    return videos, transcripts


def test_every_video_of_a_shard_is_classified_and_what_it_lacks_is_said(tmp_path, trained_svm):
    videos, transcripts = _shard(
        tmp_path,
        {"new1": "the senate votes on the budget", "new2": "a late goal wins the match", "mute": None},
    )
    out = tmp_path / "classified" / "000000.parquet"
    classify_shard(
        "t", "svm", {"kind": "svm"}, ["a", "b"], trained_svm, 0,
        videos=videos, files={"transcripts": transcripts, "videos": videos}, out=out,
    )  # fmt: skip
    table = read_parquet(out, CLASSIFIED).to_pandas().set_index("video_id")
    assert list(table.index) == ["new1", "new2", "mute"]  # unlabelled videos, all of them
    assert table.loc["new1", "predicted"] == "a" and table.loc["new2", "predicted"] == "b"
    assert list(table.loc["mute", "lacks"]) == ["transcript"] and list(table.loc["new1", "lacks"]) == []
    assert table.loc["mute", "predicted"] in ("a", "b") and (table["fold"] == 0).all()
    csv = tmp_path / "svm.csv"
    gathered = gather_classified([out], tmp_path / "svm.parquet", csv)
    assert len(gathered) == 3
    flat = pd.read_csv(csv, keep_default_na=False)
    assert list(flat.columns) == [
        "video_id",
        "task",
        "model",
        "fold",
        "predicted",
        "score_a",
        "score_b",
        "lacks",
    ]
    assert flat.set_index("video_id").loc["mute", "lacks"] == "transcript"
    dist = distribution([tmp_path / "svm.parquet"])
    assert dist["n"].sum() == 3 and dist["n_lacking_input"].sum() == 1


class FirstClassFrames(Model):
    """A frame model that predicts the first class: it only shows the frames flag."""

    kind = "test_first_class_frames"

    def fit(self, train, validation, workdir):
        return {}

    def load(self, workdir):
        pass

    def predict(self, data):
        import numpy as np

        return [self.classes[0]] * len(data), np.tile([1.0, 0.0], (len(data), 1))


def test_a_video_without_kept_frames_is_flagged(tmp_path, add_model_kind):
    add_model_kind("test_first_class_frames", f"{__name__}:FirstClassFrames", ("frames",), NoParams)
    videos, _ = _shard(tmp_path, {"pics": "x", "blind": "y"})
    frames = write_parquet(
        [{"video_id": "pics", "frame_idx": 0, "timestamp": 0.0, "width": 1, "height": 1, "jpeg": b"j"}],
        tmp_path / "frames.parquet",
        FRAMES,
    )
    dedup = write_parquet(
        [{"video_id": "pics", "frame_idx": 0, "timestamp": 0.0, "kept": True}],
        tmp_path / "dedup.parquet",
        DEDUP,
    )
    out = tmp_path / "c.parquet"
    classify_shard(
        "t", "frames", {"kind": "test_first_class_frames"}, ["a", "b"], tmp_path, 1,
        videos=videos, files={"frames": frames, "dedup": dedup}, out=out,
    )  # fmt: skip
    lacks = dict(
        zip(
            *(read_parquet(out, CLASSIFIED).column(c).to_pylist() for c in ("video_id", "lacks")), strict=True
        )
    )
    assert lacks == {"pics": [], "blind": ["frames"]}


def test_a_model_that_was_not_trained_cannot_classify(tmp_path):
    videos, transcripts = _shard(tmp_path, {"v": "text"})
    with pytest.raises(ModelLoadError, match="cannot read the trained SVM"):
        classify_shard(
            "t", "svm", {"kind": "svm"}, ["a", "b"], tmp_path / "nowhere", 0,
            videos=videos, files={"transcripts": transcripts}, out=tmp_path / "c.parquet",
        )  # fmt: skip


def test_without_validation_predictions_the_first_model_and_fold_0_are_taken(caplog):
    rows = [
        ["t", m, "text", f, "test", "macro_f1", "", 0.9 if m == "svm" else 0.1]
        for m in ("bert", "svm")
        for f in (0, 1)
    ]
    chosen = choose_models(pd.DataFrame(rows, columns=METRIC_COLUMNS), "t")
    assert chosen[["model", "fold"]].values.tolist() == [["bert", 0]]  # not svm: the test split is not used
    assert "no validation predictions" in caplog.text
