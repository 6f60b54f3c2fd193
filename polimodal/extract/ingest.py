"""The ingest stage's settings and the tables every ingest job writes, whatever the corpus.

An ingest job (one per shard, rule ``ingest``) fetches the items of its shard one at a time -- a
video (:mod:`polimodal.extract.videos`, fetched by :mod:`polimodal.extract.download`) or a post's
images (:mod:`polimodal.extract.posts`, fetched by :mod:`polimodal.extract.images`), as the
corpus's kind says (:data:`polimodal.corpus.samples.SHEET_KINDS`) -- and writes the same four
tables (:data:`SHARD_TABLES`), so every later stage is shared: VIDEOS (one row per usable item),
UNAVAILABLE (what could not be had, and why; never fatal), FRAMES (every JPEG: a video's sampled
frames, a post's images) and AUDIO (empty for posts). :func:`ingest_items` is the loop both run,
resumable item by item (:func:`polimodal.corpus.shards.process_videos`): an item is done once it
has a VIDEOS row (:func:`available`), and one that had rows before but cannot be had now keeps them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from polimodal.corpus.schemas import AUDIO, FRAMES, UNAVAILABLE, VIDEOS, table_from_rows
from polimodal.corpus.shards import process_videos
from polimodal.errors import ConfigError
from polimodal.options import options_from_section
from polimodal.types import PathLike

#: The tables of an ingest job, by the name of the rule's output (and of ``ingest_items``'s ``*_out``).
SHARD_TABLES = {"videos": VIDEOS, "unavailable": UNAVAILABLE, "frames": FRAMES, "audio": AUDIO}


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


# ----------------------------------------------------------------------------- the shard's tables
def unavailable_tables(rows: Sequence[Mapping[str, Any]]) -> dict[str, pa.Table]:
    """The tables of an item that could not be had: its UNAVAILABLE ``rows``, nothing else."""
    return {
        "videos": VIDEOS.empty_table(),
        "unavailable": table_from_rows(list(rows), UNAVAILABLE),
        "frames": FRAMES.empty_table(),
        "audio": AUDIO.empty_table(),
    }


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


def ingest_items(
    ids: list[str],
    one: Callable[[str], dict[str, pa.Table]],
    *,
    videos_out: PathLike,
    unavailable_out: PathLike,
    frames_out: PathLike,
    audio_out: PathLike,
    key: Callable[[str], str],
    origin: Callable[[str], str],
    label: str,
    frames_standin: PathLike | None = None,
) -> None:
    """The loop of an ingest job: ``one(id)`` gives each item's four tables (:data:`SHARD_TABLES`),
    written to ``*_out`` through :func:`polimodal.corpus.shards.process_videos` (resumable, keyed by
    ``key(id)``; ``origin(id)``: what the item was made from). ``frames_standin``: when ``frames_out``
    is temporary, the stored frames table made from it (a vanished item's earlier frames come from
    there).
    """
    out = {"videos": videos_out, "unavailable": unavailable_out, "frames": frames_out, "audio": audio_out}
    process_videos(
        ids,
        one,
        {name: (Path(out[name]), schema) for name, schema in SHARD_TABLES.items()},
        key=key,
        label=label,
        origin=origin,
        done=available,
        stored={"frames": frames_standin} if frames_standin else None,
    )
