"""Frame sampling on real media made with ffmpeg (polimodal.synthetic.media)."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from PIL import Image

from polimodal.errors import ConfigError, MediaUnavailable
from polimodal.extract.frames import FrameOptions, extract_frames, sample_times, target_size
from polimodal.synthetic.media import SCENES, make_video


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("media")
    out = {
        "color": make_video(d / "color.mp4", duration=3.0, scenes=SCENES[3:4] + SCENES[5:6], size=(320, 240)),
        "odd": make_video(d / "odd.mp4", duration=2.4, size=(160, 90)),
        "wide": make_video(d / "wide.mp4", duration=1.0, size=(640, 360)),
        "audio_only": make_video(d / "audio_only.mp4", duration=2.0, video=False),
        "no_audio": make_video(d / "no_audio.mp4", duration=2.0, audio=False),
    }
    full = make_video(d / "full.mp4", duration=3.0)
    out["truncated"] = d / "truncated.mp4"
    out["truncated"].write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    out["garbage"] = d / "garbage.mp4"
    out["garbage"].write_bytes(b"this is not a video" * 100)
    return out


def test_sample_times():
    assert sample_times(3.0, 1.0) == [0.0, 1.0, 2.0]
    assert sample_times(2.5, 2.0) == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert sample_times(0.3, 1.0) == [0.0]
    assert sample_times(0.0, 1.0) == []
    assert len(sample_times(60.0, 1.0)) == 60


def test_target_size_keeps_aspect():
    assert target_size(1920, 1080, 640) == (640, 360)
    assert target_size(1080, 1920, 640) == (360, 640)
    assert target_size(320, 240, 640) == (320, 240)
    assert target_size(1920, 1080, 0) == (1920, 1080)


def test_options_from_config():
    assert FrameOptions.from_config({"fps": 2, "jpeg_quality": 80, "max_side": 0}) == FrameOptions(2, 80, 0)
    with pytest.raises(ConfigError, match=r"config frames: unknown key\(s\) \['fsp'\]"):
        FrameOptions.from_config({"fsp": 1})
    with pytest.raises(ConfigError, match="fps"):
        FrameOptions.from_config({"fps": 0})


@pytest.mark.parametrize("backend", ["pyav", "decord"])
@pytest.mark.parametrize("fps", [1.0, 2.0])
@pytest.mark.parametrize("name,duration", [("color", 3.0), ("odd", 2.4)])
def test_frame_count_and_timestamps(media, backend, fps, name, duration):
    rows = extract_frames(media[name], FrameOptions(fps=fps), video_id="v1", backend=backend)
    assert len(rows) == math.ceil(duration * fps)
    assert [r["frame_idx"] for r in rows] == list(range(len(rows)))
    assert [r["timestamp"] for r in rows] == pytest.approx([k / fps for k in range(len(rows))])
    assert {r["video_id"] for r in rows} == {"v1"}
    for r in rows:
        img = Image.open(io.BytesIO(r["jpeg"]))
        assert img.format == "JPEG"
        assert img.size == (r["width"], r["height"])


def test_frames_show_the_right_scene(media):
    # color.mp4: red for 1.5 s, then blue
    rows = extract_frames(media["color"], FrameOptions(fps=1.0))
    rgb = [Image.open(io.BytesIO(r["jpeg"])).convert("RGB").getpixel((160, 120)) for r in rows]
    assert rgb[0][0] > 200 and rgb[0][2] < 50  # red at t=0 and t=1
    assert rgb[1][0] > 200
    assert rgb[2][2] > 200 and rgb[2][0] < 50  # blue at t=2


@pytest.mark.parametrize("backend", ["pyav", "decord"])
def test_max_side_downscales_keeping_aspect(media, backend):
    rows = extract_frames(media["wide"], FrameOptions(max_side=320), backend=backend)
    assert [(r["width"], r["height"]) for r in rows] == [(320, 180)]
    assert Image.open(io.BytesIO(rows[0]["jpeg"])).size == (320, 180)
    rows = extract_frames(media["wide"], FrameOptions(max_side=0), backend=backend)
    assert (rows[0]["width"], rows[0]["height"]) == (640, 360)


def test_audio_only_gives_no_frames(media):
    assert extract_frames(media["audio_only"], FrameOptions()) == []
    assert extract_frames(media["audio_only"], FrameOptions(), backend="decord") == []
    assert len(extract_frames(media["no_audio"], FrameOptions())) == 2


@pytest.mark.parametrize("backend", ["pyav", "decord"])
@pytest.mark.parametrize("name", ["truncated", "garbage"])
def test_corrupt_file_raises(media, backend, name):
    with pytest.raises(MediaUnavailable) as info:
        extract_frames(media[name], FrameOptions(), backend=backend)
    assert info.value.kind == "corrupt"
    assert name in str(info.value)


@pytest.mark.parametrize("backend", ["pyav", "decord"])
def test_webp_frames_decode_where_jpegs_do(media, backend):
    """frames.image_format: webp stores WebP bytes (in the same column) that Pillow and the image
    models' decoder read as they read JPEGs, showing the same picture."""
    from polimodal.nn.images import decode_frames

    jpeg = extract_frames(media["wide"], FrameOptions(fps=2.0), backend=backend)
    webp = extract_frames(media["wide"], FrameOptions(fps=2.0, image_format="webp"), backend=backend)
    assert [(r["frame_idx"], r["width"], r["height"]) for r in webp] == [
        (r["frame_idx"], r["width"], r["height"]) for r in jpeg
    ]
    assert all(r["jpeg"][:4] == b"RIFF" and r["jpeg"][8:12] == b"WEBP" for r in webp)
    assert Image.open(io.BytesIO(webp[0]["jpeg"])).format == "WEBP"
    a = decode_frames([r["jpeg"] for r in jpeg]).float()
    b = decode_frames([r["jpeg"] for r in webp]).float()
    assert a.shape == b.shape and (a - b).abs().mean() < 6  # the same picture, both lossy
    lower = extract_frames(media["wide"], FrameOptions(fps=2.0, image_format="webp", webp_quality=30))
    assert sum(len(r["jpeg"]) for r in lower) < sum(len(r["jpeg"]) for r in webp)


def test_jpeg_frames_keep_the_settings_of_older_runs():
    from polimodal.options import output_settings

    # JPEG, the only format before image_format existed: no new key, so such runs rerun nothing
    assert "image_format" not in output_settings(FrameOptions(webp_quality=50))
    assert output_settings(FrameOptions(webp_quality=50)) == output_settings(FrameOptions())
    webp = output_settings(FrameOptions(image_format="webp"))
    assert webp["image_format"] == "webp" and webp["webp_quality"] == 80
    with pytest.raises(ConfigError, match=r"image_format: 'avif' is not one of \['jpeg', 'webp'\]"):
        FrameOptions.from_config({"image_format": "avif"})
    with pytest.raises(ConfigError, match=r"webp_quality: must be in 1\.\.100, got 0"):
        FrameOptions.from_config({"webp_quality": 0})
