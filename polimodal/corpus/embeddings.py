"""Stored frame embeddings: how vectors are written into EMBEDDINGS and read back as float32.

Two layouts (``embed.precision``), both declared in :mod:`polimodal.corpus.schemas`:

- ``int8`` (default, :data:`~polimodal.corpus.schemas.EMBEDDINGS`): per-vector symmetric
  quantisation, ``embedding`` = round(x / scale) in [-127, 127] with ``scale`` = max|x| / 127
  (float32). A quarter of float32's bytes; on real frames the dequantised vector's cosine
  similarity to the original is > 0.9999 (``tests/test_corpus_embeddings.py``,
  ``bench/bench_storage.py``).
- ``float16`` (:data:`~polimodal.corpus.schemas.EMBEDDINGS_FLOAT16`, also every file written
  before the int8 layout): ``embedding`` as float16, no ``scale`` column.

Every reader goes through :func:`read_embeddings` (an ``(n, d)`` float32 array whatever the
layout), so files of both layouts can be mixed.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from polimodal.corpus.schemas import EMBEDDINGS, EMBEDDINGS_FLOAT16
from polimodal.errors import ConfigError, SchemaError

#: ``embed.precision`` → the stored layout.
LAYOUTS: dict[str, pa.Schema] = {"int8": EMBEDDINGS, "float16": EMBEDDINGS_FLOAT16}


def embeddings_schema(precision: str) -> pa.Schema:
    """The EMBEDDINGS schema written for ``embed.precision`` ``precision``."""
    if precision not in LAYOUTS:
        raise ConfigError(f"config embed.precision: must be one of {sorted(LAYOUTS)}, got {precision!r}")
    return LAYOUTS[precision]


def layout_of(names: list[str] | pa.Schema) -> pa.Schema:
    """The layout of a table or file with these column names (``scale`` marks int8)."""
    names = list(names.names if isinstance(names, pa.Schema) else names)
    return EMBEDDINGS if "scale" in names else EMBEDDINGS_FLOAT16


def quantise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, d) floats → (n, d) int8 and (n,) float32 scales with vectors ≈ int8 × scale.

    Symmetric per vector: scale = max|x| / 127, so the largest component maps to ±127 and each
    component's error is at most scale / 2. An all-zero vector gets scale 0 (and zeros).
    """
    v = np.asarray(vectors, dtype=np.float32)
    if v.ndim != 2:
        raise ValueError(f"embeddings must be a 2-d (n, d) array, got shape {v.shape}")
    scale = (np.abs(v).max(axis=1) / np.float32(127)) if v.size else np.zeros(len(v), np.float32)
    safe = np.where(scale > 0, scale, np.float32(1))
    q = np.clip(np.rint(v / safe[:, None]), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def _list_array(values: np.ndarray) -> pa.Array:
    n, d = values.shape
    offsets = pa.array(np.arange(0, (n + 1) * d, d, dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, pa.array(np.ascontiguousarray(values).ravel()))


def embedding_columns(vectors: np.ndarray, precision: str = "int8") -> dict[str, pa.Array]:
    """The stored column(s) of (n, d) ``vectors``: ``embedding`` (+ ``scale`` for int8)."""
    schema = embeddings_schema(precision)
    v = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), -1)
    if schema is EMBEDDINGS_FLOAT16:
        return {"embedding": _list_array(v.astype(np.float16))}
    q, scale = quantise(v)
    return {"embedding": _list_array(q), "scale": pa.array(scale, pa.float32())}


def read_embeddings(table: pa.Table | pa.RecordBatch) -> np.ndarray:
    """The ``embedding`` column of any layout (int8 × ``scale``, float16 or float32; equal
    lengths) as an (n, d) float32 array."""
    col = table.column("embedding")
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    n = len(col)
    if n == 0:
        return np.zeros((0, 0), dtype=np.float32)
    lengths = np.diff(col.offsets.to_numpy())
    if lengths.min() != lengths.max():
        raise SchemaError(f"embeddings of unequal length ({lengths.min()}..{lengths.max()})")
    flat = col.flatten()
    values = flat.to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    values = values.reshape(n, int(lengths[0]))
    if pa.types.is_integer(flat.type):
        if "scale" not in table.schema.names:
            raise SchemaError("int8 embeddings without their 'scale' column")
        scale = table.column("scale").to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
        values = values * scale[:, None]
    return values


def to_layout(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` (EMBEDDINGS rows of either layout) in the layout ``schema``, converted if needed
    (float16 → int8 quantises the float16 values; int8 → float16 rounds the dequantised ones)."""
    if layout_of(table.schema) is schema:
        return table
    if not table.num_rows:
        return schema.empty_table()
    precision = "int8" if schema is EMBEDDINGS else "float16"
    columns = embedding_columns(read_embeddings(table), precision)
    rest = {n: table.column(n) for n in schema.names if n not in columns}
    return pa.table({n: columns[n] if n in columns else rest[n] for n in schema.names})
