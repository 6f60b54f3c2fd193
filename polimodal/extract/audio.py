"""The audio track of a video as 16 kHz mono Opus (or FLAC), decoded with ffmpeg's error tolerance.

The ingest job extracts it while the media is on disk (:func:`extract_audio`); the transcript
and the pitch analysis read it from the AUDIO table (:func:`decode_audio`), never from the
media. 16 kHz mono is what Whisper consumes and plenty for pitch (F0 of speech is below 500 Hz).

The codec is the ``audio`` config section (:class:`AudioOptions`). The default, Ogg Opus at
24 kbit/s, stores 9-10.4 MB per hour of audio (16 kbit/s: 6.5-7.1, but a track compressed
twice then loses words); lossless FLAC stores about 60-100 MB (half of raw 16-bit samples or
less). What the lossy codec costs in word error rate and F0 against the lossless track is
measured by ``bench/bench_storage.py`` (README "Storage").

Damaged packets (a broken last AC3 frame, a bad sector in the middle) are skipped by ffmpeg,
which decodes the rest, as ``ffmpeg -i clip -ac 1 -ar 16000 out.wav`` does; ``lost_seconds``
records how much of the track the container announced but could not be decoded. A track that
decodes to no sample at all is :class:`~polimodal.errors.MediaUnavailable` (``corrupt``).
"""

from __future__ import annotations

import hashlib
import io
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np

from polimodal.errors import ConfigError, MediaUnavailable
from polimodal.options import choice, options_from_section
from polimodal.types import PathLike

log = logging.getLogger(__name__)

#: Samples per second of the stored track (Whisper's rate).
SAMPLE_RATE = 16000
#: Seconds ffmpeg may take per second of audio before the file counts as unreadable (plus 60 s).
TIMEOUT_PER_SECOND = 2.0


#: ffmpeg encoder and container of each stored codec.
CODECS = {"opus": ("libopus", "ogg"), "flac": ("flac", "flac")}


@dataclass
class AudioOptions:
    """Settings of the ``audio`` config section: how the ingest job stores each audio track."""

    codec: str = choice("opus", tuple(CODECS))  # opus: lossy speech codec; flac: lossless
    bitrate: int = 24  # kbit/s of Opus (ignored for FLAC)

    def check(self, where: str) -> None:
        if not isinstance(self.bitrate, int) or not 6 <= self.bitrate <= 256:
            raise ConfigError(f"{where}.bitrate: kbit/s in 6..256, got {self.bitrate!r}")

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> AudioOptions:
        """Build from the ``audio`` config section; missing keys take the defaults."""
        return options_from_section(cls, section, "config audio")


def _ffmpeg() -> str:
    path = shutil.which("ffmpeg")
    if path is None:
        raise RuntimeError("ffmpeg is not installed (apt-get install ffmpeg)")
    return path


def flac_samples(flac: bytes) -> tuple[int, int]:
    """``(sample_rate, total samples)`` from a FLAC stream's STREAMINFO block."""
    if len(flac) < 42 or flac[:4] != b"fLaC":
        raise ValueError("not a FLAC stream")
    info = flac[8:42]  # "fLaC" + 4-byte block header, then the 34-byte STREAMINFO
    bits = int.from_bytes(info[10:18], "big")  # rate (20) | channels-1 (3) | bps-1 (5) | samples (36)
    return bits >> 44, bits & ((1 << 36) - 1)


def opus_samples(ogg: bytes, rate: int = SAMPLE_RATE) -> tuple[int, int]:
    """``(rate, total samples at rate)`` of an Ogg Opus stream, from its pages' granule positions.

    Opus counts in 48 kHz samples: the last page's granule position less the header's
    pre-skip is the decoded length (RFC 7845), converted to ``rate``.
    """
    if len(ogg) < 47 or ogg[:4] != b"OggS" or b"OpusHead" not in ogg[:200]:
        raise ValueError("not an Ogg Opus stream")
    head = ogg.index(b"OpusHead")
    pre_skip = int.from_bytes(ogg[head + 10 : head + 12], "little")
    last = ogg.rindex(b"OggS")
    granule = int.from_bytes(ogg[last + 6 : last + 14], "little", signed=True)
    return rate, max(0, round((granule - pre_skip) * rate / 48000))


