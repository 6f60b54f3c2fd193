"""The experiments' Parquet tables (splits, task texts, predictions, corpus classification):
their columns, declared once and checked on write (with :mod:`polimodal.corpus.schemas`' writers).
"""

from __future__ import annotations

import pyarrow as pa

from polimodal.corpus.schemas import OPTIONAL, TEXT_PARTS

# ----------------------------------------------------------------------------- experiments
#: One row per task × fold × video (``results/splits/{task}.parquet``). Test rows are the
#: same in every fold.
SPLITS = pa.schema(
    [
        pa.field("task", pa.string(), nullable=False),
        pa.field("fold", pa.int32(), nullable=False),
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("split", pa.string(), nullable=False),  # train | validation | test
    ]
)

#: One row per video of a task (``results/tasks/{task}/texts.parquet``): every text part a model
#: may read (``text_fields``), null when the video has none.
TASK_TEXTS = pa.schema(
    [
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("description", pa.string()),
        pa.field("transcript", pa.string()),
        pa.field("language", pa.string()),  # TRANSCRIPTS language (ISO 639-1), null when unknown
        pa.field("parts", TEXT_PARTS),  # a post's text columns (TRANSCRIPTS parts), null for videos
        # the site's captions, one track (polimodal.data.captions); null: none, or captions are off
        pa.field("captions", pa.string(), metadata=OPTIONAL),
        pa.field("ocr", pa.string(), metadata=OPTIONAL),  # on-screen text (OCR_TEXTS), null without ocr
    ]
)
# A task's kept frames (``results/tasks/{task}/frames.parquet``) are FRAMES rows: only the task's
# videos, only the frames that survive near-duplicate removal.

#: One row per task × model × fold × scored video (``results/{task}/{model}/fold{fold}/predictions.parquet``).
PREDICTIONS = pa.schema(
    [
        pa.field("task", pa.string(), nullable=False),
        pa.field("model", pa.string(), nullable=False),
        pa.field("fold", pa.int32(), nullable=False),
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("split", pa.string(), nullable=False),  # validation | test
        pa.field("label", pa.string(), nullable=False),
        pa.field("predicted", pa.string(), nullable=False),
        # score of each class, in the order of `classes` (probabilities or decision values)
        pa.field("classes", pa.list_(pa.string()), nullable=False),
        pa.field("scores", pa.list_(pa.float64()), nullable=False),
    ]
)


# ----------------------------------------------------------------------------- corpus classification
#: One row per available video of a shard, as the chosen model of a task classifies it
#: (``results/classified/{task}/{model}.parquet``; per shard below it while running).
CLASSIFIED = pa.schema(
    [
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("task", pa.string(), nullable=False),
        pa.field("model", pa.string(), nullable=False),
        pa.field("fold", pa.int32(), nullable=False),  # whose checkpoint classified it
        pa.field("predicted", pa.string(), nullable=False),
        pa.field("classes", pa.list_(pa.string()), nullable=False),
        pa.field("scores", pa.list_(pa.float64()), nullable=False),  # one per class, as in PREDICTIONS
        # what the video lacked of what the model reads ("transcript", "frames"); empty: nothing
        pa.field("lacks", pa.list_(pa.string()), nullable=False),
    ]
)
