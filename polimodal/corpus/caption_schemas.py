"""The columns of what the platform says about a video besides its media: its captions
(:mod:`polimodal.extract.captions`), one module beside :mod:`polimodal.corpus.schemas`."""

from __future__ import annotations

import pyarrow as pa

#: One row per caption cue (``results/captions/{shard}/captions.parquet``, config ``captions``):
#: the subtitles a site offers (yt-dlp ``writesubtitles`` / ``writeautomaticsub``), parsed from
#: WebVTT (:mod:`polimodal.extract.webvtt`), in time order per track.
CAPTIONS = pa.schema(
    [
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("language", pa.string(), nullable=False),  # as the site names the track: en, en-US, de-orig
        pa.field("automatic", pa.bool_(), nullable=False),  # false: uploaded (manual); true: the site's ASR
        pa.field("cue_idx", pa.int32(), nullable=False),  # 0, 1, 2, ... within the track
        pa.field("start", pa.float64(), nullable=False),  # seconds
        pa.field("end", pa.float64(), nullable=False),
        pa.field("text", pa.string(), nullable=False),  # plain text (tags removed), lines joined by \n
    ]
)

#: One row per caption track a video offered (``results/captions/{shard}/tracks.parquet``): how it
#: was read. A track that could not be read at all has n_cues 0 and its reason in ``note``.
CAPTION_TRACKS = pa.schema(
    [
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("language", pa.string(), nullable=False),
        pa.field("automatic", pa.bool_(), nullable=False),
        pa.field("format", pa.string()),  # the file's extension: vtt (others are not parsed)
        pa.field("encoding", pa.string()),  # utf-8 | cp1252 | latin-1 (what decoded the file)
        pa.field("n_cues", pa.int32(), nullable=False),  # rows in CAPTIONS
        pa.field("n_skipped", pa.int32(), nullable=False),  # malformed cues left out
        pa.field("n_overlaps", pa.int32(), nullable=False),  # cues starting before the previous ends
        pa.field("note", pa.string()),  # null: read as it is; else what was not (and why)
    ]
)