def stream_samples(data: bytes) -> tuple[int, int]:
    """``(sample_rate, total samples)`` of a stored track (FLAC or Ogg Opus, told by its magic)."""
    return flac_samples(data) if data[:4] == b"fLaC" else opus_samples(data)


def extract_audio(
    path: PathLike,
    *,
    stream_duration: float | None = None,
    video_id: str = "",
    options: AudioOptions | None = None,
) -> dict[str, Any]:
    """An AUDIO row (without ``video_id`` unless given) of the first audio stream of ``path``.

    ``stream_duration`` (from ffprobe) gives ``lost_seconds``; ``options`` the codec (default:
    Opus, :class:`AudioOptions`). Raises MediaUnavailable (``corrupt``) when ffmpeg cannot read
    the file or the track decodes to no sample.
    """
    path = Path(path)
    options = options or AudioOptions()
    encoder, container = CODECS[options.codec]
    limit = 60 + TIMEOUT_PER_SECOND * (stream_duration or 3600)
    with tempfile.TemporaryDirectory(prefix="polimodal-audio-") as tmp:
        out = Path(tmp) / f"audio.{container}"
        args = [_ffmpeg(), "-nostdin", "-hide_banner", "-v", "error", "-i", str(path)]
        args += ["-map", "0:a:0", "-vn", "-sn", "-dn", "-ac", "1", "-ar", str(SAMPLE_RATE)]
        args += ["-c:a", encoder]
        if options.codec == "opus":
            # variable bit rate, libopus' default "audio" mode (its "voip" mode cost whisper-tiny
            # the first words of a test clip), no metadata; time stamps counted from the first
            # decoded sample (as FLAC stores them), so that the last page's granule position
            # is the track's length even when the stream starts late (a damaged first packet)
            args += ["-b:a", f"{options.bitrate}k", "-application", "audio", "-map_metadata", "-1"]
            args += ["-af", "asetpts=N/SR/TB", "-fflags", "+bitexact"]  # bitexact: fixed Ogg serial
        args += ["-f", container, str(out)]
        try:
            res = subprocess.run(args, capture_output=True, text=True, timeout=limit, check=False)
        except subprocess.TimeoutExpired as exc:
            raise MediaUnavailable("corrupt", f"{path}: ffmpeg gave no audio in {limit:.0f} s") from exc
        errors = [line for line in res.stderr.splitlines() if line.strip()]
        if res.returncode != 0 or not out.exists():
            detail = errors[-1] if errors else f"exit status {res.returncode}"
            raise MediaUnavailable("corrupt", f"{path}: cannot decode audio (ffmpeg: {detail})")
        data = out.read_bytes()
    try:
        rate, n = stream_samples(data)
    except ValueError as exc:
        raise MediaUnavailable("corrupt", f"{path}: ffmpeg wrote no valid {options.codec}: {exc}") from exc
    if n == 0:
        raise MediaUnavailable("corrupt", f"{path}: the audio stream decodes to no samples")
    duration = n / rate
    # what ffmpeg could not decode: the announced length it fell short of, when it reported
    # decoding errors (without errors, a small difference is encoder padding, not loss)
    lost = max(0.0, (stream_duration or duration) - duration) if errors else 0.0
    if errors or lost:
        log.warning(
            "%s: audio decoded with %d error(s), %.2f s of %.2f s lost (damaged packets skipped): %s",
            video_id or path.name,
            len(errors),
            lost,
            stream_duration or duration,
            errors[0] if errors else "",
        )
    row = {
        "sample_rate": rate,
        "n_samples": n,
        "duration": duration,
        "stream_duration": stream_duration,
        "lost_seconds": lost,
        "codec": options.codec,
        "audio": data,
    }
    return {"video_id": video_id, **row} if video_id else row


def decode_audio(data: bytes) -> np.ndarray:
    """Mono 16 kHz float32 samples in [-1, 1] of a track written by :func:`extract_audio`
    (FLAC or Ogg Opus: the container is told by the stream's first bytes)."""
    fmt = "flac" if data[:4] == b"fLaC" else "ogg"
    with av.open(io.BytesIO(data), mode="r", format=fmt) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        chunks = []
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    return np.concatenate(chunks).astype(np.float32, copy=False) if chunks else np.zeros(0, np.float32)


def digest(data: bytes) -> str:
    """The content digest used to key downstream work (sha256, first 32 hex digits)."""
    return hashlib.sha256(data).hexdigest()[:32]
