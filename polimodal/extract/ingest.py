"""Ingest: fetch each video of a shard, extract what later stages need, delete the media.

The ingest job is the only one that touches media (as video2dataset does): for each video in
turn it fetches the file, records its metadata (VIDEOS), samples its frames (FRAMES,
:mod:`polimodal.extract.frames`) and extracts its audio track as 16 kHz mono Opus or FLAC (AUDIO,
:mod:`polimodal.extract.audio`), then deletes the file before the next video, so scratch disk
holds one video per job. ``ingest.keep_media: true`` keeps the files in the media folder.
Transcription, embeddings and everything after read those tables, never the media; changing
``frames.fps`` (or anything else extracted here) therefore fetches the videos again.

Three kinds of source (:func:`polimodal.corpus.samples.source_kind`):

* ``youtube`` -- a bare 11-character id or a YouTube URL, and
* ``url`` -- any other http(s) URL (yt-dlp's site extractors, or its generic
  extractor for a page with a video or a direct media link),

  are downloaded with the yt-dlp Python API to ``{media_dir}/{video_id}.{ext}``;

* ``local`` -- a file path, used in place: ``{media_dir}/{video_id}{suffix}`` becomes a
  symlink to the absolute path of the file, so deleting media never touches the user's file.

Every file is checked with ffprobe (:func:`polimodal.extract.probe.probe`), which also gives the
duration, frame size, frame rate and which streams exist. A video that cannot be used
raises :class:`~polimodal.errors.MediaUnavailable`; :func:`ingest_shard` records it in
the UNAVAILABLE table and goes on. ``kind`` values raised here:

=================  =============================================================
``private``        private video
``removed``        deleted, taken down, account terminated, "Video unavailable"
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
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote, urlparse

import pyarrow as pa
import yt_dlp
from yt_dlp.utils import YoutubeDLError

from polimodal.corpus.samples import YOUTUBE_ID_RE, VideoSource, source_kind
from polimodal.corpus.schemas import AUDIO, FRAMES, UNAVAILABLE, VIDEOS, failure_row, table_from_rows
from polimodal.corpus.shards import process_videos, work_key
from polimodal.errors import ConfigError, MediaUnavailable
from polimodal.extract.audio import SAMPLE_RATE, AudioOptions, digest, extract_audio
from polimodal.extract.frames import FrameOptions, extract_frames
from polimodal.extract.probe import MediaInfo, probe
from polimodal.options import options_from_section, output_settings
from polimodal.types import PathLike

log = logging.getLogger(__name__)

#: VIDEOS columns about what the job extracted from the media (not known to :func:`ingest_video`).
EXTRACTED_COLUMNS = ("n_frames", "frames_digest", "audio_digest")

#: A factory of YoutubeDL-like objects: called with the params dict, used as a context
#: manager, must offer ``extract_info(url, download=True)``. Default ``yt_dlp.YoutubeDL``.
YdlFactory = Callable[[dict[str, Any]], Any]


@dataclass
class IngestOptions:
    """Settings of the ingest stage; fields mirror config section ``ingest``."""

    #: How politely and where a video is fetched, not what is made of it (see
    #: :func:`polimodal.options.output_settings`). Cookies can make an age-restricted video
    #: available; a rerun tries every unavailable video again (:mod:`polimodal.corpus.shards`).
    NOT_OUTPUT: ClassVar[frozenset[str]] = frozenset(
        {"retries", "sleep_interval", "socket_timeout", "cookies", "keep_media"}
    )

    #: yt-dlp format selector.
    format: str = "best[height<=480][ext=mp4][acodec!=none]/bv*[height<=480]+ba/b[height<=480]/b"
    #: Retries of a failed request/download/fragment (yt-dlp ``retries`` & co.).
    retries: int = 3
    #: Seconds between requests to a site (yt-dlp ``sleep_interval_requests``) and before
    #: each download (``sleep_interval``); also the base of the back-off between retries.
    sleep_interval: float = 1.0
    #: Netscape cookies.txt for age-restricted or members-only videos (yt-dlp ``cookiefile``).
    cookies: str | None = None
    #: Longer videos are recorded as unavailable (``too_long``); None or 0: no limit.
    max_duration: float | None = 7200
    #: Seconds to wait for an unresponsive host.
    socket_timeout: float = 30
    #: Keep each fetched media file in the media folder (default: deleted once frames and
    #: audio are extracted; a corpus of millions of videos cannot be kept).
    keep_media: bool = False

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> IngestOptions:
        """Build from the ``ingest`` section of the config (missing keys take defaults)."""
        return options_from_section(cls, section, "config ingest")

    def check(self, where: str) -> None:
        opts = self
        try:
            opts.retries = int(opts.retries)
            opts.sleep_interval = float(opts.sleep_interval)
            opts.socket_timeout = float(opts.socket_timeout)
            opts.max_duration = float(opts.max_duration) if opts.max_duration else None
            opts.cookies = str(opts.cookies) if opts.cookies else None
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: bad value: {exc}") from exc
        if opts.retries < 0 or opts.sleep_interval < 0 or opts.socket_timeout <= 0:
            raise ConfigError(
                f"{where}: retries ({opts.retries}) and sleep_interval ({opts.sleep_interval}) "
                f"must be >= 0 and socket_timeout ({opts.socket_timeout}) > 0"
            )
        if opts.cookies and not Path(opts.cookies).is_file():
            raise ConfigError(
                f"{where}.cookies: file {opts.cookies!r} does not exist (relative paths start at the "
                f"working directory: {Path(opts.cookies).absolute()})"
            )


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
def _upload_time(info: Mapping[str, Any]) -> datetime | None:
    """``timestamp`` (epoch seconds) or ``upload_date`` (YYYYMMDD) as a UTC datetime."""
    ts = info.get("timestamp")
    if isinstance(ts, int | float):
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


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _row(video: VideoSource, kind: str, media: MediaInfo, meta: Mapping[str, Any]) -> dict[str, Any]:
    """A VIDEOS row: metadata from ``meta`` (yt-dlp's info dict), technical values from ffprobe."""
    return {
        "video_id": video.video_id,
        "source": video.source,
        "source_kind": kind,
        "media_file": media.path.name,
        "title": _str(meta.get("title")),
        "description": _str(meta.get("description")),
        "tags": _str_list(meta.get("tags")),
        "categories": _str_list(meta.get("categories")),
        "duration": media.duration,
        "upload_time": _upload_time(meta),
        "channel_id": _str(meta.get("channel_id")),
        "channel_name": _str(meta.get("channel") or meta.get("uploader")),
        "webpage_url": _str(meta.get("webpage_url")),
        "width": media.width,
        "height": media.height,
        "fps": media.fps,
        "has_video": media.has_video,
        "has_audio": media.has_audio,
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
    return _row(video, "local", linked, {"title": path.stem}), linked


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


# ----------------------------------------------------------------------------- one shard
def extract_media(
    video_id: str,
    source: str,
    media: MediaInfo,
    frame_options: FrameOptions,
    audio_options: AudioOptions | None = None,
) -> tuple[dict[str, Any], dict[str, pa.Table], list[dict[str, Any]]]:
    """Frames and audio of one fetched file: ``(VIDEOS columns, tables, failure rows)``.

    A file whose frames or audio cannot be decoded keeps its metadata and whatever else could
    be had; the failure becomes an UNAVAILABLE row of stage ``frames`` or ``audio``.
    """
    failed: list[dict[str, Any]] = []
    frame_rows: list[dict[str, Any]] = []
    audio_rows: list[dict[str, Any]] = []
    if media.has_video:
        try:
            frame_rows = extract_frames(
                media.path, frame_options, video_id=video_id, backend=frame_options.backend
            )
        except MediaUnavailable as exc:
            log.warning("%s: frames: %s", video_id, exc)
            failed.append(failure_row(video_id, source, "frames", exc))
    if media.has_audio:
        try:
            audio_rows = [
                extract_audio(
                    media.path, stream_duration=media.audio_duration, video_id=video_id, options=audio_options
                )
            ]
        except MediaUnavailable as exc:
            log.warning("%s: audio: %s", video_id, exc)
            failed.append(failure_row(video_id, source, "audio", exc))
    frames = table_from_rows(frame_rows, FRAMES)
    extra = {
        "n_frames": len(frame_rows),
        "frames_digest": frames_digest(frames) if frame_rows else None,
        "audio_digest": digest(audio_rows[0]["audio"]) if audio_rows else None,
    }
    return extra, {"frames": frames, "audio": table_from_rows(audio_rows, AUDIO)}, failed


def frames_digest(frames: pa.Table) -> str:
    """The digest of a video's FRAMES rows (frame numbers, times and JPEG bytes)."""
    h = hashlib.sha256()
    for idx, t, jpeg in zip(
        *(frames.column(c).to_pylist() for c in ("frame_idx", "timestamp", "jpeg")), strict=True
    ):
        h.update(f"{idx}:{t!r}:{len(jpeg)}:".encode())
        h.update(jpeg)
    return h.hexdigest()[:32]


def available(tables: Mapping[str, pa.Table]) -> bool:
    """Whether a video's ingest tables hold it (a VIDEOS row), i.e. it is not unavailable."""
    return tables["videos"].num_rows > 0


def ingest_shard(
    videos: list[VideoSource],
    media_dir: PathLike,
    videos_out: PathLike,
    unavailable_out: PathLike,
    options: IngestOptions,
    *,
    frames_out: PathLike,
    audio_out: PathLike,
    frame_options: FrameOptions | None = None,
    audio_options: AudioOptions | None = None,
    ydl: YdlFactory | None = None,
    frames_standin: PathLike | None = None,
) -> None:
    """Ingest a shard: fetch each video, extract its frames and audio, delete the file.

    Each video lands in exactly one of ``videos_out`` (VIDEOS) or ``unavailable_out``
    (UNAVAILABLE, stage ``ingest``); its frames go to ``frames_out`` (FRAMES) and its audio
    track to ``audio_out`` (AUDIO); a video whose frames or audio cannot be decoded stays
    available and gets an UNAVAILABLE row of stage ``frames``/``audio`` too. ``media_dir`` is
    the scratch folder (one video at a time; kept with ``options.keep_media``).

    Resumable and never made worse (see :mod:`polimodal.corpus.shards`): each video is keyed by
    the row's source and the output settings of what is extracted
    (:func:`polimodal.options.output_settings` of ``options`` and ``frame_options``; not the
    retries, pauses, timeouts or cookies). A rerun after a kill skips the videos finished
    before it; a rerun after a finished job reuses the rows of every available video whose key
    is unchanged (and tries the unavailable again), and a video that was available before but
    cannot be fetched now keeps its earlier rows (the failure is logged, not recorded).
    ``frames_standin``: when ``frames_out`` is temporary, the stored frames table made from it
    (a vanished video's earlier frames come from there; available videos are fetched again,
    as the JPEGs of near-duplicates are needed again). Never raises for a single bad video;
    raises for problems of the machine (ffmpeg missing, disk full).
    """
    frame_options = frame_options or FrameOptions()
    audio_options = audio_options or AudioOptions()
    media_dir = Path(media_dir)
    videos_out = Path(videos_out)
    media_dir.mkdir(parents=True, exist_ok=True)
    by_id = {v.video_id: v for v in videos}
    if len(by_id) != len(videos):
        dups = sorted({v.video_id for v in videos if sum(w.video_id == v.video_id for w in videos) > 1})
        raise ValueError(f"ingest_shard: duplicate video id(s) {dups[:10]}")
    settings = {
        "ingest": output_settings(options),
        "frames": output_settings(frame_options),
        "audio_rate": SAMPLE_RATE,
        "audio": audio_options,
    }

    def key(video_id: str) -> str:
        return work_key("ingest", by_id[video_id].source, settings)

    def origin(video_id: str) -> str:
        return by_id[video_id].source

    def one(video_id: str) -> dict[str, pa.Table]:
        video = by_id[video_id]
        try:
            row, media = fetch_video(video, media_dir, options, ydl=ydl)
        except MediaUnavailable as exc:
            log.warning("%s (%s): unavailable (%s): %s", video_id, video.source, exc.kind, exc.reason)
            bad = failure_row(video_id, video.source, "ingest", exc)
            return {
                "videos": VIDEOS.empty_table(),
                "unavailable": table_from_rows([bad], UNAVAILABLE),
                "frames": FRAMES.empty_table(),
                "audio": AUDIO.empty_table(),
            }
        try:
            extra, tables, failed = extract_media(video_id, video.source, media, frame_options, audio_options)
        finally:
            if not options.keep_media:
                media.path.unlink(missing_ok=True)
        row.update(extra)
        streams = "+".join(s for s in ("video", "audio") if row[f"has_{s}"])
        log.info(
            "%s (%s): available: %.1f s, %s, %d frame(s), %.1f s of audio",
            video_id,
            video.source,
            row["duration"],
            streams,
            row["n_frames"],
            tables["audio"].column("duration")[0].as_py() if tables["audio"].num_rows else 0.0,
        )
        return {
            "videos": table_from_rows([row], VIDEOS),
            "unavailable": table_from_rows(failed, UNAVAILABLE),
            **tables,
        }

    process_videos(
        [v.video_id for v in videos],
        one,
        {
            "videos": (videos_out, VIDEOS),
            "unavailable": (Path(unavailable_out), UNAVAILABLE),
            "frames": (Path(frames_out), FRAMES),
            "audio": (Path(audio_out), AUDIO),
        },
        key=key,
        label=f"ingest {videos_out.parent.name}",
        origin=origin,
        done=available,
        stored={"frames": frames_standin} if frames_standin else None,
    )
    if not options.keep_media:
        shutil.rmtree(media_dir, ignore_errors=True)
