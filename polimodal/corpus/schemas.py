"""Every Parquet artifact's columns, declared once and checked on write.

Open any artifact with ``pandas.read_parquet`` or ``pyarrow.parquet.read_table``;
this module is the documentation of its columns.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from polimodal.errors import SchemaError

#: Field metadata of a column added to a schema after files of it were written: :func:`conform`
#: fills it with nulls in a file that lacks it (read readers: :func:`has_column`).
OPTIONAL = {b"optional": b"true"}

# ----------------------------------------------------------------------------- ingest
#: The site's counts a VIDEOS row carries (yt-dlp's info dict keys of the same names).
COUNT_COLUMNS = ("view_count", "like_count", "comment_count", "channel_follower_count")

#: One row per available video of a shard (``results/ingest/{shard}/videos.parquet``).
VIDEOS = pa.schema(
    [
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),  # as written in the sheet
        pa.field("source_kind", pa.string(), nullable=False),  # youtube | url | local
        pa.field("media_file", pa.string()),  # the downloaded (or linked) file's name
        pa.field("media_bytes", pa.int64()),  # its size
        pa.field("media_digest", pa.string()),  # sha256 of its bytes (first 32 hex digits)
        pa.field("title", pa.string()),
        # where title / upload_time came from (polimodal.extract.download.described; null: none):
        # media (the site's own) | listing (the sample sheet's listing_* columns) | file_name |
        # http_last_modified (the server's Last-Modified date)
        pa.field("title_source", pa.string(), metadata=OPTIONAL),
        pa.field("description", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("categories", pa.list_(pa.string())),  # YouTube's topic labels
        pa.field("duration", pa.float64()),  # seconds (from ffprobe when known)
        pa.field("upload_time", pa.timestamp("s", tz="UTC")),
        pa.field("upload_time_source", pa.string(), metadata=OPTIONAL),  # as title_source
        pa.field("channel_id", pa.string()),
        pa.field("channel_name", pa.string()),
        pa.field("webpage_url", pa.string()),
        pa.field("width", pa.int32()),
        pa.field("height", pa.int32()),
        pa.field("fps", pa.float64()),
        pa.field("has_video", pa.bool_()),
        pa.field("has_audio", pa.bool_()),
        # what the ingest job extracted from the media (later stages are keyed by them):
        pa.field("n_frames", pa.int32()),
        pa.field("frames_digest", pa.string()),  # sha256 of the video's FRAMES rows (null: none)
        pa.field("audio_digest", pa.string()),  # sha256 of its AUDIO row's stream (null: no audio)
        # what the site counted when the video was fetched (yt-dlp's; null where the site gives none)
        *(pa.field(c, pa.int64(), metadata=OPTIONAL) for c in COUNT_COLUMNS),
    ]
)

#: One row per video that could not be processed, with the reason.
UNAVAILABLE = pa.schema(
    [
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),  # ingest | frames | transcribe | ...
        pa.field("kind", pa.string(), nullable=False),  # see MediaUnavailable.kind
        pa.field("reason", pa.string(), nullable=False),
    ]
)


def failure_row(video_id: str, source: str, stage: str, exc: Any) -> dict[str, str]:
    """An UNAVAILABLE row for a video that a stage could not use (``exc``: MediaUnavailable)."""
    return {"video_id": video_id, "source": source, "stage": stage, "kind": exc.kind, "reason": exc.reason}


# ----------------------------------------------------------------------------- channels → videos
#: One row per entry of a channel's flat listing (``results/channels/{shard}/listing.parquet``;
#: every entry listed, before the selection of :mod:`polimodal.corpus.channel_selection`).
LISTING = pa.schema(
    [
        pa.field("channel", pa.string(), nullable=False),  # as written in the channels sheet
        pa.field("channel_url", pa.string(), nullable=False),  # the URL that was listed
        pa.field("position", pa.int32(), nullable=False),  # 0-based, in the listing's order
        pa.field("video_id", pa.string(), nullable=False),  # the video sheet's id
        pa.field("source", pa.string(), nullable=False),  # the video sheet's source (a URL)
        pa.field("title", pa.string()),
        pa.field("upload_time", pa.timestamp("s", tz="UTC")),  # null: the listing gives no date
        pa.field("duration", pa.float64()),
        pa.field("live_status", pa.string()),  # yt-dlp's: is_live, was_live, is_upcoming, ...
        pa.field("short", pa.bool_(), nullable=False),  # a /shorts/ URL
    ]
)

#: One row per channel of a listing job (``results/channels/{shard}/channels.parquet``): listed,
#: or unavailable with the reason (``kind`` as :class:`~polimodal.errors.MediaUnavailable`'s).
CHANNEL_STATUS = pa.schema(
    [
        pa.field("channel", pa.string(), nullable=False),  # as written in the channels sheet
        pa.field("channel_url", pa.string(), nullable=False),  # the URL that was listed
        pa.field("status", pa.string(), nullable=False),  # listed | unavailable
        pa.field("kind", pa.string()),  # unavailable: removed, not_found, private, geo_blocked, ...
        pa.field("reason", pa.string()),  # unavailable: yt-dlp's message
        pa.field("entries", pa.int32(), nullable=False),  # rows in LISTING
    ]
)


# ----------------------------------------------------------------------------- audio
#: One row per video with an audio track (``results/audio/{shard}.parquet``): the whole track
#: as 16 kHz mono Ogg Opus (config ``audio.codec``, default) or FLAC (lossless); decode either
#: with :func:`polimodal.extract.audio.decode_audio`.
AUDIO = pa.schema(
    [
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("sample_rate", pa.int32(), nullable=False),
        pa.field("n_samples", pa.int64(), nullable=False),
        pa.field("duration", pa.float64(), nullable=False),  # seconds decoded
        pa.field("stream_duration", pa.float64()),  # seconds the container announces for the track
        pa.field("lost_seconds", pa.float64(), nullable=False),  # undecodable (damaged packets), >= 0
        pa.field("codec", pa.string(), nullable=False),  # opus | flac
        pa.field("audio", pa.binary(), nullable=False),  # the encoded stream (Ogg Opus or FLAC file bytes)
    ]
)

# ----------------------------------------------------------------------------- transcripts
WORD = pa.struct(
    [
        pa.field("word", pa.string()),
        pa.field("start", pa.float64()),
        pa.field("end", pa.float64()),
        pa.field("probability", pa.float64()),
    ]
)

#: One row per transcript segment (``results/transcripts/{shard}/segments.parquet``).
SEGMENTS = pa.schema(
    [
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("segment_id", pa.int32(), nullable=False),
        pa.field("start", pa.float64()),
        pa.field("end", pa.float64()),
        pa.field("text", pa.string()),
        pa.field("avg_logprob", pa.float64()),
        pa.field("no_speech_prob", pa.float64()),
        pa.field("words", pa.list_(WORD)),
        # may be made up (polimodal.extract.suspect): faster-whisper's gzip compression ratio of
        # the text, the flag, and its reasons joined by "," (no_speech, low_logprob, compression, loop)
        pa.field("compression_ratio", pa.float64(), metadata=OPTIONAL),
        pa.field("suspect", pa.bool_(), metadata=OPTIONAL),
        pa.field("suspect_reason", pa.string(), metadata=OPTIONAL),
    ]
)

#: A post's text, one part per text column of its sheet (config ``posts.text_columns``), in order.
TEXT_PARTS = pa.list_(pa.struct([pa.field("name", pa.string()), pa.field("text", pa.string())]))

#: One row per available video: language and the whole text
#: (``results/transcripts/{shard}/videos.parquet``). A silent video has n_segments 0. A post's
#: text (``model`` post_text) is its text columns joined; ``parts`` holds each (null for videos).
TRANSCRIPTS = pa.schema(
    [
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("language", pa.string()),
        pa.field("language_probability", pa.float64()),
        pa.field("audio_duration", pa.float64()),
        pa.field("n_segments", pa.int32(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("model", pa.string(), nullable=False),
        pa.field("parts", TEXT_PARTS, metadata=OPTIONAL),
        # suspect segments (SEGMENTS suspect); text leaves them out with transcribe.drop_suspect
        pa.field("n_suspect", pa.int32(), metadata=OPTIONAL),
        # asr | captions (transcribe.prefer_manual_captions; null: a post, or an older file) and why
        # a video's manual captions were not used (null: none, or used)
        pa.field("source", pa.string(), metadata=OPTIONAL),
        pa.field("source_note", pa.string(), metadata=OPTIONAL),
    ]
)

# ----------------------------------------------------------------------------- frames
#: One row per sampled frame. The ingest job writes every frame's JPEG
#: (``results/ingest/{shard}/frames.parquet``, temporary: read by the embed rule); the stored
#: ``results/frames/{shard}.parquet`` keeps the JPEGs of the frames that survive near-duplicate
#: removal only (``jpeg`` null for the dropped ones, whose rows and embeddings stay), unless
#: ``frames.keep_dropped: true`` (then the ingest job writes the stored file itself, every JPEG).
FRAMES = pa.schema(
    [
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("frame_idx", pa.int32(), nullable=False),  # 0, 1, 2, ... in time order
        pa.field("timestamp", pa.float64(), nullable=False),  # seconds from start
        pa.field("width", pa.int32(), nullable=False),
        pa.field("height", pa.int32(), nullable=False),
        pa.field("jpeg", pa.binary()),  # null: a near-duplicate whose JPEG was not kept
    ]
)

#: One row per frame with its L2-normalised embedding (``results/embeddings/{shard}.parquet``),
#: stored as int8 with a per-vector float32 ``scale`` (vector ≈ embedding × scale; symmetric,
#: scale = max|x| / 127): a quarter of float32's bytes, cosine similarity to the original > 0.9999
#: on real frames (``bench/bench_storage.py``). Read it with
#: :func:`polimodal.corpus.embeddings.read_embeddings` (float32, any layout).
EMBEDDINGS = pa.schema(
    [
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("frame_idx", pa.int32(), nullable=False),
        pa.field("timestamp", pa.float64(), nullable=False),
        pa.field("embedding", pa.list_(pa.int8()), nullable=False),
        pa.field("scale", pa.float32(), nullable=False),
        pa.field("model", pa.string(), nullable=False),
    ]
)

#: EMBEDDINGS with ``embed.precision: float16`` (and every file written before the int8 layout):
#: the vector as float16, no ``scale``.
EMBEDDINGS_FLOAT16 = pa.schema(
    [
        f.with_type(pa.list_(pa.float16())) if f.name == "embedding" else f
        for f in EMBEDDINGS
        if f.name != "scale"
    ]
)

#: One row per frame: whether it survives near-duplicate removal (``results/dedup/{shard}.parquet``).
DEDUP = pa.schema(
    [
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("frame_idx", pa.int32(), nullable=False),
        pa.field("timestamp", pa.float64(), nullable=False),
        pa.field("kept", pa.bool_(), nullable=False),
        # frame_idx of the earlier kept frame it duplicates (null when kept)
        pa.field("duplicate_of", pa.int32()),
        # highest cosine similarity to an earlier kept frame (null for the first frame)
        pa.field("max_similarity", pa.float32()),
    ]
)

# ----------------------------------------------------------------------------- pitch and alignment
#: One row per voiced 10 ms analysis frame of a video's audio (``results/pitch/{shard}.parquet``):
#: Praat's F0 (autocorrelation, :mod:`polimodal.extract.pitch`) and intensity. Unvoiced frames
#: have no row; a video without audio or without voiced speech has no rows.
PITCH = pa.schema(
    [
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("time", pa.float64(), nullable=False),  # seconds from start (centre of the frame)
        pa.field("f0", pa.float32(), nullable=False),  # Hz
        pa.field("intensity", pa.float32()),  # dB (Praat's intensity, not calibrated)
    ]
)

#: One row per transcript word (``results/aligned/{shard}.parquet``): the explicit alignment of
#: words, pitch and frames (:mod:`polimodal.align.table`). F0 statistics are over the word's
#: voiced PITCH frames (null when it has none); ``*_z`` are the same in standard deviations of
#: the video's voiced F0 from its mean (speaker-relative pitch); ``frame_idx`` is the kept frame
#: shown while the word is spoken (join FRAMES/EMBEDDINGS on video_id + frame_idx).
ALIGNED = pa.schema(
    [
        pa.field("video_id", pa.string(), nullable=False),
        pa.field("segment_id", pa.int32(), nullable=False),
        pa.field("word_idx", pa.int32(), nullable=False),  # 0, 1, 2, ... within the video
        pa.field("word", pa.string(), nullable=False),  # as transcribed, stripped
        pa.field("start", pa.float64(), nullable=False),
        pa.field("end", pa.float64(), nullable=False),
        pa.field("probability", pa.float64()),
        pa.field("n_voiced", pa.int32(), nullable=False),  # voiced 10 ms frames within the word
        pa.field("f0_mean", pa.float32()),
        pa.field("f0_median", pa.float32()),
        pa.field("f0_sd", pa.float32()),
        pa.field("f0_min", pa.float32()),
        pa.field("f0_max", pa.float32()),
        pa.field("f0_mean_z", pa.float32()),
        pa.field("f0_median_z", pa.float32()),
        pa.field("f0_sd_z", pa.float32()),  # f0_sd / the video's F0 sd
        pa.field("f0_min_z", pa.float32()),
        pa.field("f0_max_z", pa.float32()),
        pa.field("intensity_mean", pa.float32()),  # dB, over the word's voiced frames
        pa.field("frame_idx", pa.int32()),  # null: the video has no kept frame
        pa.field("frame_timestamp", pa.float64()),
        # with speakers (config speakers.enabled; null otherwise or outside every turn): the turn's
        # speaker the word overlaps most, and f0_mean / f0_median in sds of that speaker's voiced F0
        pa.field("speaker", pa.string(), metadata=OPTIONAL),
        pa.field("f0_mean_speaker_z", pa.float32(), metadata=OPTIONAL),
        pa.field("f0_median_speaker_z", pa.float32(), metadata=OPTIONAL),
    ]
)


def table_from_rows(rows: Sequence[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    """Build a table of ``schema`` from dict rows; unknown keys are an error."""
    names = set(schema.names)
    for i, row in enumerate(rows):
        extra = set(row) - names
        if extra:
            raise SchemaError(f"row {i}: unknown column(s) {sorted(extra)}; expected {schema.names}")
    columns = {name: [row.get(name) for row in rows] for name in schema.names}
    loose = pa.schema([f.with_nullable(True) for f in schema])  # nulls are reported by conform()
    try:
        return conform(pa.Table.from_pydict(columns, schema=loose), schema, what="rows")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise SchemaError(f"rows do not fit schema: {exc}") from exc


def conform(table: pa.Table, schema: pa.Schema, what: str = "table") -> pa.Table:
    """Return ``table`` with exactly ``schema``'s columns and types, or raise SchemaError.

    A missing :data:`OPTIONAL` column (one added after older files were written) is filled with nulls.
    """
    for field in schema:
        if field.metadata == OPTIONAL and field.name not in table.column_names:
            table = table.append_column(field.with_metadata({}), pa.nulls(table.num_rows, field.type))
    missing = [n for n in schema.names if n not in table.column_names]
    extra = [n for n in table.column_names if n not in schema.names]
    if missing or extra:
        raise SchemaError(f"{what}: missing columns {missing}, unexpected columns {extra}")
    table = table.select(schema.names)
    for field in schema:
        if not field.nullable and table.column(field.name).null_count:
            raise SchemaError(f"{what}: column {field.name!r} has nulls but is declared not null")
    try:
        return table.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError) as exc:
        raise SchemaError(f"{what}: cannot cast to the declared schema: {exc}") from exc


def _publish(tmp: str, path: Path) -> None:
    """Give ``tmp`` the permissions of a normally created file (mkstemp makes it 0600), then
    rename it to ``path``: readers see the whole file or none of it."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)
    os.replace(tmp, path)


