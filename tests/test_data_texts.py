"""A video's text as a model reads it (:mod:`polimodal.data.texts`)."""

from __future__ import annotations

import pytest

from polimodal.corpus.experiment_schemas import TASK_TEXTS
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
    with pytest.raises(
        ConfigError, match=r"each must be one of \['title', 'description', 'transcript', 'captions', 'ocr'\]"
    ):
        read_texts(tmp_path / "t.parquet", None, ["subtitles"])
    assert TEXT_FIELDS == ("title", "description", "transcript", "captions", "ocr")


def test_posts_text_fields_choose_text_columns_in_the_configured_order(tmp_path):
    import pyarrow as pa

    from polimodal.corpus.posts import Post
    from polimodal.data.texts import read_task_texts
    from polimodal.experiments.taskdata import task_texts
    from polimodal.extract.language import LanguageDetector
    from polimodal.extract.posts import write_post_texts

    columns = (("headline", "Tax cuts now"), ("article_text", "The bill passed."))
    posts = [
        Post("n1", "Tax cuts now\n\nThe bill passed.", ("a.jpg",), columns),
        Post("n2", "Only the article", (), (("headline", ""), ("article_text", "Only the article"))),
    ]
    out = write_post_texts(posts, tmp_path / "t.parquet", detector=LanguageDetector(["en", "de"]))
    write_parquet(
        [{"video_id": p.post_id, "source": "x", "source_kind": "post"} for p in posts],
        tmp_path / "v.parquet",
        VIDEOS,
    )
    task = tmp_path / "task.parquet"
    write_parquet(task_texts(pa.array(["n2", "n1", "gone"]), tmp_path / "v.parquet", out), task, TASK_TEXTS)
    for read in (lambda f: read_texts(out, None, f), lambda f: read_task_texts(task, f)):
        assert read(["headline"])["n1"] == "Tax cuts now" and read(["headline"])["n2"] == ""
        # the configured column order, whatever the order of text_fields
        both = read(["article_text", "headline"])
        assert both["n1"] == "Tax cuts now\n\nThe bill passed." == read(["transcript"])["n1"]
        with pytest.raises(ConfigError, match=r"text_fields \['body'\]: .* or a text column of the posts"):
            read(["body"])
    assert read_task_texts(task, ["headline"])["gone"] == ""  # a task video without a text row


def test_ocr_field_reads_the_on_screen_text(tmp_path):
    """``text_fields: [transcript, ocr]``: the on-screen text after the transcript, from a shard's
    OCR_TEXTS (classify) or the task's TASK_TEXTS (train)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from polimodal.corpus.ocr_schemas import OCR_TEXTS
    from polimodal.data.texts import read_task_texts
    from polimodal.experiments.taskdata import task_texts

    write_parquet(
        [{"video_id": v, "n_segments": 1, "text": f"speech {v}", "model": "tiny"} for v in ("v1", "v2")],
        tmp_path / "t.parquet",
        TRANSCRIPTS,
    )
    write_parquet(
        [{"video_id": v, "source": "x", "source_kind": "local"} for v in ("v1", "v2")],
        tmp_path / "v.parquet",
        VIDEOS,
    )
    shards = [tmp_path / "ocr1.parquet", tmp_path / "ocr2.parquet"]
    write_parquet(
        [{"video_id": "v1", "n_frames": 3, "n_lines": 4, "text": "Größe\nAfD"}], shards[0], OCR_TEXTS
    )
    write_parquet([{"video_id": "v2", "n_frames": 2, "n_lines": 0, "text": ""}], shards[1], OCR_TEXTS)
    want = {"v1": "speech v1\n\nGröße\nAfD", "v2": "speech v2"}
    assert read_texts(tmp_path / "t.parquet", None, ["ocr", "transcript"], ocr=shards) == want
    assert read_texts(None, None, ["ocr"], ocr=shards[0]) == {"v1": "Größe\nAfD"}
    with pytest.raises(ConfigError, match=r"ocr\.enabled"):
        read_texts(tmp_path / "t.parquet", None, ["transcript", "ocr"])
    ids = pa.array(["v1", "v2"])
    table = task_texts(ids, tmp_path / "v.parquet", tmp_path / "t.parquet", ocr=shards)
    assert table.column("ocr").to_pylist() == ["Größe\nAfD", ""]
    write_parquet(table, tmp_path / "task.parquet", TASK_TEXTS)
    assert read_task_texts(tmp_path / "task.parquet", ["transcript", "ocr"]) == want
    without = task_texts(ids, tmp_path / "v.parquet", tmp_path / "t.parquet")  # ocr off: null
    assert without.column("ocr").null_count == 2
    old = tmp_path / "old.parquet"  # a task table written before the ocr column
    pq.write_table(without.drop_columns(["ocr"]), old)
    assert read_task_texts(old, ["transcript"]) == {"v1": "speech v1", "v2": "speech v2"}
