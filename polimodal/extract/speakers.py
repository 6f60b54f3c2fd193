"""Speaker diarization: who speaks when in each video's audio, and a voice embedding per turn.

Offline by default (``backend: resemblyzer``): the voice encoder whose weights ship inside the
``resemblyzer`` wheel. The audio (the AUDIO table's 16 kHz mono track, never the media) is cut
into speech regions by WebRTC's voice activity detector; each region into windows of ``window``
seconds every ``step`` seconds, each window embedded (256-d, L2-normalised); the windows are
clustered by scikit-learn's agglomerative clustering (cosine distance, average linkage). The
number of speakers is the sheet's ``num_speakers`` for the video when it has one, else estimated:
clusters are merged while their average cosine distance is below ``threshold`` (at most
``max_speakers``; one voice gives one speaker). On espeak-ng voices the windows of one voice
merge below 0.23 and different voices stay 0.31 or more apart (bench/bench_speakers.py).
Every 10 ms of speech takes the label of the window centred nearest it; runs of one label are
the turns, and a turn shorter than ``min_turn`` joins its neighbour. Speakers
are named ``SPEAKER_00``, ``SPEAKER_01`` ... in order of first speech, per video; a turn's
``embedding`` (the mean of its windows') matches the same voice across videos.

``backend: pyannote`` loads pyannote.audio's pipeline ``model`` (a hub id; gated models need a
Hugging Face token in ``HF_TOKEN``), for users with access: not tested offline.

A video without audio or without speech has no turns; that is not an error. The shard job is
resumable per video (:func:`polimodal.corpus.shards.process_videos`), keyed by the video's audio
digest, its ``num_speakers`` and the options.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from polimodal.corpus.rows import read_video_rows, video_row_groups
from polimodal.corpus.schemas import VIDEOS, read_parquet
from polimodal.corpus.schemas_speakers import SPEAKERS
from polimodal.corpus.shards import process_videos, work_key
from polimodal.errors import ConfigError, ModelLoadError, SampleSheetError
from polimodal.extract.audio import SAMPLE_RATE, decode_audio
from polimodal.options import choice, device_field, options_from_section, output_settings
from polimodal.types import PathLike

log = logging.getLogger(__name__)

#: Seconds per VAD frame (webrtcvad takes 10, 20 or 30 ms frames) and per label of a turn.
VAD_FRAME = 0.03
RESOLUTION = 0.01


@dataclass(frozen=True)
class SpeakersOptions:
    """Settings of the ``speakers`` config section (off by default)."""

    enabled: bool = False
    backend: str = choice("resemblyzer", ("resemblyzer", "pyannote"))
    model: str = "pyannote/speaker-diarization-3.1"  # backend pyannote: hub id or local config.yaml
    window: float = 1.5  # seconds of speech per embedding
    step: float = 0.25  # seconds between windows
    vad_mode: int = choice(2, (0, 1, 2, 3))  # webrtcvad aggressiveness (3: least non-speech kept)
    min_pause: float = 0.3  # seconds: shorter silences inside speech do not split a region
    min_turn: float = 0.4  # seconds: a shorter turn joins its neighbour
    max_speakers: int = 6  # estimated counts go up to this (a sheet's num_speakers may exceed it)
    threshold: float = 0.27  # cosine distance (average linkage) at which clusters stop merging
    device: str = device_field()

    NOT_OUTPUT: ClassVar[frozenset[str]] = frozenset({"enabled", "device"})

    def check(self, where: str) -> None:
        if not 0.2 <= self.window <= 10:
            raise ConfigError(f"{where}.window: must be in [0.2, 10] seconds, got {self.window}")
        if not 0 < self.step <= self.window:
            raise ConfigError(f"{where}.step: must be in (0, window={self.window}], got {self.step}")
        if self.max_speakers < 1:
            raise ConfigError(f"{where}.max_speakers: must be >= 1, got {self.max_speakers}")
        if not 0 < self.threshold < 2:
            raise ConfigError(
                f"{where}.threshold: must be in (0, 2) (a cosine distance), got {self.threshold}"
            )
        if self.min_pause < 0 or self.min_turn < 0:
            raise ConfigError(f"{where}: min_pause and min_turn must be >= 0")

    def no_effect(self) -> dict[str, str]:
        if self.backend == "resemblyzer":
            return {"model": "backend: resemblyzer"}
        moot = ("window", "step", "vad_mode", "min_pause", "min_turn", "threshold")
        return dict.fromkeys(moot, "backend: pyannote")

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> SpeakersOptions:
        return options_from_section(cls, section, "config speakers")


@dataclass(frozen=True)
class Turn:
    """One speech turn: ``speaker`` local to its video, ``embedding`` its voice (or None)."""

    start: float
    end: float
    speaker: str
    embedding: np.ndarray | None = None


def speech_regions(
    samples: np.ndarray, sample_rate: int = SAMPLE_RATE, mode: int = 2, min_pause: float = 0.3
) -> list[tuple[float, float]]:
    """(start, end) seconds of speech by WebRTC's VAD; pauses shorter than ``min_pause`` are
    bridged and regions shorter than one window of 0.2 s dropped."""
    import webrtcvad

    samples = np.asarray(samples, dtype=np.float32).reshape(-1)
    n = int(VAD_FRAME * sample_rate)
    if samples.size < n or not np.any(samples):
        return []
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
    vad = webrtcvad.Vad(mode)
    voiced = [vad.is_speech(pcm[i : i + n].tobytes(), sample_rate) for i in range(0, pcm.size - n + 1, n)]
    regions: list[list[float]] = []
    for k, v in enumerate(voiced):
        if not v:
            continue
        t0, t1 = k * VAD_FRAME, (k + 1) * VAD_FRAME
        if regions and t0 - regions[-1][1] < min_pause:
            regions[-1][1] = t1
        else:
            regions.append([t0, t1])
    return [(a, b) for a, b in regions if b - a >= 0.2]


def load_encoder(options: SpeakersOptions) -> Any:
    """resemblyzer's voice encoder (weights from its wheel) on the options' device."""
    from polimodal.nn.devices import resolve_device

    try:
        from resemblyzer import VoiceEncoder
    except ImportError as exc:
        raise ModelLoadError(f"config speakers.backend resemblyzer: {exc} (pip install resemblyzer)") from exc
    return VoiceEncoder(device=str(resolve_device(options.device)), verbose=False)


def window_embeddings(
    encoder: Any, samples: np.ndarray, regions: list[tuple[float, float]], window: float, step: float
) -> tuple[np.ndarray, np.ndarray]:
    """((n, 2) window spans in seconds, (n, 256) embeddings) over the speech ``regions``.

    A region shorter than ``window`` is one window of its own length."""
    import torch
    from resemblyzer.audio import wav_to_mel_spectrogram

    spans: list[tuple[float, float]] = []
    embeds: list[np.ndarray] = []
    n_win, n_step = max(1, round(window / RESOLUTION)), max(1, round(step / RESOLUTION))
    for a, b in regions:
        mel = wav_to_mel_spectrogram(samples[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)])
        if len(mel) <= n_win:
            starts = [0]
        else:
            starts = list(range(0, len(mel) - n_win + 1, n_step))
            if starts[-1] != len(mel) - n_win:
                starts.append(len(mel) - n_win)
        batch = np.stack([mel[s : s + n_win] for s in starts])
        with torch.no_grad():
            out = encoder(torch.from_numpy(batch).to(encoder.device)).cpu().numpy()
        embeds.append(out)
        length = min(n_win, len(mel))
        spans += [(a + s * RESOLUTION, min(b, a + (s + length) * RESOLUTION)) for s in starts]
    if not spans:
        return np.zeros((0, 2)), np.zeros((0, 256), np.float32)
    return np.asarray(spans), np.concatenate(embeds).astype(np.float32)


def cluster_windows(
    embeddings: np.ndarray, num_speakers: int | None = None, options: SpeakersOptions | None = None
) -> np.ndarray:
    """One speaker label (0, 1, ...) per window: ``num_speakers`` clusters, else estimated."""
    from sklearn.cluster import AgglomerativeClustering

    options = options or SpeakersOptions()
    n = len(embeddings)
    if n < 2 or num_speakers == 1:
        return np.zeros(n, dtype=int)

    def fit(k: int | None) -> np.ndarray:
        threshold = options.threshold if k is None else None
        model = AgglomerativeClustering(
            n_clusters=k, metric="cosine", linkage="average", distance_threshold=threshold
        )
        return model.fit_predict(embeddings)

    if num_speakers is not None:
        return fit(min(num_speakers, n))
    labels = fit(None)
    if labels.max() + 1 > options.max_speakers:
        labels = fit(options.max_speakers)
    return labels


def turns_from_windows(
    regions: list[tuple[float, float]],
    spans: np.ndarray,
    labels: np.ndarray,
    embeddings: np.ndarray,
    min_turn: float = 0.4,
) -> list[Turn]:
    """Turns from labelled windows (see the module docstring), speakers renamed by first speech."""
    centres = spans.mean(axis=1) if len(spans) else np.zeros(0)
    raw: list[list[Any]] = []  # [start, end, label]
    for a, b in regions:
        inside = np.flatnonzero((centres >= a) & (centres <= b))
        if not inside.size:
            continue
        grid = np.arange(a, b, RESOLUTION) + RESOLUTION / 2
        nearest = inside[np.abs(grid[:, None] - centres[inside][None, :]).argmin(axis=1)]
        lab = labels[nearest]
        cuts = np.flatnonzero(np.diff(lab)) + 1
        edges = [0, *cuts.tolist(), len(grid)]
        region = [
            [a + i * RESOLUTION, min(b, a + j * RESOLUTION), int(lab[i])]
            for i, j in itertools.pairwise(edges)
        ]
        while len(region) > 1:  # short turns join the longer neighbour
            k = min(range(len(region)), key=lambda i: region[i][1] - region[i][0])
            if region[k][1] - region[k][0] >= min_turn:
                break
            left = region[k - 1] if k > 0 else None
            right = region[k + 1] if k + 1 < len(region) else None
            into = (
                left
                if right is None or (left is not None and left[1] - left[0] >= right[1] - right[0])
                else right
            )
            into[0], into[1] = min(into[0], region[k][0]), max(into[1], region[k][1])
            del region[k]
            region = _merge_same(region)
        raw += region
    names: dict[int, str] = {}
    turns = []
    for start, end, label in _merge_same(raw, max_gap=0.0):
        name = names.setdefault(label, f"SPEAKER_{len(names):02d}")
        mine = np.flatnonzero((centres >= start) & (centres <= end) & (labels == label))
        if not mine.size:
            mine = np.array([np.abs(centres - (start + end) / 2).argmin()])
        mean = embeddings[mine].mean(axis=0)
        turns.append(Turn(float(start), float(end), name, (mean / np.linalg.norm(mean)).astype(np.float32)))
    return turns


def _merge_same(turns: list[list[Any]], max_gap: float = 0.0) -> list[list[Any]]:
    """Adjacent turns of one label merged (``max_gap``: seconds apart at most; 0: touching)."""
    out: list[list[Any]] = []
    for t in turns:
        if out and out[-1][2] == t[2] and t[0] - out[-1][1] <= max_gap + 1e-9:
            out[-1][1] = max(out[-1][1], t[1])
        else:
            out.append(list(t))
    return out


def diarize(
    samples: np.ndarray,
    encoder: Any,
    options: SpeakersOptions | None = None,
    num_speakers: int | None = None,
    sample_rate: int = SAMPLE_RATE,
) -> list[Turn]:
    """The turns of mono ``samples`` (resemblyzer backend; ``encoder``: :func:`load_encoder`)."""
    options = options or SpeakersOptions()
    samples = np.asarray(samples, dtype=np.float32).reshape(-1)
    if sample_rate != SAMPLE_RATE:
        import librosa

        samples = librosa.resample(samples, orig_sr=sample_rate, target_sr=SAMPLE_RATE)
    regions = speech_regions(samples, SAMPLE_RATE, options.vad_mode, options.min_pause)
    spans, embeds = window_embeddings(encoder, samples, regions, options.window, options.step)
    labels = cluster_windows(embeds, num_speakers, options)
    return turns_from_windows(regions, spans, labels, embeds, options.min_turn)


def load_pyannote(options: SpeakersOptions) -> Any:
    """pyannote.audio's diarization pipeline ``options.model`` (hub id or local config; a gated
    model reads the token in ``HF_TOKEN``). Needs ``pip install pyannote.audio``; not tested offline."""
    import os

    try:
        from pyannote.audio import Pipeline
    except ImportError as exc:
        raise ModelLoadError(f"config speakers.backend pyannote: {exc} (pip install pyannote.audio)") from exc
    try:
        pipeline = Pipeline.from_pretrained(options.model, token=os.environ.get("HF_TOKEN"))
    except Exception as exc:  # hub errors, gated models, missing files
        raise ModelLoadError(f"config speakers.model {options.model!r}: cannot load: {exc}") from exc
    if pipeline is None:
        raise ModelLoadError(f"config speakers.model {options.model!r}: no access (set HF_TOKEN)")
    import torch

    from polimodal.nn.devices import resolve_device

    return pipeline.to(torch.device(str(resolve_device(options.device))))


def diarize_pyannote(samples: np.ndarray, pipeline: Any, num_speakers: int | None = None) -> list[Turn]:
    """The turns pyannote's ``pipeline`` finds in 16 kHz mono ``samples`` (no embeddings)."""
    import torch

    wave = {
        "waveform": torch.from_numpy(np.asarray(samples, np.float32)[None, :]),
        "sample_rate": SAMPLE_RATE,
    }
    out = pipeline(wave, num_speakers=num_speakers)
    annotation = getattr(out, "speaker_diarization", out)
    names: dict[str, str] = {}
    turns = []
    for segment, _, label in annotation.itertracks(yield_label=True):
        name = names.setdefault(label, f"SPEAKER_{len(names):02d}")
        turns.append(Turn(float(segment.start), float(segment.end), name))
    return turns


