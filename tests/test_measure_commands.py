"""``polimodal coding``: the loop by hand over a run's results, on known truth."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from polimodal.cli import main
from polimodal.corpus.schemas import UNAVAILABLE, VIDEOS, table_from_rows, write_parquet
from polimodal.experiments.tasks import Task
from polimodal.measure.sheet import header

N = 600


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A run's results: 600 videos in two parties, a classifier that overcounts party a's hate."""
    rng = np.random.default_rng(0)
    party = np.where(np.arange(N) % 3 == 0, "b", "a")
    hate = (rng.random(N) < np.where(party == "a", 0.1, 0.3)).astype(int)
    score = 1 / (
        1 + np.exp(-(2.0 * (2 * hate - 1) + np.where(party == "a", 1.0, -0.8) + rng.normal(0, 1, N)))
    )
    ids = [f"v{i:04d}" for i in range(N)]
    (tmp_path / "sheet.tsv").write_text(
        "video_id\tsource\tparty\n" + "".join(f"{v}\t{v}.mp4\t{p}\n" for v, p in zip(ids, party, strict=True))
    )
    (tmp_path / "config.yaml").write_text("samples: sheet.tsv\ntasks:\n  hate:\n    values: ['0', '1']\n")
    results = tmp_path / "results"
    rows = [{"video_id": v, "source": f"{v}.mp4", "source_kind": "local"} for v in ids[:-5]]
    write_parquet(table_from_rows(rows, VIDEOS), results / "videos.parquet", VIDEOS)
    gone = [
        {"video_id": v, "source": f"{v}.mp4", "stage": "ingest", "kind": "removed", "reason": "x"}
        for v in ids[-5:]
    ]
    write_parquet(table_from_rows(gone, UNAVAILABLE), results / "unavailable.parquet", UNAVAILABLE)
    predicted = (score > 0.5).astype(int).astype(str)
    classified = pd.DataFrame(
        {"video_id": ids, "predicted": predicted, "score_0": 1 - score, "score_1": score}
    )
    classified.to_csv(tmp_path / "classified.csv", index=False)
    pd.DataFrame({"video_id": ids, "truth": hate.astype(str), "party": party}).to_csv(
        tmp_path / "truth.csv", index=False
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def fill(path: Path, coder: str, truth: pd.DataFrame, flip: float, seed: int) -> None:
    """A coder fills the sheet: the truth, a share ``flip`` of it the other way; Excel-ish values."""
    sheet = pd.read_csv(path, dtype=str, keep_default_na=False)
    rng = np.random.default_rng(seed)
    column = header(Task("hate", "hate", ("0", "1")))
    values = sheet["item_id"].map(truth.set_index("video_id")["truth"].astype(str))
    flipped = np.where(rng.random(len(sheet)) < flip, 1 - values.astype(int), values.astype(int))
    sheet[column] = [f"{v}.0" for v in flipped]  # as Excel writes a number
    sheet["coder"] = coder
    sheet.to_csv(path, index=False)


def test_draw_code_agree_and_estimate(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    truth = pd.read_csv(project / "truth.csv", dtype=str)
    assert main(["coding", "draw", "--config", "config.yaml", "--n", "200", "--seed", "1"]) == 0
    assert "5 item(s) cannot be coded ({'removed': 5})" in capsys.readouterr().out
    for coder, flip, seed in (("ann", 0.0, 1), ("bob", 0.1, 2)):
        assert (
            main(["coding", "export", "--config", "config.yaml", "--batch", "1", "--out", f"{coder}.csv"])
            == 0
        )
        fill(project / f"{coder}.csv", coder, truth, flip, seed)
        assert main(["coding", "import", "--config", "config.yaml", "--batch", "1", f"{coder}.csv"]) == 0
    codes_before = pd.read_parquet(project / "results/coding/codes.parquet")
    capsys.readouterr()
    assert main(["coding", "import", "--config", "config.yaml", "--batch", "1", "bob.csv"]) == 2
    assert "is already coded by coder 'bob'" in capsys.readouterr().err
    assert pd.read_parquet(project / "results/coding/codes.parquet").equals(codes_before)  # nothing lost
    assert main(["coding", "agreement", "--rule", "adjudicator:ann", "--bootstrap", "50"]) == 0
    stats = pd.read_csv(project / "results/coding/agreement.csv").iloc[0]
    assert stats.percent_agreement == pytest.approx(0.9, abs=0.06)  # bob flips 10 %
    labels = pd.read_csv(project / "results/coding/labels.tsv", sep="\t", dtype=str)
    assert (labels["hate"] == labels["video_id"].map(truth.set_index("video_id")["truth"])).all()
    assert main(["coding", "estimate", "--config", "config.yaml", "--task", "hate", "--classified",
                 "classified.csv", "--group-by", "party"]) == 0  # fmt: skip
    table = pd.read_csv(project / "results/estimates/hate/estimates.csv")
    diff = table[(table.value == 1) & (table.kind == "difference")].set_index("method")
    b, a = (truth.truth.astype(int)[truth.party == p].mean() for p in ("b", "a"))
    assert diff.low["corrected"] <= b - a <= diff.high["corrected"]
    assert not diff.low["predicted"] <= b - a <= diff.high["predicted"]
    assert (project / "results/estimates/hate/estimates.png").exists()
    # predictions of coded items by a model that trained on them: refused (cross-fitting needed)
    splits = pd.DataFrame(
        {"task": "hate", "fold": 0, "video_id": truth.video_id, "label": truth.truth, "split": "train"}
    )
    (project / "results/splits").mkdir()
    splits.to_parquet(project / "results/splits/hate.parquet")
    pd.read_csv(project / "classified.csv").assign(fold=0).to_csv(project / "classified.csv", index=False)
    capsys.readouterr()
    args = [
        "coding",
        "estimate",
        "--config",
        "config.yaml",
        "--task",
        "hate",
        "--classified",
        "classified.csv",
    ]
    assert main(args) == 2
    assert "were in the training set of the model that classified them" in capsys.readouterr().err
    assert main([*args, "--allow-in-sample"]) == 0
    assert re.match(
        r"WARNING: \d+ coded item\(s\) were in the classifying model's training set", capsys.readouterr().out
    )
