"""Splits (:mod:`polimodal.experiments.splits`): stratification, determinism, the same rows for
every model, one task's splits from the sample sheet and the available videos."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polimodal.corpus.experiment_schemas import SPLITS
from polimodal.corpus.schemas import VIDEOS, read_parquet, write_parquet
from polimodal.errors import ConfigError, LabelError
from polimodal.experiments.splits import make_splits, write_splits, write_task_splits


def labels_df(counts: dict[str, int]) -> pd.DataFrame:
    rows = [(f"{c}{i:03d}", c) for c, n in counts.items() for i in range(n)]
    return pd.DataFrame(rows, columns=["video_id", "label"])


def test_structure_and_stratification():
    lab = labels_df({"a": 60, "b": 30, "c": 10})
    df = make_splits("t", lab, ["a", "b", "c"], folds=3, seed=1).to_pandas()
    for _, g in df.groupby("fold"):
        assert set(g["video_id"]) == set(lab["video_id"]), "every video once per fold"
        assert not g["video_id"].duplicated().any()
        n = g.groupby(["split", "label"]).size()
        assert (n["test"]["a"], n["test"]["b"], n["test"]["c"]) == (12, 6, 2)
        assert (n["validation"]["a"], n["validation"]["b"], n["validation"]["c"]) == (10, 5, 2)
        assert (n["train"]["a"], n["train"]["b"], n["train"]["c"]) == (38, 19, 6)
    tests = [set(g.loc[g["split"] == "test", "video_id"]) for _, g in df.groupby("fold")]
    assert tests[0] == tests[1] == tests[2], "the test set is shared by all folds"
    vals = [frozenset(g.loc[g["split"] == "validation", "video_id"]) for _, g in df.groupby("fold")]
    assert len(set(vals)) == 3, "each fold draws its own validation set"


def test_deterministic_and_order_independent():
    lab = labels_df({"a": 20, "b": 15})
    a = make_splits("t", lab, ["a", "b"], seed=5)
    b = make_splits("t", lab.sample(frac=1, random_state=3), ["a", "b"], seed=5)
    assert a.equals(b)
    c = make_splits("t", lab, ["a", "b"], seed=6)
    assert not a.equals(c)


def test_tiny_classes_keep_a_training_example():
    lab = labels_df({"a": 10, "b": 2})
    df = make_splits("t", lab, ["a", "b"], folds=2, seed=0).to_pandas()
    b = df[df["label"] == "b"]
    for _, g in b.groupby("fold"):
        assert sorted(g["split"]) == ["test", "train"]


@settings(deadline=None, max_examples=40)
@given(st.lists(st.integers(2, 40), min_size=2, max_size=4), st.integers(0, 10**6), st.integers(1, 4))
def test_properties(sizes, seed, folds):
    classes = [f"c{i}" for i in range(len(sizes))]
    lab = labels_df(dict(zip(classes, sizes, strict=True)))
    df = make_splits("t", lab, classes, folds=folds, seed=seed).to_pandas()
    assert sorted(df["fold"].unique()) == list(range(folds))
    for _, g in df.groupby("fold"):
        assert len(g) == len(lab)
        train = g[g["split"] == "train"]
        assert set(train["label"]) == set(classes)  # every class is trained on
        for c, n in zip(classes, sizes, strict=True):
            k = int((g[(g["split"] == "test")]["label"] == c).sum())
            assert k == min(max(1, int(np.floor(n * 0.2 + 0.5))), n - 1)


def test_write_splits_schema(tmp_path):
    out = write_splits("t", labels_df({"a": 5, "b": 5}), ["a", "b"], tmp_path / "s.parquet", folds=2, seed=3)
    t = read_parquet(out, SPLITS)
    assert t.num_rows == 20 and set(t.column("split").to_pylist()) == {"train", "validation", "test"}


def test_bad_options():
    with pytest.raises(ConfigError):
        make_splits("t", labels_df({"a": 5, "b": 5}), ["a", "b"], folds=0)
    with pytest.raises(ConfigError):
        make_splits("t", labels_df({"a": 5, "b": 5}), ["a", "b"], test_size=1.0)


def test_write_task_splits_uses_labelled_available_videos(tmp_path):
    sheet = tmp_path / "videos.tsv"
    rows = [(f"v{i:02d}", f"m/{i}.mp4", "dem" if i % 2 else "rep", "" if i >= 16 else "x") for i in range(20)]
    pd.DataFrame(rows, columns=["video_id", "source", "party", "note"]).to_csv(sheet, sep="\t", index=False)
    available = [{"video_id": v, "source": s, "source_kind": "local"} for v, s, *_ in rows if v != "v03"]
    videos = write_parquet(available, tmp_path / "videos.parquet", VIDEOS)
    cfg = {"values": ["dem", "rep"], "subset": {"note": ["x"]}}
    out = write_task_splits("party", cfg, sheet, videos, tmp_path / "s.parquet", folds=2, seed=3)
    df = read_parquet(out, SPLITS).to_pandas()
    # rows 16-19 are outside the subset, v03 is unavailable
    assert set(df["video_id"]) == {f"v{i:02d}" for i in range(16)} - {"v03"}
    assert sorted(df["fold"].unique()) == [0, 1] and (df["task"] == "party").all()
    expected = make_splits(
        "party", df[df["fold"] == 0][["video_id", "label"]], ["dem", "rep"], folds=2, seed=3
    )
    assert (
        expected.to_pandas()
        .sort_values(["fold", "video_id"])
        .reset_index(drop=True)
        .equals(df.sort_values(["fold", "video_id"]).reset_index(drop=True))
    )
    with pytest.raises(LabelError, match="party"):
        write_task_splits("party", {"values": ["dem", "green"]}, sheet, videos, tmp_path / "x.parquet")
    with pytest.raises(ConfigError, match="folds"):
        write_task_splits("party", cfg, sheet, videos, tmp_path / "x.parquet", folds=0)


def test_a_class_lost_to_the_languages_filter_is_named_with_the_exclusions(tmp_path, caplog):
    import logging

    from polimodal.corpus.schemas import TRANSCRIPTS, table_from_rows
    from polimodal.extract.language import write_excluded

    sheet = tmp_path / "videos.tsv"
    rows = [(f"v{i:02d}", f"m/{i}.mp4", "dem" if i < 6 else "rep") for i in range(12)]
    pd.DataFrame(rows, columns=["video_id", "source", "party"]).to_csv(sheet, sep="\t", index=False)
    videos = write_parquet(
        [{"video_id": v, "source": s, "source_kind": "local"} for v, s, _ in rows],
        tmp_path / "videos.parquet",
        VIDEOS,
    )
    # every rep video is in German or Danish, the dem ones in English; the run keeps English only
    said = {v: ("en" if p == "dem" else "de" if int(v[1:]) < 10 else "da") for v, _, p in rows}
    texts = [{"video_id": v, "language": lang, "language_probability": 0.9, "n_segments": 1, "text": "x",
              "model": "m"} for v, lang in said.items()]  # fmt: skip
    write_parquet(table_from_rows(texts, TRANSCRIPTS), tmp_path / "t.parquet", TRANSCRIPTS)
    excluded = tmp_path / "excluded.parquet"
    write_excluded(tmp_path / "t.parquet", videos, ["en"], excluded)
    cfg = {"values": ["dem", "rep"]}
    with pytest.raises(
        LabelError,
        match=r"task 'party': config `languages` leaves a class with too few videos: it excluded 6 of the "
        r"task's 12 videos by their detected language \(de: 4, da: 2\); value 'rep' has 0 example\(s\) left",
    ):
        write_task_splits("party", cfg, sheet, videos, tmp_path / "s.parquet", excluded=excluded)
    write_excluded(tmp_path / "t.parquet", videos, ["en", "de"], excluded)
    with caplog.at_level(logging.INFO, logger="polimodal.experiments.tasks"):
        out = write_task_splits("party", cfg, sheet, videos, tmp_path / "s.parquet", excluded=excluded)
    assert set(read_parquet(out, SPLITS).column("video_id").to_pylist()) == {
        "v" + f"{i:02d}" for i in range(10)
    }
    assert "config languages: 2 video(s) excluded by their detected language (da: 2)" in caplog.text
    assert "task party: the languages filter excluded 2 of its 12 videos (da: 2)" in caplog.text