def _leaves(field: pa.Field, prefix: str = "") -> Iterable[tuple[str, pa.DataType]]:
    """Parquet column paths of ``field`` (``name.list.element``, ``name.child``) and their types."""
    path = prefix + field.name
    t = field.type
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        yield from _leaves(pa.field("element", t.value_type), path + ".list.")
    elif pa.types.is_struct(t):
        for child in t:
            yield from _leaves(child, path + ".")
    else:
        yield path, t


def encodings(schema: pa.Schema) -> dict[str, Any]:
    """How every artifact is written: zstd; float32/float64 columns byte-stream-split (their
    bytes grouped by significance, which zstd compresses far better than dictionary pages of
    unique floats: the 10 ms pitch table stores 36 % less), JPEG/audio bytes plain, every other
    column dictionary-encoded. Only encodings of the Parquet standard that R's arrow, duckdb and
    pandas read (float16 stays plain: its byte-stream split is recent)."""
    floats, dictionary = [], []
    for field in schema:
        for path, t in _leaves(field):
            if pa.types.is_float32(t) or pa.types.is_float64(t):
                floats.append(path)
            elif not (pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_float16(t)):
                dictionary.append(path)
    return {"compression": "zstd", "use_dictionary": dictionary, "use_byte_stream_split": floats}


