"""Praat pitch of the stored audio: known pitch differences come out, silence gives no rows."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

from polimodal.corpus.schemas import AUDIO, PITCH, VIDEOS, read_parquet, write_parquet
from polimodal.errors import ConfigError
from polimodal.extract.audio import SAMPLE_RATE, extract_audio
from polimodal.extract.pitch import PitchOptions, pitch_shard, pitch_track
from polimodal.synthetic.media import make_video, speak

SPEECH = "The senate votes on the federal budget and the new tax bill this week"


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as f:
        raw = np.frombuffer(f.readframes(f.getnframes()), dtype=np.int16)
        return raw.astype(np.float32) / 32768, f.getframerate()


@pytest.fixture(scope="module")
def voice(tmp_path_factory):
    """espeak-ng speech at its default pitch, 16 kHz."""
    x, sr = read_wav(speak(SPEECH, tmp_path_factory.mktemp("voice") / "a.wav"))
    return resample_poly(x, SAMPLE_RATE, sr).astype(np.float32)


def test_a_pure_tone_has_its_frequency():
    t = np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE
    track = pitch_track(0.3 * np.sin(2 * np.pi * 180 * t), SAMPLE_RATE)
    assert len(track["f0"]) > 150  # 10 ms frames over ~2 s, all voiced
    assert np.median(track["f0"]) == pytest.approx(180, abs=1)
    assert np.all(np.diff(track["time"]) == pytest.approx(0.01))


def test_the_same_voice_shifted_by_50_hz_comes_out_50_hz_higher(voice):
    """Known truth: playing the samples 1.5 times faster multiplies every F0 by exactly 1.5
    (espeak-ng's default voice, ~100 Hz, becomes ~150 Hz: about 50 Hz apart)."""
    low = pitch_track(voice)
    high = pitch_track(resample_poly(voice, 2, 3))  # 2/3 of the samples at the same rate
    lo, hi = np.median(low["f0"]), np.median(high["f0"])
    assert 85 < lo < 120
    assert hi / lo == pytest.approx(1.5, rel=0.03)
    assert hi - lo == pytest.approx(0.5 * lo, abs=3)


def test_two_espeak_pitch_settings_come_out_about_50_hz_apart(tmp_path):
    """espeak-ng's -p 40 and -p 80 voices (about 92 and 138 Hz) differ by 40-55 Hz."""
    f0 = {}
    for p in (40, 80):
        x, sr = read_wav(speak(SPEECH, tmp_path / f"{p}.wav", pitch=p))
        f0[p] = float(np.median(pitch_track(x, sr)["f0"]))
    assert 40 < f0[80] - f0[40] < 55, f0


def test_silence_and_short_audio_have_no_voiced_frame():
    assert len(pitch_track(np.zeros(SAMPLE_RATE))["f0"]) == 0
    assert len(pitch_track(np.zeros(10))["time"]) == 0
    rng = np.random.default_rng(0)
    assert len(pitch_track(0.01 * rng.standard_normal(SAMPLE_RATE))["f0"]) < 5  # noise: (almost) unvoiced


def test_options_are_checked():
    with pytest.raises(ConfigError, match="floor < ceiling"):
        PitchOptions.from_config({"floor": 500, "ceiling": 75})
    with pytest.raises(ConfigError, match="unknown"):
        PitchOptions.from_config({"flor": 60})
    # the ceiling bounds what is found: a 300 Hz tone under a 200 Hz ceiling comes out an octave low
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    capped = pitch_track(np.sin(2 * np.pi * 300 * t), options=PitchOptions(ceiling=200))["f0"]
    assert len(capped) and (capped <= 200).all()


def test_pitch_shard_writes_voiced_frames_of_each_video(tmp_path):
    speech = make_video(tmp_path / "speech.mp4", duration=4, speech="hello parliament", video=False)
    silent = make_video(tmp_path / "silent.mp4", duration=2, video=False)
    audio = [extract_audio(p, video_id=p.stem) for p in (speech, silent)]
    write_parquet(audio, tmp_path / "audio.parquet", AUDIO)
    videos = [
        {"video_id": v, "source": v, "source_kind": "local", "audio_digest": d}
        for v, d in [("speech", "a"), ("silent", "b"), ("noaudio", None)]
    ]
    write_parquet(videos, tmp_path / "videos.parquet", VIDEOS)
    out = tmp_path / "pitch.parquet"
    pitch_shard(tmp_path / "videos.parquet", tmp_path / "audio.parquet", out)
    table = read_parquet(out, PITCH).to_pandas()
    assert set(table.video_id) == {"speech"}  # silence and no audio: no rows, no error
    assert len(table) > 20 and table.f0.between(75, 500).all() and table.intensity.notna().all()
    assert table.time.is_monotonic_increasing and table.time.max() < 4
    assert not out.with_name(out.name + ".parts").exists()
