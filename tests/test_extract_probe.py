"""polimodal.extract.probe.probe on real small files made with ffmpeg/espeak-ng."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from polimodal.errors import MediaUnavailable
from polimodal.extract.probe import _rate, probe
from polimodal.synthetic.media import make_video


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("media")
    files = {
        "av": make_video(d / "av.mp4", duration=2.0, speech="hello world"),
        "audio": make_video(d / "audio.m4a", duration=1.5, video=False),
        "video": make_video(d / "video.mp4", duration=1.0, audio=False, size=(160, 120), fps=10),
    }
    data = files["av"].read_bytes()
    (d / "head.mp4").write_bytes(data[:2048])
    (d / "half.mp4").write_bytes(data[: len(data) // 2])
    (d / "zero.mp4").write_bytes(b"")
    (d / "page.html").write_text("<html><body>not a video</body></html>")
    (d / "subs.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nhello\n")
    (d / "broken.mp4").symlink_to(d / "gone.mp4")
    files.update({n: d / f for n, f in [("head", "head.mp4"), ("half", "half.mp4"), ("zero", "zero.mp4")]})
    files.update({"html": d / "page.html", "subs": d / "subs.srt", "broken": d / "broken.mp4", "dir": d})
    return files


def test_probe_audio_and_video(media: dict[str, Path]) -> None:
    info = probe(media["av"])
    assert info.duration == pytest.approx(2.0, abs=0.1)
    assert info.has_video and info.has_audio
    assert (info.width, info.height) == (320, 240)
    assert info.fps == pytest.approx(25.0)
    assert "mp4" in info.format_name.split(",")
    assert info.size == media["av"].stat().st_size
    assert info.path == media["av"]


def test_probe_audio_only(media: dict[str, Path]) -> None:
    info = probe(media["audio"])
    assert info.has_audio and not info.has_video
    assert info.width is None and info.height is None and info.fps is None
    assert info.duration == pytest.approx(1.5, abs=0.1)


def test_probe_video_only(media: dict[str, Path]) -> None:
    info = probe(media["video"])
    assert info.has_video and not info.has_audio
    assert (info.width, info.height, info.fps) == (160, 120, pytest.approx(10.0))


def test_cover_art_is_not_video(media: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "cover.m4a"
    cover = ["-f", "lavfi", "-t", "0.1", "-i", "color=c=red:s=64x64", "-frames:v", "1"]
    streams = ["-map", "0", "-map", "1", "-c:a", "copy", "-c:v", "mjpeg", "-disposition:v:0", "attached_pic"]
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(media["audio"]), *cover, *streams, str(out)],
        check=True,
        capture_output=True,
    )
    info = probe(out)
    assert info.has_audio and not info.has_video


@pytest.mark.parametrize(
    ("name", "kind", "words"),
    [
        ("head", "corrupt", "not a readable media file"),
        ("half", "corrupt", "truncated"),
        ("html", "corrupt", "not a readable media file"),
        ("dir", "corrupt", "not a regular file"),
        ("zero", "empty", "0 bytes"),
        ("subs", "empty", "no audio or video stream"),
        ("broken", "not_found", "broken symlink"),
    ],
)
def test_probe_unusable(media: dict[str, Path], name: str, kind: str, words: str) -> None:
    with pytest.raises(MediaUnavailable) as err:
        probe(media[name])
    assert err.value.kind == kind
    assert words in err.value.reason
    assert str(media[name]) in err.value.reason


def test_probe_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaUnavailable) as err:
        probe(tmp_path / "nope.mp4")
    assert err.value.kind == "not_found"
    assert "nope.mp4" in err.value.reason


def test_rate_parsing() -> None:
    assert _rate("30000/1001") == pytest.approx(29.97, abs=0.01)
    assert _rate("25/1") == 25.0
    assert _rate("0/0") is None
    assert _rate("N/A") is None
    assert _rate(None) is None


def test_audio_that_ends_before_the_picture_is_not_truncated(tmp_path: Path) -> None:
    """A clip cut short: speech for 3 s over 12 s of picture. Each stream counts for its own
    duration; the container's 12 s times the audio bit rate would call the file truncated."""
    clip = tmp_path / "cut.mp4"
    args = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=12"]
    args += ["-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:v", "libx264", "-preset", "ultrafast"]
    args += ["-b:v", "200k", "-c:a", "aac", "-b:a", "256k", "-movflags", "+faststart", str(clip)]
    subprocess.run(args, check=True)
    info = probe(clip)
    assert info.duration == pytest.approx(12.0, abs=0.1)
    assert info.audio_duration == pytest.approx(3.0, abs=0.1)
    half = tmp_path / "half.mp4"
    half.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])
    with pytest.raises(MediaUnavailable, match="truncated"):
        probe(half)
