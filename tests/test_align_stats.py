"""Pitch by group and the highest-pitched words (:mod:`polimodal.align.stats`), on the table of
``conftest.aligned_words`` whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from polimodal.align.stats import highest_pitch, pitch_by_group
from polimodal.errors import ConfigError


def test_pitch_by_group_with_reference_and_intervals(aligned_words, party_sheet):
    out = pitch_by_group(aligned_words, party_sheet, "party", pattern="tax")
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


def test_video_level_and_segments(aligned_words, party_sheet):
    video = pitch_by_group(
        aligned_words, party_sheet, ["party"], pattern="tax", level="video", reference=False
    )
    assert video.n_videos.tolist() == [2, 2] and video.matches.all()
    assert video["mean"].tolist() == pytest.approx([2.1, (0.5 + 0.7) / 2])  # b2: its voiced "Tax," only
    seg = pitch_by_group(
        aligned_words, party_sheet, "party", words=["budget"], unit="segment", reference=False
    )
    # segment 0 of each video: "the Tax, budget" -> voiced-weighted mean of 0, z_tax, 0
    assert seg.n.tolist() == [2, 2] and seg["mean"].tolist() == pytest.approx([2.1 / 3, 0.6 / 3])
    nobody = pitch_by_group(aligned_words, None, pattern="nothing-matches")
    assert not nobody.matches.any() and nobody.n.sum() == 23


def test_bad_queries_name_the_problem(aligned_words, party_sheet):
    with pytest.raises(ConfigError, match="addressee"):
        pitch_by_group(aligned_words, party_sheet, "addressee", pattern="tax")
    with pytest.raises(ConfigError, match="measure"):
        pitch_by_group(aligned_words, party_sheet, "party", pattern="tax", measure="loudness")


def test_highest_pitch(aligned_words):
    top = highest_pitch(aligned_words, n=3)
    assert top.video_id.tolist() == ["a2", "a2", "a1"] and set(top.word) <= {"Tax,", "tax"}
