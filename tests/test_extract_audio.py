"""The audio track as 16 kHz mono FLAC, decoded with ffmpeg's error tolerance."""

from __future__ import annotations

import numpy as np
import pytest
from faster_whisper import decode_audio

from polimodal.errors import MediaUnavailable
from polimodal.extract.audio import SAMPLE_RATE, decode_flac, extract_audio, flac_samples
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


def test_flac_round_trip_keeps_every_sample(tmp_path):
    clip = make_video(tmp_path / "a.mp4", duration=3.0, speech="hello world", video=False)
    row = extract_audio(clip, stream_duration=probe(clip).audio_duration, video_id="a")
    assert row["video_id"] == "a" and row["sample_rate"] == SAMPLE_RATE
    assert flac_samples(row["flac"]) == (SAMPLE_RATE, row["n_samples"])
    samples = decode_flac(row["flac"])
    assert samples.dtype == np.float32 and len(samples) == row["n_samples"]
    assert row["duration"] == pytest.approx(3.0, abs=0.1) and row["lost_seconds"] == 0.0
    # the same samples as ffmpeg's own 16 kHz mono decoding of the file (within 16-bit rounding)
    reference = decode_audio(str(clip), sampling_rate=SAMPLE_RATE)
    n = min(len(reference), len(samples))
    assert n > 0.95 * len(reference)
    assert np.abs(reference[:n] - samples[:n]).max() < 2e-3


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
