"""Vocal pitch (F0) and intensity of each video's audio with Praat (``praat-parselmouth``).

Praat's autocorrelation pitch tracker (``To Pitch (ac)``) is the standard of vocal-pitch studies
of legislators. The track is read from the AUDIO table (16 kHz mono Opus or FLAC, never the media), one
video at a time: F0 every ``time_step`` seconds between ``floor`` and ``ceiling`` Hz, and Praat's
intensity (dB) at the same times. Only voiced frames are kept (Praat gives F0 0 to unvoiced
ones). A video without an audio track, or without voiced speech, has no rows; that is not an
error. The shard job is resumable per video (:func:`polimodal.corpus.shards.process_videos`),
keyed by the video's audio digest and the options.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from polimodal.corpus.rows import read_video_rows, video_row_groups
from polimodal.corpus.schemas import PITCH, VIDEOS, read_parquet
from polimodal.corpus.shards import process_videos, work_key
from polimodal.errors import ConfigError
from polimodal.extract.audio import SAMPLE_RATE, decode_audio
from polimodal.options import options_from_section, output_settings
from polimodal.types import PathLike

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PitchOptions:
    """Settings of the ``pitch`` config section (Praat's ``To Pitch (ac)`` arguments)."""

    floor: float = 75.0  # Hz: lowest F0 looked for (Praat's pitch floor; 75 suits adult speech)
    ceiling: float = 500.0  # Hz: highest F0 looked for (adult voices stay below 500)
    time_step: float = 0.01  # seconds between analysis frames
    voicing_threshold: float = 0.45  # Praat's default; higher: fewer frames count as voiced

    def check(self, where: str) -> None:
        if not 0 < self.floor < self.ceiling:
            raise ConfigError(f"{where}: need 0 < floor < ceiling, got {self.floor} and {self.ceiling}")
        if not 0 < self.time_step <= 0.1:
            raise ConfigError(f"{where}.time_step: must be in (0, 0.1] seconds, got {self.time_step}")
        if not 0 < self.voicing_threshold < 1:
            raise ConfigError(f"{where}.voicing_threshold: must be in (0, 1), got {self.voicing_threshold}")

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> PitchOptions:
        return options_from_section(cls, section, "config pitch")


def pitch_track(
    samples: np.ndarray, sample_rate: int = SAMPLE_RATE, options: PitchOptions | None = None
) -> dict[str, np.ndarray]:
    """``{"time", "f0", "intensity"}`` arrays of the voiced frames of mono ``samples``.

    Audio shorter than Praat's analysis window (about 3 periods of the floor) has no frame.
    """
    import parselmouth

    options = options or PitchOptions()
    empty = {"time": np.zeros(0), "f0": np.zeros(0, np.float32), "intensity": np.zeros(0, np.float32)}
    samples = np.asarray(samples, dtype=np.float64).reshape(-1)
    if samples.size < int(3.5 * sample_rate / options.floor) or not np.any(samples):
        return empty
    sound = parselmouth.Sound(samples, sampling_frequency=float(sample_rate))
    pitch = sound.to_pitch_ac(
        time_step=options.time_step,
        pitch_floor=options.floor,
        pitch_ceiling=options.ceiling,
        voicing_threshold=options.voicing_threshold,
    )
    times = np.asarray(pitch.xs())
    f0 = np.asarray(pitch.selected_array["frequency"])
    voiced = f0 > 0
    if not voiced.any():
        return empty
    try:
        intensity = sound.to_intensity(minimum_pitch=options.floor, time_step=options.time_step)
        # Praat's intensity frames start later (longer window): interpolate at the pitch times
        level = np.interp(times[voiced], intensity.xs(), intensity.values[0])
    except parselmouth.PraatError:  # audio too short for the intensity window
        level = np.full(int(voiced.sum()), np.nan)
    return {
        "time": times[voiced],
        "f0": f0[voiced].astype(np.float32),
        "intensity": level.astype(np.float32),
    }


def pitch_table(video_id: str, track: Mapping[str, np.ndarray]) -> pa.Table:
    """PITCH rows of one video's :func:`pitch_track`."""
    n = len(track["time"])
    intensity = np.asarray(track["intensity"], dtype=np.float32)
    return pa.table(
        {
            "video_id": pa.array([video_id] * n, pa.string()),
            "time": pa.array(np.asarray(track["time"], dtype=np.float64)),
            "f0": pa.array(np.asarray(track["f0"], dtype=np.float32)),
            "intensity": pa.array(intensity, mask=np.isnan(intensity)),
        },
        schema=PITCH,
    )


def pitch_shard(
    videos: PathLike, audio_path: PathLike, out: PathLike, options: PitchOptions | None = None
) -> int:
    """Write the PITCH table of every video of a shard (VIDEOS file) from its AUDIO file.

    Returns the number of voiced frames. A video whose stored audio cannot be decoded is
    logged and gets no rows (the transcribe stage records it as unavailable).
    """
    options = options or PitchOptions()
    info = {
        r["video_id"]: r["audio_digest"]
        for r in read_parquet(videos, VIDEOS, columns=["video_id", "audio_digest"]).to_pylist()
    }
    groups = video_row_groups(audio_path)
    count = 0

    def one(vid: str) -> dict[str, pa.Table]:
        nonlocal count
        if vid not in groups:
            return {"pitch": PITCH.empty_table()}
        row = read_video_rows(audio_path, vid, groups[vid], ["video_id", "sample_rate", "audio"])
        try:
            samples = decode_audio(row.column("audio")[0].as_py())
        except Exception as exc:  # av errors: the transcribe stage records the video
            log.warning("%s: audio cannot be decoded, no pitch: %s", vid, exc)
            return {"pitch": PITCH.empty_table()}
        table = pitch_table(vid, pitch_track(samples, int(row.column("sample_rate")[0].as_py()), options))
        count += table.num_rows
        return {"pitch": table}

    settings = output_settings(options)

    def key(vid: str) -> str:
        return work_key("pitch", info[vid], settings)

    process_videos(list(info), one, {"pitch": (Path(out), PITCH)}, key=key, label="pitch")
    log.info("pitch: %d videos, %d voiced frames written this run", len(info), count)
    return count