def write_parquet(
    table: pa.Table | Sequence[Mapping[str, Any]],
    path: str | os.PathLike[str],
    schema: pa.Schema,
    row_group_size: int = 1024,
) -> Path:
    """Check ``table`` against ``schema`` and write it atomically (temp file + rename).

    A crash or kill never leaves a half-written Parquet file at ``path``. Row groups are
    small (``row_group_size`` rows) so that one video's rows can be read without the rest.
    """
    path = Path(path)
    if not isinstance(table, pa.Table):
        table = table_from_rows(table, schema)
    table = conform(table, schema, what=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp, row_group_size=row_group_size, **encodings(schema))
        _publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_parquet_stream(
    tables: Iterable[pa.Table], path: str | os.PathLike[str], schema: pa.Schema, row_group_size: int = 1024
) -> Path:
    """Write ``tables`` one after another into one file, checked and atomic, never all in memory.

    Each table starts a new row group, so a shard gathered from per-video parts keeps each
    video in its own row groups (one video's audio or frames can be read without the rest).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        with pq.ParquetWriter(tmp, schema, **encodings(schema)) as writer:
            for table in tables:
                if table.num_rows:
                    writer.write_table(conform(table, schema, what=str(path)), row_group_size=row_group_size)
        _publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_parquet(
    path: str | os.PathLike[str], schema: pa.Schema, columns: list[str] | None = None
) -> pa.Table:
    """Read an artifact and check it against its schema (all columns, or ``columns``)."""
    table = pq.read_table(path, columns=columns)
    if columns is None:
        return conform(table, schema, what=str(path))
    return table


def has_column(path: str | os.PathLike[str], name: str) -> bool:
    """Whether the artifact ``path`` has column ``name`` (an :data:`OPTIONAL` one may be missing)."""
    return name in pq.read_schema(path).names


def concat_parquet(
    paths: Iterable[str | os.PathLike[str]], out: str | os.PathLike[str], schema: pa.Schema
) -> Path:
    """Concatenate artifacts of one schema (e.g. all shards) into ``out``, one file at a time."""
    return write_parquet_stream((read_parquet(p, schema) for p in paths), out, schema)
