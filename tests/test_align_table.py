"""The aligned table: each word gets the pitch frames of its own time span and the frame shown."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy.signal import resample_poly
from test_extract_pitch import read_wav

from polimodal.align.table import align_shard, aligned_words, word_rows
from polimodal.corpus.schemas import ALIGNED, DEDUP, PITCH, SEGMENTS, read_parquet, write_parquet
from polimodal.extract.audio import SAMPLE_RATE
from polimodal.extract.pitch import pitch_table, pitch_track
from polimodal.synthetic.media import speak


@pytest.fixture(scope="module")
def two_voices(tmp_path_factory):
    """1.5 s of a low voice (-p 20), 1 s of silence, 1.5 s of a high voice (-p 90), 16 kHz."""
    root = tmp_path_factory.mktemp("voices")
    parts = []
    for p in (20, 90):
        x, sr = read_wav(speak("budget budget budget", root / f"{p}.wav", pitch=p))
        x = resample_poly(x, SAMPLE_RATE, sr)
        voiced = np.flatnonzero(np.abs(x) > 0.02)
        x = x[voiced[0] : voiced[0] + int(1.5 * SAMPLE_RATE)]
        parts.append(np.pad(x, (0, int(1.5 * SAMPLE_RATE) - len(x))))
    return np.concatenate([parts[0], np.zeros(SAMPLE_RATE), parts[1]]).astype(np.float32)


def segments(vid="v"):
    words = [
        {"word": " Low", "start": 0.2, "end": 1.3, "probability": 0.9},
        {"word": " quiet", "start": 1.7, "end": 2.3, "probability": 0.5},  # in the silence
        {"word": " high.", "start": 2.7, "end": 3.8, "probability": 0.9},
    ]
    return pd.DataFrame(
        [
            {
                "video_id": vid,
                "segment_id": 0,
                "start": 0.2,
                "end": 2.3,
                "text": "Low quiet",
                "words": words[:2],
            },
            {"video_id": vid, "segment_id": 1, "start": 2.7, "end": 3.8, "text": "high.", "words": words[2:]},
        ]
    )


def dedup(vid="v"):
    # frames at 0, 1, 2, 3 s: frame 3 duplicates frame 0 (dropped)
    return pd.DataFrame(
        {
            "video_id": vid,
            "frame_idx": [0, 1, 2, 3],
            "timestamp": [0.0, 1.0, 2.0, 3.0],
            "kept": [True, True, True, False],
            "duplicate_of": pd.array([None, None, None, 0], "Int32"),
        }
    )


def test_words_get_the_pitch_of_their_own_time_span(two_voices):
    pitch = pitch_table("v", pitch_track(two_voices)).to_pandas()
    table = aligned_words(segments(), pitch, dedup()).to_pandas()
    assert table.word.tolist() == ["Low", "quiet", "high."]
    assert table.word_idx.tolist() == [0, 1, 2] and table.segment_id.tolist() == [0, 0, 1]
    for row in table.itertuples():
        inside = pitch[(pitch.time >= row.start) & (pitch.time < row.end)]
        assert row.n_voiced == len(inside)  # exactly the PITCH rows within the word's timestamps
        if len(inside):
            assert row.f0_mean == pytest.approx(inside.f0.mean(), rel=1e-5)
            assert row.f0_min == pytest.approx(inside.f0.min()) and row.f0_max == pytest.approx(
                inside.f0.max()
            )
    low, quiet, high = table.itertuples()
    assert low.n_voiced > 15 and high.n_voiced > 15
    assert quiet.n_voiced == 0 and np.isnan(quiet.f0_mean) and np.isnan(quiet.f0_mean_z)  # null, not 0
    assert high.f0_mean - low.f0_mean > 50  # -p 90 vs -p 20
    # speaker-relative: the video's mean F0 lies between the two voices
    assert low.f0_mean_z < 0 < high.f0_mean_z
    mu, sd = pitch.f0.mean(), pitch.f0.std(ddof=1)
    assert high.f0_mean_z == pytest.approx((high.f0_mean - mu) / sd, rel=1e-4)
    assert high.f0_sd_z == pytest.approx(high.f0_sd / sd, rel=1e-4)
    # the frame shown at each midpoint (0.75 s -> 1, 2.0 s -> 2, 3.25 s -> 3, a duplicate of 0)
    assert table.frame_idx.tolist() == [1, 2, 0]
    assert table.frame_timestamp.tolist() == [1.0, 2.0, 0.0]


def test_align_shard_writes_the_declared_schema(tmp_path, two_voices):
    write_parquet(pitch_table("v", pitch_track(two_voices)), tmp_path / "pitch.parquet", PITCH)
    seg = pd.concat([segments("v"), segments("nopitch")])
    write_parquet(seg.to_dict("records"), tmp_path / "segments.parquet", SEGMENTS)
    write_parquet(
        pa.Table.from_pandas(dedup().assign(max_similarity=None), preserve_index=False),
        tmp_path / "dedup.parquet",
        DEDUP,
    )
    counts = align_shard(
        tmp_path / "segments.parquet",
        tmp_path / "pitch.parquet",
        tmp_path / "a.parquet",
        tmp_path / "dedup.parquet",
    )
    table = read_parquet(tmp_path / "a.parquet", ALIGNED).to_pandas()
    assert counts == {"words": 6, "voiced_words": 2, "videos": 2}
    other = table[table.video_id == "nopitch"]
    assert other.f0_mean.isna().all() and other.frame_idx.isna().all()  # no pitch, no frames: nulls


def test_no_words_no_rows():
    empty = pd.DataFrame(columns=SEGMENTS.names)
    assert aligned_words(empty, PITCH.empty_table().to_pandas()).num_rows == 0
    silent = pd.DataFrame([{"video_id": "s", "segment_id": 0, "words": None}])
    assert word_rows(silent).empty


def test_words_get_their_speaker_and_pitch_relative_to_that_speakers_own(two_voices):
    pitch = pitch_table("v", pitch_track(two_voices)).to_pandas()
    turns = pd.DataFrame(
        {"video_id": "v", "start": [0.0, 2.5], "end": [1.5, 4.0], "speaker": ["SPEAKER_00", "SPEAKER_01"]}
    )
    table = aligned_words(segments(), pitch, dedup(), turns).to_pandas()
    low, quiet, high = table.itertuples()
    assert (low.speaker, high.speaker) == ("SPEAKER_00", "SPEAKER_01")
    assert pd.isna(quiet.speaker)  # said in the silence between turns: no speaker
    for row, (a, b) in ((low, (0.0, 1.5)), (high, (2.5, 4.0))):
        own = pitch[(pitch.time >= a) & (pitch.time < b)].f0
        assert row.f0_mean_speaker_z == pytest.approx((row.f0_mean - own.mean()) / own.std(ddof=1), rel=1e-4)
        assert abs(row.f0_mean_speaker_z) < 1  # each voice near its own mean ...
    assert low.f0_mean_z < -0.5 and high.f0_mean_z > 0.5  # ... far from the video's (unchanged)
    assert np.isnan(quiet.f0_mean_speaker_z)
    without = aligned_words(segments(), pitch, dedup()).to_pandas()  # no diarization: nulls
    assert without.speaker.isna().all() and without.f0_mean_speaker_z.isna().all()
    pd.testing.assert_frame_equal(
        without.drop(columns=["speaker", "f0_mean_speaker_z", "f0_median_speaker_z"]),
        table.drop(columns=["speaker", "f0_mean_speaker_z", "f0_median_speaker_z"]),
    )
