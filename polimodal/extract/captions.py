"""What the site says a video says: its subtitles, manual or automatic, fetched with yt-dlp.

Optional (config ``captions.enabled``, off by default: a request per video). The captions job of
a shard (rule ``captions``) asks yt-dlp for each available video's subtitle tracks
(``writesubtitles``, ``writeautomaticsub`` with ``captions.automatic``, ``subtitleslangs`` =
``captions.languages``, WebVTT preferred), without the media (``skip_download``): turning captions
on fetches no video again and reruns no other stage. Each track is read by
:mod:`polimodal.extract.webvtt` into CAPTIONS rows (one per cue) and a CAPTION_TRACKS row saying how
it was read; a track that cannot be read (not WebVTT) keeps its CAPTION_TRACKS row with the reason,
a video the site refuses now gets an UNAVAILABLE row (stage ``captions``), tried again on a rerun.

A track is automatic when yt-dlp lists its language among the site's ``automatic_captions`` and
not among its ``subtitles`` (a language with both gets the manual one). A local file has no site,
hence no captions. The yt-dlp transport settings (retries, pauses, timeouts, cookies) are those of
config ``ingest`` (:func:`polimodal.extract.download.ydl_params`).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
import yt_dlp
from yt_dlp.utils import YoutubeDLError

from polimodal.corpus.caption_schemas import CAPTION_TRACKS, CAPTIONS
from polimodal.corpus.schemas import UNAVAILABLE, failure_row, table_from_rows
from polimodal.corpus.shards import process_videos, work_key
from polimodal.corpus.videos import source_kind
from polimodal.errors import CaptionError, ConfigError, MediaUnavailable
from polimodal.extract.download import (
    YdlFactory,
    _YdlLogger,
    classify_download_error,
    ydl_params,
    youtube_url,
)
from polimodal.extract.ingest import IngestOptions
from polimodal.extract.webvtt import parse_webvtt
from polimodal.options import options_from_section, output_settings
from polimodal.types import PathLike

log = logging.getLogger(__name__)


@dataclass
class CaptionOptions:
    """Settings of the ``captions`` config section."""

    #: Whether the stage runs at all (not an output setting: off, there is no output).
    NOT_OUTPUT: ClassVar[frozenset[str]] = frozenset({"enabled"})

    #: Fetch each video's subtitle tracks (one request per video, no media).
    enabled: bool = False
    #: yt-dlp ``subtitleslangs``: language codes or regular expressions, ``all``, ``-xx`` to leave
    #: one out. YouTube offers its automatic track translated into ~150 languages: with
    #: ``automatic: true`` name them (``[en, de]``; ``.*-orig`` is the spoken language's own track).
    languages: list[str] = field(default_factory=lambda: ["all", "-live_chat"])
    #: Also the site's automatic (speech-recognised) tracks (yt-dlp ``writeautomaticsub``).
    automatic: bool = False

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> CaptionOptions:
        """Build from the ``captions`` section of the config (missing keys take defaults)."""
        return options_from_section(cls, section, "config captions")

    def check(self, where: str) -> None:
        if not self.languages or not all(isinstance(lang, str) and lang for lang in self.languages):
            raise ConfigError(f"{where}.languages: {self.languages!r}: name at least one language (or 'all')")


def caption_params(
    options: CaptionOptions, ingest: IngestOptions, folder: Path, video_id: str
) -> dict[str, Any]:
    """The ``yt_dlp.YoutubeDL`` params that write a video's subtitles into ``folder``, no media."""
    outtmpl = str(folder).replace("%", "%%") + os.sep + "captions.%(ext)s"
    params = ydl_params(ingest, outtmpl, logger=_YdlLogger(video_id))
    params.pop("format", None)
    params.update(
        {
            "skip_download": True,
            "ignore_no_formats_error": True,
            "writesubtitles": True,
            "writeautomaticsub": options.automatic,
            "subtitleslangs": list(options.languages),
            "subtitlesformat": "vtt/best",
        }
    )
    return params


