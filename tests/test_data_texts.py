"""A video's text as a model reads it (:mod:`polimodal.data.texts`)."""

from __future__ import annotations

import pytest

from polimodal.corpus.schemas import TRANSCRIPTS, VIDEOS, write_parquet
from polimodal.data.texts import TEXT_FIELDS, read_texts
from polimodal.errors import ConfigError


def test_read_texts_joins_the_fields_in_order(tmp_path):
    write_parquet(
        [{"video_id": v, "n_segments": 1, "text": f"speech {v}", "model": "tiny"} for v in ("v1", "v2")],
        tmp_path / "t.parquet",
        TRANSCRIPTS,
    )
    write_parquet(
        [
            {"video_id": v, "source": "x", "source_kind": "local", "title": f"T{v}", "description": d}
            for v, d in (("v1", "about"), ("v2", None), ("v3", ""))
        ],
        tmp_path / "v.parquet",
        VIDEOS,
    )
    assert read_texts(tmp_path / "t.parquet") == {"v1": "speech v1", "v2": "speech v2"}
    texts = read_texts(tmp_path / "t.parquet", tmp_path / "v.parquet", ["transcript", "title", "description"])
    assert texts == {"v1": "Tv1\n\nabout\n\nspeech v1", "v2": "Tv2\n\nspeech v2", "v3": "Tv3"}
    with pytest.raises(ConfigError):
        read_texts(tmp_path / "t.parquet", None, ["title"])
    with pytest.raises(ConfigError, match="no transcripts table"):
        read_texts(None, tmp_path / "v.parquet")
    with pytest.raises(ConfigError, match=r"each must be one of \['title', 'description', 'transcript'\]"):
        read_texts(tmp_path / "t.parquet", None, ["subtitles"])
    assert TEXT_FIELDS == ("title", "description", "transcript")
