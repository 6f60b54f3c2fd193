"""Make small real media for the demo and the tests: spoken words (espeak-ng) over
synthetic footage (ffmpeg's lavfi sources). Needs the ``ffmpeg`` and ``espeak-ng``
binaries (Debian packages of the same names)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

#: ffmpeg lavfi sources that look clearly different from each other, one per "scene".
SCENES = (
    "testsrc2=size={w}x{h}:rate={fps}",
    "smptebars=size={w}x{h}:rate={fps}",
    "mandelbrot=size={w}x{h}:rate={fps}",
    "color=c=red:size={w}x{h}:rate={fps}",
    "rgbtestsrc=size={w}x{h}:rate={fps}",
    "color=c=blue:size={w}x{h}:rate={fps}",
)


def _need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        raise RuntimeError(f"{binary} is not installed (apt-get install {binary})")
    return path


def speak(
    text: str,
    out: str | Path,
    *,
    voice: str = "en-us",
    speed: int = 150,
    pitch: int | None = None,
    ssml: bool = False,
) -> Path:
    """Write ``text`` spoken by espeak-ng to a WAV file (``pitch``: espeak-ng's -p, 0-99, default 50;
    ``ssml``: ``text`` is SSML, e.g. ``<speak>... <prosody pitch="+100%">word</prosody></speak>``)."""
    out = Path(out)
    extra = ["-p", str(int(pitch))] if pitch is not None else []
    extra += ["-m"] if ssml else []
    subprocess.run(
        [_need("espeak-ng"), "-v", voice, "-s", str(speed), *extra, "-w", str(out), text],
        check=True,
        capture_output=True,
    )
    return out


def make_video(
    out: str | Path,
    *,
    duration: float,
    scenes: Sequence[str] | None = None,
    speech: str | None = None,
    audio: bool = True,
    video: bool = True,
    size: tuple[int, int] = (320, 240),
    fps: int = 25,
    voice: str = "en-us",
    pitch: int | None = None,
    ssml: bool = False,
) -> Path:
    """Encode an MP4 (H.264 + AAC) of ``duration`` seconds.

    ``scenes``: lavfi source templates (see :data:`SCENES`), shown for equal parts of
    the duration; default one moving test pattern. A single ``color=...`` scene gives
    identical frames throughout. ``speech``: words spoken by espeak-ng (padded with
    silence, cut at ``duration``; ``voice``/``pitch``: espeak-ng's -v and -p; ``ssml``: ``speech``
    is SSML); without it the audio track is silence. ``audio`` / ``video`` False leave that
    stream out.
    """
    if not (audio or video):
        raise ValueError("a media file needs at least one stream")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg = _need("ffmpeg")
    w, h = size
    scenes = list(scenes or [SCENES[0]])
    with tempfile.TemporaryDirectory() as tmp:
        args = [ffmpeg, "-y", "-loglevel", "error"]
        filters = []
        n_inputs = 0
        if video:
            part = duration / len(scenes)
            for scene in scenes:
                src = scene.format(w=w, h=h, fps=fps)
                args += ["-f", "lavfi", "-t", f"{part:.3f}", "-i", src]
            labels = "".join(f"[{i}:v]" for i in range(len(scenes)))
            filters.append(f"{labels}concat=n={len(scenes)}:v=1:a=0,format=yuv420p[v]")
            n_inputs = len(scenes)
        if audio:
            if speech:
                wav = speak(speech, Path(tmp) / "speech.wav", voice=voice, pitch=pitch, ssml=ssml)
                args += ["-i", str(wav)]
                filters.append(f"[{n_inputs}:a]aresample=16000,apad[a]")
            else:
                args += ["-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono"]
                filters.append(f"[{n_inputs}:a]anull[a]")
        args += ["-filter_complex", ";".join(filters)]
        if video:
            args += ["-map", "[v]", "-c:v", "libx264", "-preset", "veryfast", "-g", str(fps * 2)]
        if audio:
            args += ["-map", "[a]", "-c:a", "aac", "-b:a", "64k"]
        args += ["-t", f"{duration:.3f}", "-movflags", "+faststart", str(out)]
        subprocess.run(args, check=True, capture_output=True)
    return out


def make_damaged_avi(out: str | Path, *, speech: str, duration: float = 5.0, frame: int = 0) -> Path:
    """An AVI (MPEG-4 video, AC3 audio) whose AC3 frame number ``frame`` has a damaged header.

    ffmpeg skips the damaged frame and decodes the rest of the track; PyAV's decoder raises on
    it (``frame=0``: faster-whisper's ``decode_audio`` then returns no samples; ``frame=-1``:
    it fails). The file is otherwise valid: ``ffprobe`` reads it and the video decodes.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg = _need("ffmpeg")
    with tempfile.TemporaryDirectory() as tmp:
        wav = speak(speech, Path(tmp) / "speech.wav")
        clean = Path(tmp) / "clean.avi"
        args = [ffmpeg, "-y", "-loglevel", "error", "-f", "lavfi", "-t", f"{duration:.3f}"]
        args += ["-i", "testsrc=size=160x120:rate=10", "-i", str(wav), "-filter_complex", "[1:a]apad[a]"]
        args += ["-map", "0:v", "-map", "[a]", "-c:v", "mpeg4", "-c:a", "ac3", "-b:a", "96k"]
        args += ["-t", f"{duration:.3f}", str(clean)]
        subprocess.run(args, check=True, capture_output=True)
        data = bytearray(clean.read_bytes())
    syncs = [i for i in range(len(data) - 1) if data[i] == 0x0B and data[i + 1] == 0x77]
    if not syncs:
        raise RuntimeError(f"{clean}: no AC3 frame found")
    start = syncs[frame]
    data[start + 2 : start + 8] = b"\xff" * 6  # CRC and sample-rate/frame-size code of the frame
    out.write_bytes(bytes(data))
    return out
