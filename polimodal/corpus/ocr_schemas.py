"""The on-screen text's Parquet tables (:mod:`polimodal.extract.ocr`): their columns, declared once
and checked on write (with :mod:`polimodal.corpus.schemas`' writers).
"""

from __future__ import annotations

import pyarrow as pa

#: One row per line of text read on a kept frame (``results/ocr/{shard}/lines.parquet``;
#: :mod:`polimodal.extract.ocr`, config ``ocr``). Lines of a frame come in reading order (top to
#: bottom, then left to right). ``new``: the line is no repeat of a line read on the video's
#: previous kept frames (a chyron shown for 30 s is new once): the ``ocr`` text field keeps these.
OCR_LINES = pa.schema(
    [
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("frame_idx", pa.int32(), nullable=False),
        pa.field("timestamp", pa.float64(), nullable=False),  # seconds from start
        pa.field("line", pa.int32(), nullable=False),  # 0, 1, ... within the frame, reading order
        pa.field("text", pa.string(), nullable=False),
        pa.field("score", pa.float32(), nullable=False),  # the recogniser's confidence, 0-1
        # the line's quadrilateral in the frame's pixels: x, y of its 4 corners, clockwise from top left
        pa.field("box", pa.list_(pa.float32(), 8), nullable=False),
        pa.field("new", pa.bool_(), nullable=False),
    ]
)

#: One row per video of the shard (``results/ocr/{shard}/texts.parquet``): its on-screen text,
#: the ``new`` lines of OCR_LINES in time order, one a line (the ``ocr`` text field).
OCR_TEXTS = pa.schema(
    [
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("n_frames", pa.int32(), nullable=False),  # kept frames read
        pa.field("n_lines", pa.int32(), nullable=False),  # lines read on them (OCR_LINES rows)
        pa.field("text", pa.string(), nullable=False),  # "" when no frame shows text
    ]
)

#: One row per kept frame that could not be read (``results/ocr/{shard}/skipped.parquet``).
OCR_SKIPPED = pa.schema(
    [
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("frame_idx", pa.int32(), nullable=False),
        pa.field("timestamp", pa.float64(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
    ]
)