def turns_table(video_id: str, turns: list[Turn]) -> pa.Table:
    """SPEAKERS rows of one video's turns."""
    n_speakers = len({t.speaker for t in turns})
    return pa.table(
        {
            "video_id": pa.array([video_id] * len(turns), pa.string()),
            "turn_idx": pa.array(range(len(turns)), pa.int32()),
            "start": pa.array([t.start for t in turns], pa.float64()),
            "end": pa.array([t.end for t in turns], pa.float64()),
            "speaker": pa.array([t.speaker for t in turns], pa.string()),
            "n_speakers": pa.array([n_speakers] * len(turns), pa.int32()),
            "embedding": pa.array(
                [None if t.embedding is None else t.embedding.tolist() for t in turns], pa.list_(pa.float32())
            ),
        },
        schema=SPEAKERS,
    )


#: The sample sheet's optional column that sets a video's number of speakers (empty: estimated).
NUM_SPEAKERS_COLUMN = "num_speakers"


def sheet_num_speakers(sheet: Any, start: int = 0, stop: int | None = None) -> dict[str, int]:
    """video_id -> the sheet's ``num_speakers`` of rows ``start:stop`` (a shard) that set one.

    A value that is not a whole number >= 1 is a SampleSheetError naming the row and value."""
    if NUM_SPEAKERS_COLUMN not in sheet.columns:
        return {}
    out = {}
    rows = sheet.iloc[start:stop]
    for i, (vid, value) in enumerate(zip(rows["video_id"], rows[NUM_SPEAKERS_COLUMN], strict=True), start):
        text = "" if value is None else str(value).strip()
        if text in ("", "nan", "None", "<NA>"):
            continue
        try:
            n = float(text)
        except ValueError:
            n = 0.5
        if n < 1 or n != int(n):
            raise SampleSheetError(
                f"sample sheet row {i + 2} (video_id {vid!r}): {NUM_SPEAKERS_COLUMN} {value!r} "
                "is not a whole number >= 1 (leave it empty to estimate it)"
            )
        out[str(vid)] = int(n)
    return out


