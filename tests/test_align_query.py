"""Cross-modal queries on a small hand-built aligned table whose answers are known."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from scipy import stats

from polimodal.align.query import (
    QueryOptions,
    contact_sheet,
    frames_while_said,
    highest_pitch,
    pitch_by_group,
    plot_pitch_by_group,
    select,
)
from polimodal.corpus.schemas import FRAMES, write_parquet
from polimodal.errors import ConfigError
from polimodal.synthetic.xor import solid_jpeg


@pytest.fixture
def aligned():
    """Four videos (two per party); 'tax' is said at z = 2 in party A's videos, z = 0.5 in B's;
    every other word at z = 0; one 'Tax' is unvoiced (null)."""
    rows = []
    for vid, z_tax in [("a1", 2.0), ("a2", 2.2), ("b1", 0.5), ("b2", 0.7)]:
        words = ["the", "Tax,", "budget", "taxes", "tax", "vote"]
        for k, w in enumerate(words):
            z = z_tax if w.strip(",").lower() == "tax" else 0.0
            unvoiced = vid == "b2" and k == 4
            rows.append(
                {"video_id": vid, "segment_id": k // 3, "word_idx": k, "word": w, "start": float(k),
                 "end": k + 0.5, "n_voiced": 0 if unvoiced else 10,
                 "f0_mean": np.nan if unvoiced else 120 + 20 * z, "f0_mean_z": np.nan if unvoiced else z,
                 "frame_idx": k // 2}
            )  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture
def sheet():
    return pd.DataFrame({"video_id": ["a1", "a2", "b1", "b2"], "party": ["A", "A", "B", "B"], "x": 1})


def test_words_match_whole_words_any_case(aligned):
    hits = select(aligned, pattern="tax")
    assert sorted(hits[hits.matches].word.unique()) == ["Tax,", "tax"]  # not "taxes"
    assert select(aligned, pattern="tax(es)?").matches.sum() == 12
    assert select(aligned, words=["budget", "vote"]).matches.sum() == 8
    with pytest.raises(ConfigError, match="exactly one"):
        select(aligned)
    with pytest.raises(ConfigError, match="pattern"):
        select(aligned, pattern="(")


def test_pitch_by_group_with_reference_and_intervals(aligned, sheet):
    out = pitch_by_group(aligned, sheet, "party", pattern="tax")
    assert list(out.columns) == ["party", "matches", "n", "n_videos", "mean", "sd", "ci_low", "ci_high"]
    a = out[(out.party == "A") & out.matches].iloc[0]
    b = out[(out.party == "B") & out.matches].iloc[0]
    assert a.n == 4 and a.n_videos == 2 and a["mean"] == pytest.approx(2.1)
    assert b.n == 3 and b["mean"] == pytest.approx((0.5 + 0.5 + 0.7) / 3)  # the unvoiced one left out
    values = np.array([2.0, 2.0, 2.2, 2.2])
    half = stats.t.ppf(0.975, 3) * values.std(ddof=1) / 2
    assert (a.ci_low, a.ci_high) == pytest.approx((2.1 - half, 2.1 + half))
    ref = out[~out.matches]
    assert set(ref.party) == {"A", "B"} and (ref["mean"] == 0).all() and (ref.n == 8).all()


def test_video_level_and_segments(aligned, sheet):
    video = pitch_by_group(aligned, sheet, ["party"], pattern="tax", level="video", reference=False)
    assert video.n_videos.tolist() == [2, 2] and video.matches.all()
    assert video["mean"].tolist() == pytest.approx([2.1, (0.5 + 0.7) / 2])  # b2: its voiced "Tax," only
    seg = pitch_by_group(aligned, sheet, "party", words=["budget"], unit="segment", reference=False)
    # segment 0 of each video: "the Tax, budget" -> voiced-weighted mean of 0, z_tax, 0
    assert seg.n.tolist() == [2, 2] and seg["mean"].tolist() == pytest.approx([2.1 / 3, 0.6 / 3])
    nobody = pitch_by_group(aligned, None, pattern="nothing-matches")
    assert not nobody.matches.any() and nobody.n.sum() == 23


def test_bad_queries_name_the_problem(aligned, sheet):
    with pytest.raises(ConfigError, match="addressee"):
        pitch_by_group(aligned, sheet, "addressee", pattern="tax")
    with pytest.raises(ConfigError, match="measure"):
        pitch_by_group(aligned, sheet, "party", pattern="tax", measure="loudness")


def test_highest_pitch_and_plot(aligned, sheet, tmp_path):
    top = highest_pitch(aligned, n=3)
    assert top.video_id.tolist() == ["a2", "a2", "a1"] and set(top.word) <= {"Tax,", "tax"}
    out = plot_pitch_by_group(
        pitch_by_group(aligned, sheet, "party", pattern="tax"), tmp_path / "q.png", by="party"
    )
    assert Image.open(out).size[0] > 300


def test_frames_while_said_make_a_contact_sheet(aligned, tmp_path):
    rows = [
        {"video_id": v, "frame_idx": f, "timestamp": float(f), "width": 32, "height": 32,
         "jpeg": solid_jpeg((200, 0, 0) if f == 0 else (0, 0, 200), size=32)}
        for v in ("a1", "b1") for f in range(3)
    ]  # fmt: skip
    path = write_parquet(rows, tmp_path / "frames.parquet", FRAMES)
    items = frames_while_said(aligned, [path], pattern="budget")  # word 2 -> frame 1 (blue)
    assert [c for c, _ in items] == ["a1 #1: budget", "b1 #1: budget"]
    assert np.asarray(Image.open(io.BytesIO(items[0][1]))).mean(axis=(0, 1))[2] > 150
    sheet = contact_sheet(items, tmp_path / "sheet.jpg", columns=2, side=64)
    assert Image.open(sheet).size == (128, 64 + 16)
    assert frames_while_said(aligned, [path], pattern="nothing") == []


def test_query_options_and_an_empty_contact_sheet(tmp_path):
    assert not QueryOptions.from_config({}).enabled
    assert QueryOptions.from_config({"words": ["AfD"], "by": ["party"]}).enabled
    with pytest.raises(ConfigError, match="measure"):
        QueryOptions.from_config({"pattern": "x", "measure": "word"})
    with pytest.raises(ConfigError, match="pattern"):
        QueryOptions.from_config({"pattern": "("})
    with pytest.raises(ConfigError, match="unit"):
        QueryOptions.from_config({"pattern": "x", "unit": "sentence"})
    blank = contact_sheet([], tmp_path / "none.jpg")  # says so rather than failing the report
    assert Image.open(blank).size[1] == 40
