"""A transcript from the site's manual captions instead of speech recognition
(config ``transcribe.prefer_manual_captions``, off by default).

Where a video has an uploaded (manual) caption track (CAPTIONS, :mod:`polimodal.extract.captions`)
in the language spoken in it, the transcribe job can take its transcript from those captions and
skip Whisper's decode: its TRANSCRIPTS row says ``source: captions`` (else ``asr``), its SEGMENTS
are the cues (no word timings, no log-probabilities: the aligned words and their pitch, which need
word timings, are then empty for that video). The spoken language is ``transcribe.language`` when
set, ``en`` for an English-only model, else Whisper's language detection on the audio (the first
30 s, a small part of a transcription's cost). Captions in another language, and automatic
captions, are not used: the video is transcribed and its ``source_note`` says why.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from polimodal.corpus.caption_schemas import CAPTIONS
from polimodal.corpus.rows import select_videos
from polimodal.data.captions import base_language
from polimodal.types import PathLike

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

log = logging.getLogger(__name__)

#: video_id -> language -> its manual track's cues (dicts of CAPTIONS columns), in time order
Tracks = dict[str, dict[str, list[dict[str, Any]]]]


def manual_tracks(captions: PathLike | None, video_ids: Iterable[str]) -> Tracks:
    """The manual caption tracks of ``video_ids`` in a CAPTIONS file (None: no file, no tracks)."""
    out: Tracks = defaultdict(lambda: defaultdict(list))
    if captions is None:
        return {}
    for table in select_videos(captions, list(video_ids), CAPTIONS.names):
        for row in table.to_pylist():
            if not row["automatic"]:
                out[row["video_id"]][row["language"]].append(row)
    return {v: {lang: sorted(c, key=lambda r: r["cue_idx"]) for lang, c in t.items()} for v, t in out.items()}


def tracks_key(tracks: dict[str, list[dict[str, Any]]] | None) -> str:
    """A digest of a video's manual tracks (its transcript is made again when they change)."""
    h = hashlib.sha256()
    for lang in sorted(tracks or {}):
        for cue in (tracks or {})[lang]:
            h.update(f"{lang}\0{cue['start']!r}\0{cue['end']!r}\0{cue['text']}\0".encode())
    return h.hexdigest()[:32]


def spoken_language(
    model: WhisperModel, audio: np.ndarray, language: str | None = None, *, vad_filter: bool = True
) -> str:
    """The language spoken in ``audio``: ``language`` (config ``transcribe.language``) when set,
    ``en`` for an English-only model, else Whisper's detection."""
    if language:
        return str(language)
    if not model.model.is_multilingual:
        return "en"
    language, probability, _ = model.detect_language(audio, vad_filter=vad_filter)
    log.debug("detected language %s (p=%.2f)", language, probability)
    return str(language)


def choose_manual(tracks: dict[str, list[dict[str, Any]]], language: str) -> str | None:
    """The manual track in ``language`` (``en`` takes ``en``, ``en-US``, ``en-GB``; first by name)."""
    return next((lang for lang in sorted(tracks) if base_language(lang) == base_language(language)), None)


def captions_transcript(
    video_id: str, language: str, cues: list[dict[str, Any]], audio_duration: float | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """TRANSCRIPTS row and SEGMENTS rows of a manual track: one segment per cue, without words."""
    segments = [
        {"video_id": video_id, "segment_id": i, "start": c["start"], "end": c["end"]}
        | {"text": " ".join(c["text"].split()), "avg_logprob": None, "no_speech_prob": None, "words": None}
        for i, c in enumerate(cues)
    ]
    row = {
        "video_id": video_id,
        "language": base_language(language),
        "language_probability": None,
        "audio_duration": audio_duration,
        "n_segments": len(segments),
        "text": " ".join(s["text"] for s in segments if s["text"]),
        "model": f"captions:{language}",
        "source": "captions",
        "source_note": None,
    }
    return row, segments


def not_used(tracks: dict[str, list[dict[str, Any]]], language: str) -> str:
    """Why a video's manual captions were not its transcript (TRANSCRIPTS ``source_note``)."""
    return f"manual captions in {sorted(tracks)}, none in the spoken language {language!r}: transcribed"
