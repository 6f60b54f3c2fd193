"""Post images: fetch (http(s) or a local path), check and normalise into JPEG frames.

:class:`ImageFetcher` fetches with the politeness settings of video ingest (config section
``ingest``): ``retries`` (with a back-off of ``sleep_interval · 2^attempt`` seconds, at most 60),
``sleep_interval`` (seconds between two requests to the same host) and ``socket_timeout``.
HTTP 404/410 and other 4xx answers are not retried (429 and 5xx are). A response larger than
``max_bytes`` is refused.

:func:`normalise_image` checks and normalises with Pillow:

- RGB: palette (``P``), CMYK, greyscale, 16-bit and alpha images are converted (transparency
  composited on white);
- EXIF orientation applied (``ImageOps.exif_transpose``), so a phone photo stands upright;
- size cap: the longer side is reduced to ``max_side`` (``frames.max_side``; 0 keeps the size); a
  large JPEG is decoded at a reduced DCT scale first (Pillow's ``draft``, never below ``max_side``);
- decompression-bomb guard: an image of more than ``max_pixels`` pixels (Pillow's
  ``Image.MAX_IMAGE_PIXELS`` by default, ~89 megapixels) is refused before it is decoded;
- animated images (GIF, WebP, APNG): the first frame;
- stored as a JPEG of quality ``frames.jpeg_quality``.

Anything that makes an image unusable raises :class:`~polimodal.errors.MediaUnavailable`
(recorded in the UNAVAILABLE table by :mod:`polimodal.extract.posts`, never fatal); kinds:

=================  =============================================================
``not_found``      HTTP 404/410, or a local file that does not exist
``http_error``     another HTTP error status (after retries for 429/5xx)
``download_error`` network failure (refused, reset, timeout) after the retries
``not_image``      the URL served HTML (or another non-image type) instead of an image
``empty``          zero bytes
``corrupt``        not an image Pillow can read, or truncated
``too_large``      more than ``max_pixels`` pixels (decompression bomb) or ``max_bytes`` bytes
=================  =============================================================
"""

from __future__ import annotations

import io
import logging
import math
import os
import time
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from PIL import Image, ImageOps, UnidentifiedImageError

from polimodal.corpus.posts import image_kind
from polimodal.errors import MediaUnavailable

log = logging.getLogger(__name__)

