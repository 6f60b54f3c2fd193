"""The ``polimodal`` command line (``summary`` is exercised by the workflow test)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from conftest import make_feed
from polimodal.cli import main
from polimodal.corpus.schemas import ALIGNED, UNAVAILABLE, VIDEOS, write_parquet


def _aligned(results):
    rows = []
    for vid, z in [("a1", 2.0), ("b1", 0.0)]:
        for k, w in enumerate(["the", "tax", "vote"]):
            z_word = z if w == "tax" else -0.5
            rows.append({"video_id": vid, "segment_id": 0, "word_idx": k, "word": w, "start": float(k),
                         "end": k + 0.5, "n_voiced": 10, "f0_mean": 120.0, "f0_mean_z": z_word})  # fmt: skip
    df = pd.DataFrame(rows)
    for f in ALIGNED.names:
        if f not in df:
            df[f] = np.nan if pa.types.is_floating(ALIGNED.field(f).type) else None
    write_parquet(
        pa.Table.from_pandas(df[ALIGNED.names], preserve_index=False),
        results / "aligned" / "000000.parquet",
        ALIGNED,
    )


def test_query_groups_by_a_sheet_column(tmp_path, capsys):
    _aligned(tmp_path / "results")
    sheet = tmp_path / "videos.tsv"
    pd.DataFrame({"video_id": ["a1", "b1"], "source": ["x", "y"], "party": ["A", "B"]}).to_csv(
        sheet, sep="\t", index=False
    )
    out, plot = tmp_path / "q.csv", tmp_path / "q.png"
    args = [str(tmp_path / "results"), "--sheet", str(sheet), "--pattern", "tax", "--by", "party"]
    assert main(["query", *args, "--out", str(out), "--plot", str(plot), "--top", "1"]) == 0
    table = pd.read_csv(out)
    assert table[table.matches].set_index("party")["mean"].to_dict() == {"A": 2.0, "B": 0.0}
    assert plot.stat().st_size > 0
    printed = capsys.readouterr().out
    assert "a1" in printed.splitlines()[1]  # --top 1: the word at the highest relative pitch
    assert main(["query", str(tmp_path / "results"), "--pattern", "tax", "--by", "nope"]) == 2
    assert "needs the sample sheet" in capsys.readouterr().err


def test_query_without_a_match_says_so(tmp_path, capsys):
    _aligned(tmp_path / "results")
    assert main(["query", str(tmp_path / "results"), "--pattern", "budget"]) == 0
    assert (
        capsys.readouterr().out.strip()
        == "polimodal query: no word matches pattern 'budget' (with a f0_mean_z value)"
    )
    assert main(["query", str(tmp_path / "results"), "--words", "budget,deficit", "--unit", "segment"]) == 0
    assert "no segment matches words ['budget', 'deficit']" in capsys.readouterr().out


def test_query_on_results_without_aligned_tables_says_so(tmp_path, capsys):
    results = tmp_path / "results"
    results.mkdir()
    pd.DataFrame({"video_id": ["a1"], "title": ["t"]}).to_parquet(results / "videos.parquet")
    assert main(["query", str(results), "--pattern", "tax"]) == 2
    err = capsys.readouterr().err
    assert "no aligned tables" in err and "videos.parquet is not one (no column(s) ['word'])" in err
    assert main(["query", str(tmp_path / "nothing"), "--pattern", "tax"]) == 2
    assert "no aligned table" in capsys.readouterr().err


def test_summary_of_a_missing_or_empty_folder_fails(tmp_path, capsys):
    assert main(["summary", str(tmp_path / "nope")]) == 1
    assert "nope: no such folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["summary", str(tmp_path / "empty")]) == 1
    assert "empty: no polimodal results in this folder" in capsys.readouterr().err
    _aligned(tmp_path / "results")
    pd.DataFrame({"video_id": ["a1"]}).to_parquet(tmp_path / "results" / "videos.parquet")
    assert main(["summary", str(tmp_path / "results")]) == 0
    assert "(1 available)" in capsys.readouterr().out


def test_summary_gives_the_channel_and_video_availability_rates(tmp_path, capsys):
    results = tmp_path / "results"
    (results / "channels").mkdir(parents=True)
    write_parquet([{"video_id": f"v{i}", "source": "x", "source_kind": "http"} for i in range(49)],
                  results / "videos.parquet", VIDEOS)  # fmt: skip
    gone = {"video_id": "gone", "source": "x", "stage": "ingest", "kind": "removed", "reason": "410"}
    write_parquet([gone], results / "unavailable.parquet", UNAVAILABLE)
    pd.DataFrame(
        {"metric": ["channels", "channels_listed", "channels_unavailable"], "value": [33, 32, 1]}
    ).to_csv(results / "channels" / "summary.tsv", sep="\t", index=False)
    assert main(["summary", str(results)]) == 0
    out = capsys.readouterr().out
    assert (
        "channels unavailable:     1 of 33 (3 %)" in out and "videos unavailable:       1 of 50 (2 %)" in out
    )


def test_channels_names_the_line_of_a_tab_in_the_config(tmp_path, capsys):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("samples: videos.tsv\nchannels:\n  sheet: channels.tsv\n\tmax_videos: 5\n")
    assert main(["channels", "--config", str(cfg), "--results", str(tmp_path / "results")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"polimodal channels: config {cfg}, line 4, column 1: tabs are not allowed")


def test_summary_after_the_listing_alone_gives_it_and_what_to_run_next(feeds, tmp_path, capsys):
    """`polimodal channels` (what `snakemake list_videos` does) and nothing else yet: the summary is
    the listing's (channels listed, videos added, availability), then the next step."""
    folder, base, _ = feeds
    feed = make_feed(folder, base, "c1", [("a", None), ("b", None), ("c", None)])
    channels = tmp_path / "channels.tsv"
    channels.write_text(f"channel\tideology\n{feed}\tleft\n{base}/gone410/feed.xml\tright\n")
    config = tmp_path / "config.yaml"
    config.write_text(
        f"samples: {tmp_path / 'videos.tsv'}\nchannels: {{sheet: {channels}}}\n"
        "ingest: {sleep_interval: 0, retries: 0}\n"
    )
    results = tmp_path / "results"
    assert main(["channels", "--config", str(config), "--results", str(results / "channels")]) == 0
    capsys.readouterr()
    assert main(["summary", str(results)]) == 0
    out = capsys.readouterr().out
    assert f"channels (listing):       {results / 'channels' / 'summary.tsv'}" in out
    assert "2 channels: 1 listed, 1 unavailable (50 %), 0 not listed yet" in out
    assert "3 videos listed, 3 eligible, 3 added to the sample sheet (3 rows)" in out
    assert f"unavailable channels and why: {results / 'channels' / 'unavailable.tsv'}" in out
    assert "next: run `snakemake`" in out
