"""The captions text field (:mod:`polimodal.data.captions`, ``text_fields: [captions]``)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from polimodal.corpus.caption_schemas import CAPTIONS
from polimodal.corpus.experiment_schemas import TASK_TEXTS
from polimodal.corpus.schemas import TRANSCRIPTS, VIDEOS, write_parquet
from polimodal.data.captions import base_language, caption_texts, choose_track
from polimodal.data.texts import read_task_texts, read_texts
from polimodal.errors import ConfigError
from polimodal.experiments.taskdata import task_texts


def cues(vid: str, lang: str, automatic: bool, *texts: str) -> list[dict[str, object]]:
    return [
        {"video_id": vid, "language": lang, "automatic": automatic, "cue_idx": i}
        | {"start": float(i), "end": i + 1.0, "text": t}
        for i, t in enumerate(texts)
    ]


@pytest.fixture
def tables(tmp_path: Path) -> dict[str, Path]:
    # v1: German speech, an automatic German track, a manual English one; v2: an English manual
    # track only (other than the transcript's language); v3: no captions
    rows = cues("v1", "en", False, "We vote", "today") + cues(
        "v1", "de-orig", True, "Wir stimmen", "heute ab"
    )
    rows += cues("v2", "en-US", False, "Hello\nthere")
    paths = {"captions": tmp_path / "c.parquet", "t": tmp_path / "t.parquet", "v": tmp_path / "v.parquet"}
    # cues of one track out of order in the file: the text follows their times
    write_parquet(rows[::-1], paths["captions"], CAPTIONS)
    write_parquet(
        [
            {"video_id": v, "n_segments": 1, "text": f"speech {v}", "model": "tiny", "language": lang}
            for v, lang in (("v1", "de"), ("v2", "fr"), ("v3", "en"))
        ],
        paths["t"],
        TRANSCRIPTS,
    )
    write_parquet(
        [{"video_id": v, "source": "x", "source_kind": "url"} for v in ("v1", "v2", "v3")], paths["v"], VIDEOS
    )
    return paths


def test_choose_track() -> None:
    assert base_language("en-US") == base_language("en-orig") == base_language("EN") == "en"
    tracks = [("en", False), ("de-orig", True), ("de", False)]
    assert choose_track(tracks, "de") == ("de", False)  # the transcript's language, manual first
    assert choose_track([("en", False), ("de-orig", True)], "de") == ("de-orig", True)
    assert choose_track([("fr", True), ("en", False)], "ja") == ("en", False)  # no match: manual first
    assert choose_track([("fr", True), ("en", False)], None) == ("en", False)
    assert choose_track([], "en") is None


def test_caption_texts_follow_the_transcripts_language(tables: dict[str, Path]) -> None:
    texts = caption_texts([tables["captions"]], {"v1": "de", "v2": "fr"})
    assert texts == {"v1": "Wir stimmen heute ab", "v2": "Hello there"}
    assert caption_texts([tables["captions"]], {"v1": "en"})["v1"] == "We vote today"
    assert caption_texts([tables["captions"]], {}, video_ids=["v2"]) == {"v2": "Hello there"}


def test_read_texts_and_task_texts_field(tables: dict[str, Path], tmp_path: Path) -> None:
    texts = read_texts(tables["t"], None, ["transcript", "captions"], captions=[tables["captions"]])
    assert texts == {
        "v1": "speech v1\n\nWir stimmen heute ab",
        "v2": "speech v2\n\nHello there",
        "v3": "speech v3",
    }
    with pytest.raises(ConfigError, match="no captions table"):
        read_texts(tables["t"], None, ["captions"])
    task = tmp_path / "task.parquet"
    write_parquet(
        task_texts(pa.array(["v3", "v1"]), tables["v"], tables["t"], captions=[tables["captions"]]),
        task,
        TASK_TEXTS,
    )
    assert read_task_texts(task, ["captions"]) == {"v3": "", "v1": "Wir stimmen heute ab"}
    # without captions (config captions off): the column is null, the field empty
    write_parquet(task_texts(pa.array(["v1"]), tables["v"], tables["t"]), task, TASK_TEXTS)
    assert read_task_texts(task, ["transcript", "captions"]) == {"v1": "speech v1"}