#: Pillow's own decompression-bomb limit (pixels), the default of ``max_pixels``.
DEFAULT_MAX_PIXELS = int(Image.MAX_IMAGE_PIXELS or 89_478_485)
#: Largest image file fetched (bytes).
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
USER_AGENT = "polimodal (research; image fetch)"
_HTML_STARTS = (b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")


@dataclass(frozen=True)
class NormalisedImage:
    """One image as stored in the FRAMES table."""

    jpeg: bytes
    width: int
    height: int
    original_width: int
    original_height: int
    format: str  # what Pillow read: JPEG, PNG, GIF, ...
    n_frames: int  # > 1: animated (the first frame is kept)


def _looks_like_html(data: bytes) -> bool:
    head = data[:512].lstrip().lower()
    return head.startswith(_HTML_STARTS)


def _to_rgb(img: Image.Image) -> Image.Image:
    """RGB, with any transparency composited on white."""
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        img = img.point(lambda v: v / 256).convert("L")  # 16-bit grey -> 8 bits
    return img.convert("RGB") if img.mode != "RGB" else img


def normalise_image(
    data: bytes,
    *,
    max_side: int = 640,
    jpeg_quality: int = 90,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    where: str = "image",
) -> NormalisedImage:
    """Check and normalise one image's bytes (see the module docstring); MediaUnavailable if unusable."""
    if not data:
        raise MediaUnavailable("empty", f"{where}: zero bytes")
    if _looks_like_html(data):
        raise MediaUnavailable("not_image", f"{where}: an HTML page, not an image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            width, height = img.size
            if width * height > max_pixels:
                raise MediaUnavailable(
                    "too_large",
                    f"{where}: {width}x{height} = {width * height} pixels, more than {max_pixels} "
                    "(decompression-bomb guard)",
                )
            fmt = str(img.format or "?")
            n_frames = int(getattr(img, "n_frames", 1) or 1)
            if n_frames > 1:
                img.seek(0)
            if fmt == "JPEG" and max_side and max(width, height) > max_side:
                # decode at the smallest DCT scale whose longer side is still >= max_side
                scale = max_side / max(width, height)
                img.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
            img.load()
            img = ImageOps.exif_transpose(img) or img
            img = _to_rgb(img)
    except MediaUnavailable:
        raise
    except Image.DecompressionBombError as exc:
        raise MediaUnavailable("too_large", f"{where}: {exc} (decompression-bomb guard)") from exc
    except UnidentifiedImageError as exc:
        raise MediaUnavailable(
            "corrupt", f"{where}: not an image Pillow can read ({len(data)} bytes)"
        ) from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # truncated or damaged data
        raise MediaUnavailable("corrupt", f"{where}: cannot decode ({exc})") from exc
    if max_side and max(img.size) > max_side:
        img.thumbnail((max_side, max_side), Image.Resampling.BICUBIC, reducing_gap=3.0)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=int(jpeg_quality))
    return NormalisedImage(buf.getvalue(), img.width, img.height, width, height, fmt, n_frames)


class ImageFetcher:
    """Fetch image bytes from http(s) URLs or local paths, politely (see the module docstring).

    One fetcher per job: it remembers when it last asked each host, to keep ``sleep_interval``
    seconds between two requests to the same host.
    """

    def __init__(
        self,
        *,
        retries: int = 3,
        sleep_interval: float = 1.0,
        socket_timeout: float = 30,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.retries = int(retries)
        self.sleep_interval = float(sleep_interval)
        self.socket_timeout = float(socket_timeout)
        self.max_bytes = int(max_bytes)
        self._last: dict[str, float] = {}

    @classmethod
    def from_options(cls, options: object) -> ImageFetcher:
        """From :class:`polimodal.extract.ingest.IngestOptions` (config section ``ingest``)."""
        return cls(
            retries=getattr(options, "retries", 3),
            sleep_interval=getattr(options, "sleep_interval", 1.0),
            socket_timeout=getattr(options, "socket_timeout", 30),
        )

    def fetch(self, source: str, where: str = "image") -> bytes:
        """The bytes of ``source`` (an http(s) URL, a file:// URL or a path); MediaUnavailable if none."""
        try:
            kind = image_kind(source)
        except ValueError as exc:
            raise MediaUnavailable("unsupported", f"{where}: {exc}") from None
        if kind == "local":
            return self._read_local(source, where)
        return self._get(source, where)

    def _read_local(self, source: str, where: str) -> bytes:
        path = Path(unquote(urlparse(source).path) if source.startswith("file://") else source).expanduser()
        if not path.is_file():
            raise MediaUnavailable("not_found", f"{where}: local file {path} does not exist")
        size = path.stat().st_size
        if size > self.max_bytes:
            raise MediaUnavailable("too_large", f"{where}: {size} bytes, more than {self.max_bytes}")
        return path.read_bytes()

    def _wait_for(self, host: str) -> None:
        last = self._last.get(host)
        if last is not None and self.sleep_interval > 0:
            delay = self.sleep_interval - (time.monotonic() - last)
            if delay > 0:
                time.sleep(delay)
        self._last[host] = time.monotonic()

    def _get(self, url: str, where: str) -> bytes:
        host = urlparse(url).netloc
        last_error = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(self.sleep_interval * 2 ** (attempt - 1), 60.0))
            self._wait_for(host)
            request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "image/*"})
            try:
                with urllib.request.urlopen(request, timeout=self.socket_timeout) as resp:
                    ctype = (resp.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                    length = resp.headers.get("Content-Length")
                    if length and length.isdigit() and int(length) > self.max_bytes:
                        raise MediaUnavailable(
                            "too_large", f"{where}: {url} is {length} bytes, more than {self.max_bytes}"
                        )
                    data = resp.read(self.max_bytes + 1)
            except urllib.error.HTTPError as exc:
                if exc.code in (404, 410):
                    raise MediaUnavailable("not_found", f"{where}: {url}: HTTP {exc.code}") from None
                last_error = f"HTTP {exc.code} {exc.reason}"
                if exc.code != 429 and exc.code < 500:
                    raise MediaUnavailable("http_error", f"{where}: {url}: {last_error}") from None
                continue
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                last_error = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
                continue
            if len(data) > self.max_bytes:
                raise MediaUnavailable("too_large", f"{where}: {url}: more than {self.max_bytes} bytes")
            if (
                ctype
                and not ctype.startswith("image/")
                and (ctype.startswith("text/") or _looks_like_html(data))
            ):
                raise MediaUnavailable(
                    "not_image", f"{where}: {url} served {ctype} ({len(data)} bytes), not an image"
                )
            return data
        kind = "http_error" if last_error.startswith("HTTP") else "download_error"
        raise MediaUnavailable(kind, f"{where}: {url}: {last_error} (after {self.retries + 1} attempt(s))")


def load_image(
    source: str,
    fetcher: ImageFetcher,
    *,
    max_side: int = 640,
    jpeg_quality: int = 90,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    where: str = "image",
) -> tuple[NormalisedImage, int]:
    """Fetch and normalise one image: ``(image, bytes fetched)``; MediaUnavailable if unusable."""
    data = fetcher.fetch(source, where)
    label = f"{where} ({os.path.basename(urlparse(source).path) or source})"
    image = normalise_image(
        data, max_side=max_side, jpeg_quality=jpeg_quality, max_pixels=max_pixels, where=label
    )
    return image, len(data)
