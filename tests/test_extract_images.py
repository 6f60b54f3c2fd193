"""Post images: fetch over loopback HTTP or from disk, check and normalise with Pillow (bad input)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from polimodal.errors import MediaUnavailable
from polimodal.extract.images import ImageFetcher, load_image, normalise_image


def _png(mode: str = "RGB", size: tuple[int, int] = (80, 40), colour: object = (200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, colour).save(buf, format="PNG" if mode != "CMYK" else "JPEG")
    return buf.getvalue()


def _decoded(jpeg: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(jpeg))
    img.load()
    return img


def test_rgb_png_becomes_a_jpeg_of_the_same_size() -> None:
    out = normalise_image(_png(), max_side=640)
    img = _decoded(out.jpeg)
    assert (img.format, img.mode, img.size) == ("JPEG", "RGB", (80, 40))
    r, g, b = img.getpixel((40, 20))
    assert r > 150 and g < 80 and b < 80


def test_size_cap_keeps_the_aspect_ratio() -> None:
    out = normalise_image(_png(size=(1000, 500)), max_side=100)
    assert (out.width, out.height) == (100, 50)
    assert (out.original_width, out.original_height) == (1000, 500)


def test_cmyk_and_palette_and_transparent_images_become_rgb() -> None:
    cmyk = normalise_image(_png("CMYK", colour=(0, 255, 255, 0)))  # cyan 0, magenta+yellow: red
    r, g, b = _decoded(cmyk.jpeg).getpixel((10, 10))
    assert r > 200 and g < 60 and b < 60
    pal = Image.new("RGB", (30, 30), (30, 60, 200)).convert("P", palette=Image.Palette.ADAPTIVE)
    buf = io.BytesIO()
    pal.save(buf, format="PNG")
    assert _decoded(normalise_image(buf.getvalue()).jpeg).mode == "RGB"
    transparent = normalise_image(_png("RGBA", colour=(0, 0, 0, 0)))
    assert min(_decoded(transparent.jpeg).getpixel((5, 5))) > 240  # composited on white


def test_exif_orientation_is_applied() -> None:
    img = Image.new("RGB", (60, 20), (10, 200, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif)
    out = normalise_image(buf.getvalue())
    assert (out.width, out.height) == (20, 60)


def test_animated_gif_keeps_the_first_frame() -> None:
    frames = [Image.new("RGB", (20, 20), c) for c in ((220, 20, 20), (20, 20, 220))]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    out = normalise_image(buf.getvalue())
    assert out.n_frames == 2 and out.format == "GIF"
    r, _, b = _decoded(out.jpeg).getpixel((10, 10))
    assert r > b


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"", "empty"),
        (b"this is not an image at all", "corrupt"),
        (b"<!DOCTYPE html><html><body>consent page</body></html>", "not_image"),
    ],
)
def test_unusable_bytes_are_named(data: bytes, kind: str) -> None:
    with pytest.raises(MediaUnavailable) as err:
        normalise_image(data, where="post p1 image 1/1")
    assert err.value.kind == kind and "post p1 image 1/1" in err.value.reason


def test_truncated_image_is_corrupt() -> None:
    buf = io.BytesIO()
    Image.effect_noise((200, 200), 60).convert("RGB").save(buf, format="JPEG", quality=95)
    with pytest.raises(MediaUnavailable) as err:
        normalise_image(buf.getvalue()[: len(buf.getvalue()) // 2])
    assert err.value.kind == "corrupt"


def test_decompression_bomb_is_refused_before_decoding() -> None:
    with pytest.raises(MediaUnavailable) as err:
        normalise_image(_png(size=(300, 300)), max_pixels=10_000)
    assert err.value.kind == "too_large" and "decompression-bomb" in err.value.reason


def test_fetch_over_http_and_from_disk(http_dir: tuple[Path, str]) -> None:
    folder, url = http_dir
    (folder / "a.png").write_bytes(_png())
    (folder / "page.html").write_text("<html><body>not here</body></html>")
    (folder / "zero.jpg").write_bytes(b"")
    fetcher = ImageFetcher(retries=1, sleep_interval=0, socket_timeout=10)
    image, n = load_image(f"{url}/a.png", fetcher)
    assert n == len(_png()) and image.width == 80
    assert load_image(str(folder / "a.png"), fetcher)[0].jpeg == image.jpeg
    assert load_image((folder / "a.png").as_uri(), fetcher)[0].jpeg == image.jpeg
    cases = {
        f"{url}/page.html": "not_image",
        f"{url}/missing.png": "not_found",
        f"{url}/zero.jpg": "empty",
        str(folder / "nowhere.jpg"): "not_found",
        "ftp://example.org/a.jpg": "unsupported",
        "http://127.0.0.1:9/refused.jpg": "download_error",
    }
    for source, kind in cases.items():
        with pytest.raises(MediaUnavailable) as err:
            load_image(source, fetcher)
        assert err.value.kind == kind, (source, err.value)


def test_politeness_waits_between_requests_to_one_host(http_dir: tuple[Path, str], monkeypatch) -> None:
    folder, url = http_dir
    (folder / "a.png").write_bytes(_png())
    slept: list[float] = []
    monkeypatch.setattr("polimodal.extract.images.time.sleep", lambda s: slept.append(s))
    fetcher = ImageFetcher(retries=0, sleep_interval=5.0)
    fetcher.fetch(f"{url}/a.png")
    fetcher.fetch(f"{url}/a.png")
    assert len(slept) == 1 and 0 < slept[0] <= 5.0