def speakers_shard(
    videos: PathLike,
    audio_path: PathLike,
    out: PathLike,
    options: SpeakersOptions | None = None,
    num_speakers: Mapping[str, int] | None = None,
) -> int:
    """Write the SPEAKERS table of every video of a shard (VIDEOS file) from its AUDIO file.

    ``num_speakers``: video_id -> the number of speakers set in the sheet (others are estimated).
    Returns the number of turns written this run. Audio that cannot be decoded gives no turns
    (logged; the transcribe stage records the video)."""
    options = options or SpeakersOptions()
    num_speakers = dict(num_speakers or {})
    info = {
        r["video_id"]: r["audio_digest"]
        for r in read_parquet(videos, VIDEOS, columns=["video_id", "audio_digest"]).to_pylist()
    }
    groups = video_row_groups(audio_path)
    model: list[Any] = []  # loaded on the first video that needs it (a rerun may need none)
    count = 0

    def one(vid: str) -> dict[str, pa.Table]:
        nonlocal count
        if vid not in groups:
            return {"speakers": SPEAKERS.empty_table()}
        row = read_video_rows(audio_path, vid, groups[vid], ["video_id", "audio"])
        try:
            samples = decode_audio(row.column("audio")[0].as_py())
        except Exception as exc:  # av errors: the transcribe stage records the video
            log.warning("%s: audio cannot be decoded, no speakers: %s", vid, exc)
            return {"speakers": SPEAKERS.empty_table()}
        if not model:
            model.append(load_pyannote(options) if options.backend == "pyannote" else load_encoder(options))
        if options.backend == "pyannote":
            turns = diarize_pyannote(samples, model[0], num_speakers.get(vid))
        else:
            turns = diarize(samples, model[0], options, num_speakers.get(vid))  # 16 kHz
        count += len(turns)
        log.info("%s: %d turns of %d speaker(s)", vid, len(turns), len({t.speaker for t in turns}))
        return {"speakers": turns_table(vid, turns)}

    settings = output_settings(options)

    def key(vid: str) -> str:
        return work_key("speakers", info[vid], num_speakers.get(vid), settings)

    process_videos(list(info), one, {"speakers": (Path(out), SPEAKERS)}, key=key, label="speakers")
    log.info("speakers: %d videos, %d turns written this run", len(info), count)
    return count
