"""The audio track as 16 kHz mono Opus or FLAC, decoded with ffmpeg's error tolerance."""

from __future__ import annotations

import numpy as np
import pytest
from faster_whisper import decode_audio

from polimodal.errors import ConfigError, MediaUnavailable
from polimodal.extract.audio import (
    SAMPLE_RATE,
    AudioOptions,
    extract_audio,
    flac_samples,
    opus_samples,
)
from polimodal.extract.audio import (
    decode_audio as decode_stored,
)
from polimodal.extract.pitch import pitch_track
from polimodal.extract.probe import probe
from polimodal.synthetic.media import make_damaged_avi, make_video

SPEECH = "the parliament votes on the budget and the minister speaks about taxes"


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    """AVI clips whose first / last AC3 frame header is damaged."""
    root = tmp_path_factory.mktemp("damaged")
    return {
        "first": make_damaged_avi(root / "first.avi", speech=SPEECH, frame=0),
        "last": make_damaged_avi(root / "last.avi", speech=SPEECH, frame=-1),
    }


FLAC = AudioOptions(codec="flac")


def test_flac_round_trip_keeps_every_sample(tmp_path):
    clip = make_video(tmp_path / "a.mp4", duration=3.0, speech="hello world", video=False)
    row = extract_audio(clip, stream_duration=probe(clip).audio_duration, video_id="a", options=FLAC)
    assert row["video_id"] == "a" and row["sample_rate"] == SAMPLE_RATE and row["codec"] == "flac"
    assert flac_samples(row["audio"]) == (SAMPLE_RATE, row["n_samples"])
    samples = decode_stored(row["audio"])
    assert samples.dtype == np.float32 and len(samples) == row["n_samples"]
    assert row["duration"] == pytest.approx(3.0, abs=0.1) and row["lost_seconds"] == 0.0
    # the same samples as ffmpeg's own 16 kHz mono decoding of the file (within 16-bit rounding)
    reference = decode_audio(str(clip), sampling_rate=SAMPLE_RATE)
    n = min(len(reference), len(samples))
    assert n > 0.95 * len(reference)
    assert np.abs(reference[:n] - samples[:n]).max() < 2e-3


@pytest.fixture(scope="module")
def speech_clip(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("speech") / "s.mp4", duration=5.0, speech=SPEECH, video=False)


def test_opus_is_the_default_and_decodes_to_the_same_time_line(speech_clip):
    opus = extract_audio(speech_clip, stream_duration=probe(speech_clip).audio_duration)
    flac = extract_audio(speech_clip, stream_duration=probe(speech_clip).audio_duration, options=FLAC)
    assert opus["codec"] == "opus" and opus["audio"][:4] == b"OggS"
    assert opus_samples(opus["audio"]) == (SAMPLE_RATE, opus["n_samples"])
    lossy, lossless = decode_stored(opus["audio"]), decode_stored(flac["audio"])
    # as many samples as the lossless track (the encoder's pre-skip is removed on decoding)
    assert len(lossy) == opus["n_samples"] == flac["n_samples"] == len(lossless)
    assert len(opus["audio"]) * 4 < len(flac["audio"])  # 24 kbit/s vs ~250 kbit/s of FLAC
    # no time shift: the cross-correlation peaks within 1 ms of lag 0
    lags = np.arange(-160, 161)
    corr = [float(np.dot(lossless[160:-160], np.roll(lossy, -k)[160:-160])) for k in lags]
    assert abs(lags[int(np.argmax(corr))]) <= SAMPLE_RATE // 1000
    # Praat's F0 on the frames voiced in both tracks: the same within a semitone, nearly everywhere
    a, b = pitch_track(lossless), pitch_track(lossy)
    common, ia, ib = np.intersect1d(np.round(a["time"], 3), np.round(b["time"], 3), return_indices=True)
    assert len(common) > 0.8 * len(a["time"]) > 50
    semitones = 12 * np.abs(np.log2(a["f0"][ia] / b["f0"][ib]))
    assert np.median(semitones) < 0.1 and np.mean(semitones < 1) > 0.95


def test_audio_options_are_checked():
    with pytest.raises(ConfigError, match="bitrate"):
        AudioOptions.from_config({"bitrate": 2})
    with pytest.raises(ConfigError, match="codec"):
        AudioOptions.from_config({"codec": "mp3"})
    assert AudioOptions.from_config(None) == AudioOptions(codec="opus", bitrate=24)


def test_a_stored_track_that_is_not_audio_does_not_decode():
    with pytest.raises(Exception):  # noqa: B017 (PyAV's error for an unreadable stream)
        decode_stored(b"OggS not really a stream at all")


@pytest.mark.parametrize("which", ["first", "last"])
def test_a_damaged_packet_loses_that_packet_only(damaged, which):
    path = damaged[which]
    announced = probe(path).audio_duration
    # what the transcript stage used to do: faster-whisper's decoder gives up on the track
    try:
        got = decode_audio(str(path), sampling_rate=SAMPLE_RATE).size / SAMPLE_RATE
    except Exception:  # PyAV raises on the damaged frame
        got = 0.0
    assert got < 0.5 * announced
    row = extract_audio(path, stream_duration=announced)
    assert row["duration"] > 0.95 * announced
    assert 0 < row["lost_seconds"] < 0.2  # one AC3 frame (32 ms) and what the decoder resyncs over
    assert row["duration"] + row["lost_seconds"] == pytest.approx(announced, abs=1e-6)


def test_a_file_without_decodable_audio_is_corrupt(tmp_path):
    bogus = tmp_path / "x.mp4"
    bogus.write_bytes(b"\x00" * 4096)
    with pytest.raises(MediaUnavailable, match="corrupt"):
        extract_audio(bogus)
