"""Columns of the speaker diarization artifact (issue 27 s.1), checked on write like every other
schema (:mod:`polimodal.corpus.schemas` holds the helpers that read and write them)."""

from __future__ import annotations

import pyarrow as pa

#: Width of a speaker embedding (resemblyzer's voice encoder: 256, L2-normalised).
SPEAKER_EMBEDDING_DIM = 256

#: One row per speech turn of a video (``results/speakers/{shard}.parquet``,
#: :mod:`polimodal.extract.speakers`): who speaks when. ``speaker`` is local to the video
#: (``SPEAKER_00`` is whoever speaks first); ``embedding`` is the turn's voice (the mean of its
#: windows' L2-normalised embeddings, normalised again), comparable across videos by cosine
#: similarity. A video without audio or without speech has no rows.
SPEAKERS = pa.schema(
    [
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("turn_idx", pa.int32(), nullable=False),  # 0, 1, 2, ... in time order within the video
        pa.field("start", pa.float64(), nullable=False),  # seconds from the start of the audio
        pa.field("end", pa.float64(), nullable=False),
        pa.field("speaker", pa.string(), nullable=False),  # SPEAKER_00, SPEAKER_01, ... (per video)
        pa.field("n_speakers", pa.int32(), nullable=False),  # speakers found in (or set for) the video
        pa.field("embedding", pa.list_(pa.float32())),  # null: the backend gives none (pyannote)
    ]
)
