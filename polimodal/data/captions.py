"""A video's captions as one text (text field ``captions``, :data:`polimodal.data.texts.TEXT_FIELDS`).

A video may offer several caption tracks (CAPTIONS, :mod:`polimodal.extract.captions`); the text
field reads one, chosen by :func:`choose_track`: in the transcript's language before any other, and
within a language an uploaded (manual) track before the site's automatic one. Its cues are joined
in time order with a space (each line of a cue too). A video without captions has no text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import pyarrow as pa

from polimodal.corpus.caption_schemas import CAPTIONS
from polimodal.corpus.rows import select_videos
from polimodal.corpus.schemas import read_parquet
from polimodal.types import PathLike

#: The columns a caption text is made of.
COLUMNS = ["video_id", "language", "automatic", "start", "text"]


def base_language(code: str | None) -> str:
    """The language of a track or transcript code without region or variant (``en-US``, ``en-orig``: en)."""
    return (code or "").replace("_", "-").split("-")[0].lower()


def choose_track(tracks: Iterable[tuple[str, bool]], language: str | None) -> tuple[str, bool] | None:
    """The (language, automatic) track a video's captions text is read from, of its ``tracks``
    (``language``: its transcript's, None or ``""`` when unknown); None when it has none."""
    want = base_language(language)
    ranked = sorted(set(tracks), key=lambda t: (not (want and base_language(t[0]) == want), t[1], t[0]))
    return ranked[0] if ranked else None


def caption_texts(
    paths: Sequence[PathLike],
    languages: Mapping[str, str] | None = None,
    video_ids: Iterable[str] | pa.Array | None = None,
) -> dict[str, str]:
    """video_id → the text of its chosen track (:func:`choose_track`), from CAPTIONS files ``paths``
    (``languages``: video_id → its transcript's language; ``video_ids``: only these videos)."""
    cues: dict[tuple[str, str, bool], list[tuple[float, str]]] = defaultdict(list)
    for path in paths:
        if video_ids is None:
            tables: Iterable[pa.Table] = [read_parquet(path, CAPTIONS, columns=COLUMNS)]
        else:
            tables = select_videos(path, video_ids, COLUMNS)
        for table in tables:
            for row in table.to_pylist():
                key = (row["video_id"], row["language"], bool(row["automatic"]))
                cues[key].append((row["start"], row["text"]))
    tracks: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for vid, lang, automatic in cues:
        tracks[vid].append((lang, automatic))
    out = {}
    for vid, offered in tracks.items():
        chosen = choose_track(offered, (languages or {}).get(vid))
        assert chosen is not None
        lines = sorted(cues[(vid, *chosen)], key=lambda c: c[0])
        out[vid] = " ".join(" ".join(text.split()) for _, text in lines if text.strip())
    return out