def read_tracks(video_id: str, info: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """CAPTIONS and CAPTION_TRACKS rows of the subtitle files yt-dlp wrote (its ``requested_subtitles``)."""
    manual = set(info.get("subtitles") or {})
    cues: list[dict[str, Any]] = []
    tracks: list[dict[str, Any]] = []
    for language, sub in sorted((info.get("requested_subtitles") or {}).items()):
        automatic = language not in manual
        ext = str(sub.get("ext") or "") or None
        track = {"video_id": video_id, "language": language, "automatic": automatic, "format": ext}
        track.update(encoding=None, n_cues=0, n_skipped=0, n_overlaps=0, note=None)
        path = sub.get("filepath")
        if not path or not Path(path).is_file():
            track["note"] = "the site listed it, but yt-dlp wrote no file"
        elif ext != "vtt":
            track["note"] = f"format {ext!r} is not read (WebVTT only)"
        else:
            try:
                vtt = parse_webvtt(
                    Path(path).read_bytes(), where=f"{video_id}: captions {language}", rolling=automatic
                )
            except CaptionError as exc:
                track["note"] = str(exc)
            else:
                track.update(
                    encoding=vtt.encoding,
                    n_cues=len(vtt.cues),
                    n_skipped=vtt.n_skipped,
                    n_overlaps=vtt.n_overlaps,
                    note=vtt.reason(),
                )
                cues += [
                    {"video_id": video_id, "language": language, "automatic": automatic, "cue_idx": i}
                    | {"start": c.start, "end": c.end, "text": c.text}
                    for i, c in enumerate(vtt.cues)
                ]
        if track["note"]:
            log.warning("%s: captions %s: %s", video_id, language, track["note"])
        tracks.append(track)
    return cues, tracks


def fetch_captions(
    video_id: str,
    source: str,
    options: CaptionOptions,
    ingest: IngestOptions | None = None,
    ydl: YdlFactory | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One video's CAPTIONS and CAPTION_TRACKS rows (none for a local file or a video without
    subtitles). Raises :class:`MediaUnavailable` when the site refuses the page."""
    if source_kind(source) == "local":
        return [], []
    ingest = ingest or IngestOptions()
    folder = Path(tempfile.mkdtemp(prefix=f".{video_id}.captions."))
    try:
        factory: YdlFactory = ydl or yt_dlp.YoutubeDL
        try:
            with factory(caption_params(options, ingest, folder, video_id)) as y:
                info = y.extract_info(youtube_url(source), download=True)
        except YoutubeDLError as exc:
            message = str(exc).strip() or type(exc).__name__
            raise MediaUnavailable(classify_download_error(message), f"captions: {message}") from exc
        if not isinstance(info, Mapping):
            raise MediaUnavailable(
                "download_error", f"captions of {video_id} ({source}): yt-dlp returned nothing"
            )
        return read_tracks(video_id, info)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def captions_shard(
    videos: Sequence[Mapping[str, Any]],
    captions_out: PathLike,
    tracks_out: PathLike,
    failures_out: PathLike,
    options: CaptionOptions,
    ingest: IngestOptions | None = None,
    ydl: YdlFactory | None = None,
) -> None:
    """Captions of a shard's available videos (VIDEOS rows: ``video_id``, ``source``) into CAPTIONS,
    CAPTION_TRACKS and UNAVAILABLE (stage ``captions``) files; resumable and keyed by the source
    and the output settings (:mod:`polimodal.corpus.shards`): a video refused now is tried again
    on the next run."""
    sources = {str(v["video_id"]): str(v["source"]) for v in videos}
    settings = output_settings(options)

    def one(vid: str) -> dict[str, pa.Table]:
        failed: list[dict[str, Any]] = []
        cues: list[dict[str, Any]] = []
        tracks: list[dict[str, Any]] = []
        try:
            cues, tracks = fetch_captions(vid, sources[vid], options, ingest, ydl)
        except MediaUnavailable as exc:
            log.warning("%s: captions: %s", vid, exc)
            failed.append(failure_row(vid, sources[vid], "captions", exc))
        log.info("%s: %d caption track(s), %d cue(s)", vid, len(tracks), len(cues))
        return {
            "captions": table_from_rows(cues, CAPTIONS),
            "tracks": table_from_rows(tracks, CAPTION_TRACKS),
            "failures": table_from_rows(failed, UNAVAILABLE),
        }

    process_videos(
        list(sources),
        one,
        {
            "captions": (Path(captions_out), CAPTIONS),
            "tracks": (Path(tracks_out), CAPTION_TRACKS),
            "failures": (Path(failures_out), UNAVAILABLE),
        },
        key=lambda vid: work_key("captions", sources[vid], settings),
        label="captions",
        origin=sources.__getitem__,
        done=lambda tables: tables["failures"].num_rows == 0,
    )
