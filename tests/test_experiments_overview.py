"""The report's overview page: availability, best model per task, the corpus classified."""

from __future__ import annotations

import re

import pandas as pd

from polimodal.corpus.experiment_schemas import CLASSIFIED
from polimodal.corpus.schemas import UNAVAILABLE, VIDEOS, write_parquet
from polimodal.experiments.overview import availability, best_models, write_overview


def _tables(tmp_path):
    videos = [{"video_id": f"v{i}", "source": f"v{i}.mp4", "source_kind": "local"} for i in range(8)]
    gone = [
        {"video_id": "x1", "source": "x1", "stage": "ingest", "kind": "removed", "reason": "gone"},
        {"video_id": "x2", "source": "x2", "stage": "ingest", "kind": "private", "reason": "private video"},
    ]
    write_parquet(videos, tmp_path / "videos.parquet", VIDEOS)
    write_parquet(gone, tmp_path / "unavailable.parquet", UNAVAILABLE)
    rows = [{"video_id": f"v{i}", "task": "hateful", "model": "svm", "fold": 0, "predicted": "0",
             "classes": ["0", "1"], "scores": [1.0, 0.0], "lacks": ["frames"] if i < 2 else []}
            for i in range(8)]  # fmt: skip
    write_parquet(rows, tmp_path / "classified.parquet", CLASSIFIED)
    table = pd.DataFrame(
        {
            "task": ["hateful", "hateful", "topic"],
            "model": ["svm", "clip", "svm"],
            "modality": ["text", "multimodal", "text"],
            "n_folds": [3, 3, 3],
            "macro_f1_mean": [0.7, 0.8, 0.6],
            "macro_f1_sd": [0.01, 0.05, 0.02],
            "macro_f1": ["0.700 ± 0.010", "0.800 ± 0.050", "0.600 ± 0.020"],
        }
    )
    table.to_csv(tmp_path / "summary_table.csv", index=False)
    return table


def test_availability_and_best_models(tmp_path):
    table = _tables(tmp_path)
    a = availability(tmp_path / "videos.parquet", tmp_path / "unavailable.parquet").set_index("outcome")
    assert a.loc["available", "n"] == 8 and a.loc["available", "percent"] == 80.0
    assert a.loc["unavailable: private", "n"] == 1 and a.loc["unavailable: removed", "percent"] == 10.0
    # a language the run does not keep, and a usable post that lacks an image
    more = [
        {"video_id": "v0", "source": "v0", "stage": "language", "kind": "excluded_language", "reason": "sv"},
        {"video_id": "v1", "source": "v1", "stage": "images", "kind": "no_image", "reason": "no image"},
        {"video_id": "x1", "source": "x1", "stage": "ingest", "kind": "removed", "reason": "gone"},
    ]
    write_parquet(more, tmp_path / "more.parquet", UNAVAILABLE)
    a = availability(tmp_path / "videos.parquet", tmp_path / "more.parquet").set_index("outcome")
    assert a.n.to_dict() == {"available": 7, "excluded: language": 1, "unavailable: removed": 1}
    best = best_models(table).set_index("task")
    assert best.loc["hateful", "model"] == "clip" and best.loc["topic", "model"] == "svm"


def test_the_page_holds_each_part(tmp_path):
    _tables(tmp_path)
    page = write_overview(
        tmp_path / "summary_table.csv",
        tmp_path / "videos.parquet",
        tmp_path / "unavailable.parquet",
        [tmp_path / "classified.parquet"],
        tmp_path / "overview.html",
    )
    assert "Best model per task" in page and "0.800 ± 0.050" in page
    assert "unavailable: removed" in page
    corpus = page[page.index("The corpus, classified") :]
    assert "<td>8</td>" in corpus and "<td>2</td>" in corpus  # 8 videos, 2 lacking an input


def test_the_page_gives_the_channel_and_video_availability_rates(tmp_path):
    _tables(tmp_path)
    summary = tmp_path / "channels_summary.tsv"
    rows = [("channels", 33), ("channels_listed", 32), ("channels_unavailable", 1), ("videos_added", 10)]
    pd.DataFrame(rows, columns=["metric", "value"]).to_csv(summary, sep="\t", index=False)
    page = write_overview(
        tmp_path / "summary_table.csv",
        tmp_path / "videos.parquet",
        tmp_path / "unavailable.parquet",
        [tmp_path / "classified.parquet"],
        tmp_path / "overview.html",
        channels_summary=summary,
    )
    rates = page[page.index("<h3>Availability") : page.index("<h3>Videos")]
    cells = re.findall(r"<td>([^<]*)</td>", rates)
    assert cells == ["channels", "33", "32", "1", "3.0", "videos", "10", "8", "2", "20.0"]
