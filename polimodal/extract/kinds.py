"""The ingest stage of each kind of corpus (:data:`polimodal.corpus.samples.SHEET_KINDS`).

The corpus layer declares the kinds (their sheets, stages and inputs); the functions that ingest
a shard of each live here, in the extract layer above it, so the corpus layer never names them
(not even as a ``"module:function"`` string). Keyed by the kind's name, one entry per kind
(a test checks that every kind has one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from polimodal.corpus.samples import POST_SHEET, VIDEO_SHEET, SheetKind
from polimodal.errors import ConfigError
from polimodal.extract.posts import ingest_posts_shard
from polimodal.extract.videos import ingest_shard

#: Kind name → the function that ingests one shard of its items (the kind's ``read_shard``):
#: each writes the four per-shard tables of :mod:`polimodal.extract.ingest`.
INGEST: dict[str, Callable[..., None]] = {
    VIDEO_SHEET.name: ingest_shard,
    POST_SHEET.name: ingest_posts_shard,
}


def ingest_function(kind: SheetKind[Any]) -> Callable[..., None]:
    """The ingest stage of one shard of ``kind`` (ConfigError for a kind without one)."""
    try:
        return INGEST[kind.name]
    except KeyError:
        raise ConfigError(f"corpus {kind.name!r} has no ingest function (known: {list(INGEST)})") from None
