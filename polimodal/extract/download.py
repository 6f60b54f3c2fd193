"""Fetch one video's media file: a yt-dlp download or a link to a local file; what makes it
unusable becomes :class:`~polimodal.errors.MediaUnavailable`.

Three kinds of source (:func:`polimodal.corpus.videos.source_kind`):

* ``youtube`` -- a bare 11-character id or a YouTube URL, and
* ``url`` -- any other http(s) URL (yt-dlp's site extractors, or its generic
  extractor for a page with a video or a direct media link),

  are downloaded with the yt-dlp Python API to ``{media_dir}/{video_id}.{ext}``;

* ``local`` -- a file path, used in place: ``{media_dir}/{video_id}{suffix}`` becomes a
  symlink to the absolute path of the file, so deleting media never touches the user's file.

Every file is checked with ffprobe (:func:`polimodal.extract.probe.probe`), which also gives the
duration, frame size, frame rate and which streams exist. A video that cannot be used
raises :class:`~polimodal.errors.MediaUnavailable`; :func:`polimodal.extract.videos.ingest_shard`
records it in the UNAVAILABLE table and goes on. ``kind`` values raised here:

=================  =============================================================
``private``        private video
``removed``        deleted, taken down, account terminated, "Video unavailable", HTTP 410 Gone
``geo_blocked``    not available in the country of the machine
``age_restricted`` needs a signed-in, age-verified account (see ``cookies``)
``login_required`` members-only or otherwise needs an account
``rate_limited``   HTTP 429 or YouTube's "confirm you're not a bot": retry later
``live``           an upcoming or running live stream
``not_found``      HTTP 404, or a local file that does not exist
``unsupported``    no video on the page ("Unsupported URL"), or a playlist
``no_format``      no format matches ``ingest.format``
``too_long``       longer than ``ingest.max_duration``
``corrupt``        not a media file, unreadable or truncated (file deleted)
``empty``          no audio/video stream, zero duration or zero bytes (no data served)
``download_error`` anything else yt-dlp reports (the message is kept as reason)
=================  =============================================================

**Title and upload time, and where they came from** (VIDEOS ``title_source`` /
``upload_time_source``, :func:`described`): the media's own metadata first (``media``: a site's
title and date as yt-dlp's extractor reads them, e.g. YouTube's); where it has none, what the
channel's listing said (``listing``: the sample sheet's ``listing_title`` /
``listing_upload_time``, :class:`~polimodal.corpus.videos.VideoSource`); last what the file
itself gives: the file name (``file_name``: yt-dlp's generic extractor names a direct media link
after its file, a local file is named after its path) and the server's Last-Modified date
(``http_last_modified``: the generic extractor's only date, the day the file was put there).
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import shutil
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import yt_dlp
from yt_dlp.utils import YoutubeDLError, url_basename

from polimodal.corpus.schemas import COUNT_COLUMNS
from polimodal.corpus.videos import YOUTUBE_ID_RE, VideoSource, source_kind
from polimodal.errors import MediaUnavailable
from polimodal.extract.ingest import IngestOptions
from polimodal.extract.probe import MediaInfo, probe
from polimodal.types import PathLike

log = logging.getLogger(__name__)

#: A factory of YoutubeDL-like objects: called with the params dict, used as a context
#: manager, must offer ``extract_info(url, download=True)``. Default ``yt_dlp.YoutubeDL``.
YdlFactory = Callable[[dict[str, Any]], Any]


# ----------------------------------------------------------------------------- yt-dlp errors
#: (kind, pattern) in order: the first pattern found in yt-dlp's message wins. Order
#: matters: YouTube's "Private video. Sign in if ..." must not read as login_required,
#: and "Video unavailable. ... not made this video available in your country" is geo.
_ERROR_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("private", r"private video|video is private|this video has been made private"),
        ("geo_blocked", r"geo.?restrict|not (made this video )?available in your country|geo.?block"),
        ("age_restricted", r"confirm your age|age.?restrict|inappropriate for some users|age.?gate"),
        ("rate_limited", r"not a bot|http error 429|too many requests|rate.?limit"),
        ("login_required", r"members.?only|join this channel|login required|sign in|requires? (a )?login"),
        ("live", r"live event will begin|premieres in|is a live stream|live stream.*not supported"),
        # 410 Gone: the server says the file was there and was taken away (a channel's too)
        ("removed", r"http error 410|\b410\b.*gone"),
        ("not_found", r"http error 404|404: not found|404 not found"),
        ("unsupported", r"unsupported url|not a valid url|no video could be found|is not a media file"),
        ("no_format", r"requested format is not available|no video formats found"),
        ("empty", r"did not get any data blocks|downloaded file is empty"),
        (
            "removed",
            r"video unavailable|no longer available|has been removed|been terminated|"
            r"removed for violating|does not exist|not available|copyright",
        ),
    )
)


def classify_download_error(message: str) -> str:
    """The ``MediaUnavailable.kind`` of a yt-dlp error message (``download_error`` if unknown)."""
    for kind, pattern in _ERROR_KINDS:
        if pattern.search(message):
            return kind
    return "download_error"


class _YdlLogger:
    """Route yt-dlp's output to :mod:`logging`, each line prefixed with the video id.

    Errors are logged at debug level only: the caller records them (and logs the outcome).
    """

    def __init__(self, video_id: str) -> None:
        self.prefix = f"{video_id}: yt-dlp: "

    def debug(self, msg: str) -> None:
        log.debug("%s%s", self.prefix, msg)

    def info(self, msg: str) -> None:
        log.debug("%s%s", self.prefix, msg)

    def warning(self, msg: str) -> None:
        log.warning("%s%s", self.prefix, msg)

    def error(self, msg: str) -> None:
        log.debug("%s%s", self.prefix, msg)


def youtube_url(source: str) -> str:
    """The URL yt-dlp gets for a source: a bare YouTube id becomes a watch URL."""
    if YOUTUBE_ID_RE.fullmatch(source):
        return f"https://www.youtube.com/watch?v={source}"
    return source


def ydl_params(
    options: IngestOptions,
    outtmpl: str,
    *,
    match_filter: Callable[..., str | None] | None = None,
    logger: Any = None,
) -> dict[str, Any]:
    """The ``yt_dlp.YoutubeDL`` params for one download to ``outtmpl``."""
    base = options.sleep_interval

    def backoff(attempt: int) -> float:
        return min(base * 2**attempt, 60.0)

    params: dict[str, Any] = {
        "format": options.format,
        "outtmpl": {"default": outtmpl},
        "retries": options.retries,
        "fragment_retries": options.retries,
        "extractor_retries": options.retries,
        "retry_sleep_functions": {"http": backoff, "fragment": backoff, "extractor": backoff},
        "socket_timeout": options.socket_timeout,
        "noplaylist": True,
        "quiet": True,
        "no_warnings": False,
        "noprogress": True,
        "overwrites": True,
        "continuedl": False,
        "color": {"stdout": "no_color", "stderr": "no_color"},
    }
    if options.sleep_interval > 0:
        params["sleep_interval_requests"] = options.sleep_interval
        params["sleep_interval"] = options.sleep_interval
    if options.cookies:
        params["cookiefile"] = options.cookies
    if match_filter is not None:
        params["match_filter"] = match_filter
    if logger is not None:
        params["logger"] = logger
    return params


# ----------------------------------------------------------------------------- one video
def upload_time(info: Mapping[str, Any], keys: tuple[str, ...] = ("timestamp",)) -> datetime | None:
    """The first of ``keys`` (epoch seconds) or ``upload_date`` (YYYYMMDD) as a UTC datetime."""
    for key in keys:
        ts = info.get(key)
        if isinstance(ts, int | float) and not isinstance(ts, bool):
            try:
                return datetime.fromtimestamp(int(ts), tz=UTC)
            except (OverflowError, OSError, ValueError):
                pass
    date = info.get("upload_date")
    if isinstance(date, str) and re.fullmatch(r"\d{8}", date):
        try:
            return datetime.strptime(date, "%Y%m%d").replace(tzinfo=UTC)
        except ValueError:
            return None
    return None


def _str_list(value: Any) -> list[str] | None:
    if not isinstance(value, list | tuple):
        return None
    return [str(v) for v in value if v is not None]


def counts(info: Mapping[str, Any]) -> dict[str, int | None]:
    """The site's counts (VIDEOS :data:`~polimodal.corpus.schemas.COUNT_COLUMNS`) of yt-dlp's info
    dict: a non-negative whole number each, else null (the generic extractor gives none)."""
    values = {c: info.get(c) for c in COUNT_COLUMNS}
    return {
        c: int(v) if isinstance(v, int | float) and not isinstance(v, bool) and v == v and v >= 0 else None
        for c, v in values.items()
    }


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def described(
    video: VideoSource, meta: Mapping[str, Any], *, file_title: str | None = None
) -> dict[str, Any]:
    """``title``, ``upload_time`` and their ``*_source`` columns (see the module docstring).

    ``meta``: yt-dlp's info dict; ``file_title``: the title a local file's name gives. yt-dlp's
    generic extractor (a direct media link) titles a file after its name and dates it by the
    server's Last-Modified header: those values rank below the listing's.
    """
    generic = meta.get("extractor_key") == "Generic"
    title, when = _str(meta.get("title")), upload_time(meta)
    url = str(meta.get("webpage_url") or meta.get("url") or video.source)
    named = generic and (bool(meta.get("direct")) or title == unquote(os.path.splitext(url_basename(url))[0]))
    titles = [
        (None if named else title, "media"),
        (video.listing_title, "listing"),
        (title if named else file_title, "file_name"),
    ]
    times = [(None if generic else when, "media"), (video.listing_upload_time, "listing")]
    times.append((when if generic else None, "http_last_modified"))
    title, title_source = next(((v, k) for v, k in titles if v), (None, None))
    when, time_source = next(((v, k) for v, k in times if v is not None), (None, None))
    return {
        "title": title,
        "title_source": title_source,
        "upload_time": when,
        "upload_time_source": time_source,
    }


def _row(
    video: VideoSource,
    kind: str,
    media: MediaInfo,
    meta: Mapping[str, Any],
    *,
    file_title: str | None = None,
) -> dict[str, Any]:
    """A VIDEOS row: metadata from ``meta`` (yt-dlp's info dict) and the sheet's listing values
    (:func:`described`), technical values from ffprobe."""
    return {
        "video_id": video.video_id,
        "source": video.source,
        "source_kind": kind,
        "media_file": media.path.name,
        **described(video, meta, file_title=file_title),
        "description": _str(meta.get("description")),
        "tags": _str_list(meta.get("tags")),
        "categories": _str_list(meta.get("categories")),
        "duration": media.duration,
        "channel_id": _str(meta.get("channel_id")),
        "channel_name": _str(meta.get("channel") or meta.get("uploader")),
        "webpage_url": _str(meta.get("webpage_url")),
        "width": media.width,
        "height": media.height,
        "fps": media.fps,
        "has_video": media.has_video,
        "has_audio": media.has_audio,
        **counts(meta),
    }


def _check_duration(video: VideoSource, media: MediaInfo, options: IngestOptions) -> None:
    if options.max_duration and media.duration > options.max_duration:
        raise MediaUnavailable(
            "too_long",
            f"video {video.video_id} ({video.source}) lasts {media.duration:.0f} s, "
            f"more than ingest.max_duration = {options.max_duration:g} s",
        )


def _probe_or_delete(path: Path, video: VideoSource) -> MediaInfo:
    """Probe a downloaded file; delete it if it is unusable."""
    try:
        return probe(path)
    except MediaUnavailable as exc:
        path.unlink(missing_ok=True)
        raise MediaUnavailable(
            exc.kind, f"video {video.video_id} ({video.source}): downloaded file {exc.reason}"
        ) from exc


def _local_path(source: str) -> Path:
    if source.startswith("file://"):
        source = unquote(urlparse(source).path)
    return Path(os.path.abspath(Path(source).expanduser()))


def _ingest_local(
    video: VideoSource, media_dir: Path, options: IngestOptions
) -> tuple[dict[str, Any], MediaInfo]:
    path = _local_path(video.source)
    try:
        media = probe(path)
    except MediaUnavailable as exc:
        raise MediaUnavailable(exc.kind, f"video {video.video_id}: local file {exc.reason}") from exc
    _check_duration(video, media, options)
    link = media_dir / f"{video.video_id}{path.suffix}"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(path)
    linked = MediaInfo(**{**media.__dict__, "path": link})
    return _row(video, "local", linked, {}, file_title=path.stem), linked


def _downloaded_file(info: Mapping[str, Any], staging: Path, video_id: str) -> Path | None:
    """The finished file yt-dlp wrote (not a .part or intermediate format file)."""
    for entry in info.get("requested_downloads") or []:
        fp = entry.get("filepath") if isinstance(entry, Mapping) else None
        if fp and Path(fp).is_file():
            return Path(fp)
    candidates = [
        p
        for p in staging.iterdir()
        if p.is_file() and p.name.startswith(f"{video_id}.") and p.suffix not in {".part", ".ytdl", ".temp"}
    ]
    return candidates[0] if len(candidates) == 1 else None


def _ingest_remote(
    video: VideoSource, kind: str, media_dir: Path, options: IngestOptions, ydl: YdlFactory | None
) -> tuple[dict[str, Any], MediaInfo]:
    url = youtube_url(video.source)
    where = f"video {video.video_id} ({url})"
    # yt-dlp writes into a private staging folder (part files, separate audio/video
    # formats before merging); only the finished file moves to media_dir. A failed
    # download thus leaves nothing behind, whatever characters the video id holds.
    staging = media_dir / f".{video.video_id}.download"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    rejected: dict[str, Any] = {}

    def match_filter(info: Mapping[str, Any], *, incomplete: bool = False) -> str | None:
        if info.get("playlist_index") is not None:
            rejected["playlist"] = info.get("playlist") or info.get("playlist_id") or True
            return "entry of a playlist"
        duration = info.get("duration")
        if options.max_duration and isinstance(duration, int | float) and duration > options.max_duration:
            rejected["too_long"] = float(duration)
            return f"lasts {duration:.0f} s, more than {options.max_duration:g} s"
        return None

    outtmpl = str(staging).replace("%", "%%") + os.sep + f"{video.video_id}.%(ext)s"
    params = ydl_params(options, outtmpl, match_filter=match_filter, logger=_YdlLogger(video.video_id))
    factory: YdlFactory = ydl or yt_dlp.YoutubeDL
    try:
        try:
            with factory(params) as y:
                info = y.extract_info(url, download=True)
        except YoutubeDLError as exc:
            message = str(exc).strip() or type(exc).__name__
            if "no space left on device" in message.lower():
                raise OSError(errno.ENOSPC, f"{where}: {message}") from exc
            raise MediaUnavailable(classify_download_error(message), message) from exc
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            # An extractor bug on one page must not stop a shard of thousands.
            log.debug("%s: yt-dlp failed unexpectedly", where, exc_info=True)
            raise MediaUnavailable("download_error", f"yt-dlp failed: {type(exc).__name__}: {exc}") from exc
        if "too_long" in rejected:
            raise MediaUnavailable(
                "too_long",
                f"{where} lasts {rejected['too_long']:.0f} s, "
                f"more than ingest.max_duration = {options.max_duration:g} s",
            )
        if not isinstance(info, Mapping):
            raise MediaUnavailable("download_error", f"{where}: yt-dlp returned no information")
        if "playlist" in rejected or info.get("_type") in ("playlist", "multi_video"):
            raise MediaUnavailable(
                "unsupported", f"{where} is a playlist or multi-video page: list its videos one per row"
            )
        file = _downloaded_file(info, staging, video.video_id)
        if file is None:
            raise MediaUnavailable("download_error", f"{where}: yt-dlp finished but wrote no media file")
        final = media_dir / file.name
        os.replace(file, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    media = _probe_or_delete(final, video)
    try:
        _check_duration(video, media, options)
    except MediaUnavailable:
        final.unlink(missing_ok=True)
        raise
    return _row(video, kind, media, info), media


def ingest_video(
    video: VideoSource,
    media_dir: PathLike,
    options: IngestOptions,
    ydl: YdlFactory | None = None,
) -> dict[str, Any]:
    """Fetch one video into ``media_dir`` and return its VIDEOS row.

    ``ydl``: factory of YoutubeDL-like objects (default ``yt_dlp.YoutubeDL``), for tests
    or a customised downloader. Raises :class:`MediaUnavailable` for anything that makes
    the video unusable (see the module docstring for the kinds); the media file of an
    unusable video is not left in ``media_dir``.
    """
    return fetch_video(video, media_dir, options, ydl)[0]


def fetch_video(
    video: VideoSource, media_dir: PathLike, options: IngestOptions, ydl: YdlFactory | None = None
) -> tuple[dict[str, Any], MediaInfo]:
    """:func:`ingest_video`, also returning what ffprobe said of the file."""
    media_dir = Path(media_dir)
    media_dir.mkdir(parents=True, exist_ok=True)
    kind = source_kind(video.source)
    if kind == "local":
        row, media = _ingest_local(video, media_dir, options)
    else:
        row, media = _ingest_remote(video, kind, media_dir, options, ydl)
    row["media_bytes"] = media.size
    row["media_digest"] = file_digest(media.path)
    return row, media


def file_digest(path: PathLike, chunk: int = 1 << 22) -> str:
    """sha256 of a file's bytes (first 32 hex digits), read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()[:32]
