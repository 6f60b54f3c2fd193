"""Ingest a shard of videos: fetch each video, extract what later stages need, delete the media.

The ingest job is the only one that touches media (as video2dataset does): for each video in
turn it fetches the file, records its metadata (VIDEOS), samples its frames (FRAMES,
:mod:`polimodal.extract.frames`) and extracts its audio track as 16 kHz mono Opus or FLAC (AUDIO,
:mod:`polimodal.extract.audio`), then deletes the file before the next video, so scratch disk
holds one video per job. ``ingest.keep_media: true`` keeps the files in the media folder.
Transcription, embeddings and everything after read those tables, never the media; changing
``frames.fps`` (or anything else extracted here) therefore fetches the videos again.

The shard's tables and the loop are those of every ingest job (:mod:`polimodal.extract.ingest`);
a video is fetched by :mod:`polimodal.extract.download`.
"""

from __future__ import annotations

import logging
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa

from polimodal.corpus.schemas import AUDIO, FRAMES, UNAVAILABLE, VIDEOS, failure_row, table_from_rows
from polimodal.corpus.shards import work_key
from polimodal.corpus.videos import VideoSource
from polimodal.errors import MediaUnavailable
from polimodal.extract.audio import SAMPLE_RATE, AudioOptions, digest, extract_audio
from polimodal.extract.download import YdlFactory, fetch_video
from polimodal.extract.frames import FrameOptions, extract_frames
from polimodal.extract.ingest import IngestOptions, frames_digest, ingest_items, unavailable_tables
from polimodal.extract.probe import MediaInfo
from polimodal.options import output_settings
from polimodal.types import PathLike

log = logging.getLogger(__name__)

#: VIDEOS columns about what the job extracted from the media (not known to
#: :func:`polimodal.extract.download.ingest_video`).
EXTRACTED_COLUMNS = ("n_frames", "frames_digest", "audio_digest")


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
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="audio") as pool:
        # the audio is an ffmpeg process of its own: it runs beside the frame decode (on two
        # cores the job's wall time is the longer of the two, not their sum)
        audio = (
            pool.submit(
                extract_audio,
                media.path,
                stream_duration=media.audio_duration,
                video_id=video_id,
                options=audio_options,
            )
            if media.has_audio
            else None
        )
        if media.has_video:
            try:
                frame_rows = extract_frames(
                    media.path, frame_options, video_id=video_id, backend=frame_options.backend
                )
            except MediaUnavailable as exc:
                log.warning("%s: frames: %s", video_id, exc)
                failed.append(failure_row(video_id, source, "frames", exc))
        if audio is not None:
            try:
                audio_rows = [audio.result()]
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
    retries, pauses, timeouts or cookies) and the listing's title and date the row carries
    (:meth:`VideoSource.listed`: they fill in what the media's metadata lacks). A rerun after a
    kill skips the videos finished before it; a rerun after a finished job reuses the rows of
    every available video whose key is unchanged (and tries the unavailable again), and a video
    that was available before but cannot be fetched now keeps its earlier rows (the failure is
    logged, not recorded).
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
        video = by_id[video_id]
        # the listing's title/date are in the row too (a row without them keeps its old key)
        listed = video.listed()
        return work_key("ingest", video.source, settings, *([listed] if listed else []))

    def origin(video_id: str) -> str:
        return by_id[video_id].source

    def one(video_id: str) -> dict[str, pa.Table]:
        video = by_id[video_id]
        try:
            row, media = fetch_video(video, media_dir, options, ydl=ydl)
        except MediaUnavailable as exc:
            log.warning("%s (%s): unavailable (%s): %s", video_id, video.source, exc.kind, exc.reason)
            return unavailable_tables([failure_row(video_id, video.source, "ingest", exc)])
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

    ingest_items(
        [v.video_id for v in videos],
        one,
        videos_out=videos_out,
        unavailable_out=unavailable_out,
        frames_out=frames_out,
        audio_out=audio_out,
        key=key,
        origin=origin,
        label=f"ingest {videos_out.parent.name}",
        frames_standin=frames_standin,
    )
    if not options.keep_media:
        shutil.rmtree(media_dir, ignore_errors=True)
