"""The audio track of a video as 16 kHz mono FLAC, decoded with ffmpeg's error tolerance.

The ingest job extracts it while the media is on disk (:func:`extract_audio`); the transcript
(and later the pitch analysis) read it from the AUDIO table, never from the media. 16 kHz mono
is what Whisper consumes and plenty for pitch (F0 of speech is below 500 Hz); FLAC keeps it
lossless at about half the size of raw 16-bit samples.

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
from pathlib import Path
from typing import Any

import av
import numpy as np

from polimodal.errors import MediaUnavailable
from polimodal.types import PathLike

log = logging.getLogger(__name__)

#: Samples per second of the stored track (Whisper's rate).
SAMPLE_RATE = 16000
#: Seconds ffmpeg may take per second of audio before the file counts as unreadable (plus 60 s).
TIMEOUT_PER_SECOND = 2.0


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


def extract_audio(
    path: PathLike, *, stream_duration: float | None = None, video_id: str = ""
) -> dict[str, Any]:
    """An AUDIO row (without ``video_id`` unless given) of the first audio stream of ``path``.

    ``stream_duration`` (from ffprobe) gives ``lost_seconds``. Raises MediaUnavailable
    (``corrupt``) when ffmpeg cannot read the file or the track decodes to no sample.
    """
    path = Path(path)
    limit = 60 + TIMEOUT_PER_SECOND * (stream_duration or 3600)
    with tempfile.TemporaryDirectory(prefix="polimodal-audio-") as tmp:
        out = Path(tmp) / "audio.flac"
        args = [_ffmpeg(), "-nostdin", "-hide_banner", "-v", "error", "-i", str(path)]
        args += ["-map", "0:a:0", "-vn", "-sn", "-dn", "-ac", "1", "-ar", str(SAMPLE_RATE)]
        args += ["-c:a", "flac", "-f", "flac", str(out)]
        try:
            res = subprocess.run(args, capture_output=True, text=True, timeout=limit, check=False)
        except subprocess.TimeoutExpired as exc:
            raise MediaUnavailable("corrupt", f"{path}: ffmpeg gave no audio in {limit:.0f} s") from exc
        errors = [line for line in res.stderr.splitlines() if line.strip()]
        if res.returncode != 0 or not out.exists():
            detail = errors[-1] if errors else f"exit status {res.returncode}"
            raise MediaUnavailable("corrupt", f"{path}: cannot decode audio (ffmpeg: {detail})")
        flac = out.read_bytes()
    try:
        rate, n = flac_samples(flac)
    except ValueError as exc:
        raise MediaUnavailable("corrupt", f"{path}: ffmpeg wrote no valid FLAC: {exc}") from exc
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
        "flac": flac,
    }
    return {"video_id": video_id, **row} if video_id else row


def decode_flac(flac: bytes) -> np.ndarray:
    """Mono float32 samples in [-1, 1] of a FLAC stream written by :func:`extract_audio`."""
    with av.open(io.BytesIO(flac), mode="r", format="flac") as container:
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
