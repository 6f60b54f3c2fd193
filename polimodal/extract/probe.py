"""Inspect media files with ffprobe: duration, streams, size and frame rate.

:func:`probe` is the single gate every media file passes before the later stages
(transcribe, frames) touch it: a file that does not exist, cannot be parsed, is cut
short or holds nothing playable raises :class:`~polimodal.errors.MediaUnavailable`
with a ``kind`` the UNAVAILABLE table records. Needs the ``ffprobe`` binary (Debian
package ``ffmpeg``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from polimodal.errors import MediaUnavailable

#: Seconds ffprobe may take on one file before the file counts as unreadable.
PROBE_TIMEOUT = 120.0

#: A file whose size is below this fraction of what its own stream bit rates and
#: duration promise is truncated (an interrupted download whose index survived).
TRUNCATION_RATIO = 0.9


@dataclass(frozen=True)
class MediaInfo:
    """What ffprobe says about one media file.

    ``width``/``height``/``fps`` describe the first video stream and are ``None`` for
    audio-only files. Cover art embedded in audio files (an ``attached_pic`` stream)
    does not count as video.
    """

    path: Path
    duration: float  # seconds, > 0
    has_video: bool
    has_audio: bool
    width: int | None
    height: int | None
    fps: float | None
    format_name: str  # ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    size: int  # bytes
    audio_duration: float | None = None  # seconds of the first audio stream, when announced


def _ffprobe() -> str:
    path = shutil.which("ffprobe")
    if path is None:
        raise RuntimeError("ffprobe is not installed (apt-get install ffmpeg)")
    return path


def _float(value: Any) -> float | None:
    """ffprobe numbers are strings and may be 'N/A'; return a finite float or None."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if x == x and x not in (float("inf"), float("-inf")) else None


def _rate(value: Any) -> float | None:
    """Parse a frame rate such as '30000/1001' or '25/1'; '0/0' gives None."""
    if not isinstance(value, str) or not value:
        return None
    num, _, den = value.partition("/")
    n, d = _float(num), _float(den or "1")
    if n is None or d is None or n <= 0 or d <= 0:
        return None
    return n / d


def _run_ffprobe(path: Path) -> dict[str, Any]:
    args = [
        _ffprobe(),
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        "--",
        str(path),
    ]
    try:
        res = subprocess.run(args, capture_output=True, text=True, timeout=PROBE_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise MediaUnavailable("corrupt", f"{path}: ffprobe gave no answer in {PROBE_TIMEOUT:.0f} s") from exc
    err = res.stderr.strip()
    if res.returncode != 0:
        detail = err.splitlines()[-1] if err else f"exit status {res.returncode}"
        raise MediaUnavailable("corrupt", f"{path}: not a readable media file (ffprobe: {detail})")
    try:
        data = json.loads(res.stdout or "{}")
    except json.JSONDecodeError as exc:
        raise MediaUnavailable("corrupt", f"{path}: ffprobe printed invalid JSON: {exc}") from exc
    return data if isinstance(data, dict) else {}


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Describe the media file at ``path`` (symlinks are followed).

    Raises :class:`MediaUnavailable` with kind ``not_found`` (no such file),
    ``corrupt`` (not a regular file, not media, unreadable or truncated) or ``empty``
    (zero bytes, no audio/video stream, or zero duration). Audio-only and video-only
    files are fine: see ``has_audio``/``has_video``.
    """
    path = Path(path)
    if not path.exists():
        what = "broken symlink" if path.is_symlink() else "no such file"
        raise MediaUnavailable("not_found", f"{path}: {what}")
    if not path.is_file():
        raise MediaUnavailable("corrupt", f"{path}: not a regular file")
    size = path.stat().st_size
    if size == 0:
        raise MediaUnavailable("empty", f"{path}: file is empty (0 bytes)")

    data = _run_ffprobe(path)
    fmt = data.get("format") or {}
    streams = [s for s in data.get("streams") or [] if isinstance(s, dict)]
    video = [
        s
        for s in streams
        if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if not video and not audio:
        kinds = sorted({str(s.get("codec_type")) for s in streams}) or ["none"]
        raise MediaUnavailable("empty", f"{path}: no audio or video stream (stream types: {kinds})")

    durations = [_float(s.get("duration")) for s in video + audio]
    duration = _float(fmt.get("duration")) or max((d for d in durations if d), default=None)
    if not duration or duration <= 0:
        raise MediaUnavailable("empty", f"{path}: zero or unknown duration")

    # An interrupted download can keep a complete index (MP4 with the moov atom first)
    # and still miss most of the data: ffprobe then succeeds. In MP4/MOV the stream bit
    # rates come from that index (exact sample sizes), so they tell how many bytes the
    # file should hold. Other containers report nominal rates, so they are not checked.
    # Each stream counts for its own duration: an audio track may end long before the picture
    # (a clip cut short), and its bit rate times the container's duration would overestimate.
    format_name = str(fmt.get("format_name") or "")
    rates = [_float(s.get("bit_rate")) for s in video + audio]
    if "mp4" in format_name.split(",") and rates and all(rates):
        expected = (
            sum((r or 0) * (d if d and d > 0 else duration) for r, d in zip(rates, durations, strict=True))
            / 8
        )
        if size < TRUNCATION_RATIO * expected:
            raise MediaUnavailable(
                "corrupt",
                f"{path}: truncated ({size} bytes, its streams need about {expected:.0f})",
            )

    first = video[0] if video else {}
    width = int(first["width"]) if first.get("width") else None
    height = int(first["height"]) if first.get("height") else None
    fps = _rate(first.get("avg_frame_rate")) or _rate(first.get("r_frame_rate")) if video else None
    return MediaInfo(
        path=path,
        duration=duration,
        has_video=bool(video),
        has_audio=bool(audio),
        width=width,
        height=height,
        fps=fps,
        format_name=format_name,
        size=size,
        audio_duration=_float(audio[0].get("duration")) if audio else None,
    )
