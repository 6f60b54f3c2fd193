"""The ``polimodal`` command line (``summary`` is exercised by the workflow test)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from polimodal.cli import main
from polimodal.corpus.schemas import ALIGNED, write_parquet


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
