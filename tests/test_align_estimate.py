"""The pitch estimate: a mixed model recovers a known effect per group and their difference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from polimodal.align.estimate import pitch_effect, pitch_interaction
from polimodal.errors import ConfigError


def _aligned(effect: dict[str, float], videos_per_speaker: int = 5, seed: int = 0):
    """Words of videos by speakers; a video's own level is random; "tax" is raised by ``effect``."""
    rng = np.random.default_rng(seed)
    rows, sheet = [], []
    for speaker, lift in effect.items():
        for v in range(videos_per_speaker):
            vid = f"{speaker}{v}"
            sheet.append(
                {"video_id": vid, "speaker": speaker, "party": "left" if speaker == "A" else "right"}
            )
            level = rng.normal(0, 0.5)  # the random intercept of the video
            for i in range(60):
                word = "tax" if i % 6 == 0 else f"word{i}"
                z = level + (lift if word == "tax" else 0.0) + rng.normal(0, 0.3)
                rows.append(
                    {
                        "video_id": vid,
                        "segment_id": i // 10,
                        "word": word,
                        "start": i * 0.5,
                        "end": i * 0.5 + 0.4,
                        "n_voiced": 10,
                        "f0_mean": 120.0,
                        "f0_mean_z": z,
                    }
                )
    return pd.DataFrame(rows), pd.DataFrame(sheet)


def test_the_effect_per_group_is_recovered_with_its_interval():
    aligned, sheet = _aligned({"A": 1.0, "B": 0.0})
    out = pitch_effect(aligned, sheet, "speaker", pattern="tax").set_index("speaker")
    a, b = out.loc["A"], out.loc["B"]
    assert a["method"] == "mixed" and a["n_clusters"] == 5 and a["n_matching"] == 50
    assert a["ci_low"] > 0.8 and a["ci_high"] < 1.2  # the truth, 1.0, inside a tight interval
    assert b["ci_low"] < 0 < b["ci_high"] and abs(b["effect"]) < 0.15
    assert a["p_value"] < 1e-6


def test_the_interaction_gives_the_difference_between_groups():
    aligned, sheet = _aligned({"A": 1.0, "B": 0.0, "C": 0.5})
    out = pitch_interaction(aligned, sheet, "speaker", pattern="tax").set_index("term")
    assert list(out.index) == ["matches (speaker=A)", "matches × speaker=B", "matches × speaker=C"]
    assert out.loc["matches (speaker=A)", "effect"] == pytest.approx(1.0, abs=0.15)
    b, c = out.loc["matches × speaker=B"], out.loc["matches × speaker=C"]
    assert b["effect"] == pytest.approx(-1.0, abs=0.15) and b["ci_high"] < -0.7
    assert c["ci_low"] < -0.5 < c["ci_high"] < 0
    # another reference: B's effect first, A then 1.0 larger
    other = pitch_interaction(aligned, sheet, "speaker", pattern="tax", reference="B").set_index("term")
    assert other.loc["matches × speaker=A", "effect"] == pytest.approx(1.0, abs=0.15)


def test_clusters_come_from_a_sheet_column_and_few_clusters_fall_back():
    aligned, sheet = _aligned({"A": 1.0, "B": 0.0}, videos_per_speaker=1)
    # one video per speaker: per speaker one cluster, no model at all; over both: OLS (2 clusters)
    per = pitch_effect(aligned, sheet, "speaker", pattern="tax")
    assert set(per["method"]) == {"none"} and per["effect"].isna().all()
    both = pitch_effect(aligned, sheet, (), pattern="tax", cluster="speaker")
    assert both.loc[0, "method"] == "ols, few clusters" and both.loc[0, "n_clusters"] == 2
    assert both.loc[0, "ci_low"] < both.loc[0, "effect"] < both.loc[0, "ci_high"]
    assert both.loc[0, "effect"] == pytest.approx(0.5, abs=0.25)


def test_bad_columns_are_named():
    aligned, sheet = _aligned({"A": 1.0})
    with pytest.raises(ConfigError, match="'country'"):
        pitch_effect(aligned, sheet, "country", pattern="tax")
    with pytest.raises(ConfigError, match="reference group 'Z'"):
        pitch_interaction(aligned, sheet, "speaker", pattern="tax", reference="Z")


def _debates(n_videos: int = 12, lift: float = 0.5, seed: int = 1):
    """Videos of two diarized speakers each: SPEAKER_01's voice 1.5 sd above SPEAKER_00's (both
    against the video's own pitch, f0_mean_z), and SPEAKER_01 says "tax" four times as often;
    "tax" is raised by ``lift`` for both."""
    rng = np.random.default_rng(seed)
    rows = []
    for v in range(n_videos):
        level = rng.normal(0, 0.5)
        for i in range(120):
            speaker = i % 2
            word = "tax" if i % (6 if speaker else 24) == speaker else f"word{i}"
            z = level + 1.5 * speaker + (lift if word == "tax" else 0.0) + rng.normal(0, 0.3)
            rows.append(
                {"video_id": f"d{v}", "segment_id": i // 10, "word": word, "start": i * 0.5,
                 "end": i * 0.5 + 0.4, "n_voiced": 10, "f0_mean": 120.0, "f0_mean_z": z,
                 "speaker": f"SPEAKER_{speaker:02d}"}
            )  # fmt: skip
    return pd.DataFrame(rows)


def test_the_diarized_speaker_as_random_effect_recovers_the_effect_a_per_video_one_blurs():
    aligned = _debates()
    per_video = pitch_effect(aligned, None, (), pattern="tax").loc[0]
    per_speaker = pitch_effect(aligned, None, (), pattern="tax", cluster="video_speaker").loc[0]
    assert per_speaker["method"] == "mixed" and per_speaker["n_clusters"] == 24  # 2 speakers x 12
    assert per_speaker["ci_low"] < 0.5 < per_speaker["ci_high"]
    assert per_speaker["effect"] == pytest.approx(0.5, abs=0.1)
    assert per_video["effect"] > 0.8  # the high voice's "tax" counted as raised pitch
    # the query's means grouped by diarized speaker: one group per speaker of each video
    from polimodal.align.stats import pitch_by_group

    groups = pitch_by_group(aligned, None, ["video_speaker"], pattern="tax")
    assert set(groups["video_speaker"]) == {f"d{v}:SPEAKER_0{s}" for v in range(12) for s in (0, 1)}


def test_the_diarized_speaker_needs_diarization():
    aligned, sheet = _aligned({"A": 1.0})
    with pytest.raises(ConfigError, match=r"speakers\.enabled"):
        pitch_effect(aligned, sheet, (), pattern="tax", cluster="video_speaker")
    with pytest.raises(ConfigError, match=r"speakers\.enabled"):
        pitch_effect(aligned.assign(speaker=None), sheet, (), pattern="tax", cluster="video_speaker")


def test_a_sheet_column_named_speaker_wins_over_the_diarized_one():
    """The demo's sheet names each video's speaker; the aligned table's diarized `speaker`
    column (null without diarization) must not hide it."""
    aligned, sheet = _aligned({"A": 1.0, "B": 0.0})
    out = pitch_effect(aligned.assign(speaker=None), sheet, "speaker", pattern="tax")
    assert out["speaker"].tolist() == ["A", "B"]
