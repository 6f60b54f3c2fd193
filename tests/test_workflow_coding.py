"""The measurement loop as workflow steps (config `coding`, workflow/rules/coding.smk), end to end.

The real workflow on a corpus of 160 pre-made videos (shard and aggregate tables written by the
test, as in test_workflow_rerun: no media), two groups (channels g0, g1) whose share of the positive
label differs (0.25 and 0.6) and whose transcripts mislead the classifier differently. Batch 1 draws
a simple random sample (expected 60), two simulated coders code it (coder_b disagrees with
probability 0.3), a third coder fills the exported coding sheet for part of it, agreement is
measured and the adjudicator's labels settled; the SVM is cross-fitted in 3 parts on the settled
labels, classifies the corpus, and the estimates come out three ways beside the known truth.

Then: nothing to do after the run; a second batch (enriched by scores? no: stratified by channel)
redraws nothing of the first (its files byte for byte) and reruns the estimates; a changed design
of the drawn batch stops at start-up naming it; an item coded twice by one coder stops the codes
step naming both files; a bad config key stops at start-up.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import copy_workflow, job_stats, run_snakemake
from polimodal.corpus.schemas import AUDIO, SEGMENTS, TRANSCRIPTS, UNAVAILABLE, VIDEOS, write_parquet

pytestmark = pytest.mark.slow

N = 160
SHARES = {"g0": 0.25, "g1": 0.6}
WORDS = {"1": "taxes border liberty senate vote", "0": "recipe garden football weather music"}
CODING_RULES = [
    "coding_draw",
    "coding_export",
    "coding_simulate",
    "coding_codes",
    "coding_agreement",
    "coding_splits",
    "coding_train",
    "coding_classify",
    "coding_estimates",
]

CONFIG = {
    "samples": "config/videos.tsv",
    "shard_size": 40,
    "tasks": {"party": {"values": ["0", "1"]}},
    "experiments": {"models": [], "group_by": ["channel"]},
    "models": {"svm": {"kind": "svm", "C": [1.0]}},
    "coding": {
        "batches": [{"n": 60, "method": "random", "seed": 3}],
        "adjudicate": "adjudicator:coder_a",
        "bootstrap": 200,
        "crossfit": {"model": "svm", "k": 3, "seed": 0, "validation": 0.2},
        "group_by": "channel",
        "simulate": {"coders": ["coder_a", "coder_b"], "disagreement": 0.3, "seed": 1},
        "truth": True,
        "frames": 0,
    },
}


def _corpus(wd):
    """The sheet, per-shard and gathered tables of N videos (module docstring)."""
    rng = np.random.default_rng(5)
    rows, videos, transcripts = [], [], []
    for i in range(N):
        vid, channel = f"v{i:03d}", f"g{i % 2}"
        label = "1" if rng.random() < SHARES[channel] else "0"
        # group g0's transcripts often carry the positive words (false positives), g1's seldom
        misleading = rng.random() < (0.35 if channel == "g0" else 0.1)
        words = WORDS["1" if misleading else label]
        text = f"{words} {' '.join(rng.choice(['today', 'people', 'show', 'new', 'week'], 4))}"
        rows.append({"video_id": vid, "source": f"media/{vid}.mp4", "party": label, "channel": channel})
        videos.append(
            {
                "video_id": vid,
                "source": f"media/{vid}.mp4",
                "source_kind": "local",
                "title": f"video {i}",
                "description": "",
                "webpage_url": f"https://example.org/{vid}",
            }
        )
        transcripts.append(
            {"video_id": vid, "language": "en", "n_segments": 1, "text": text, "model": "tiny"}
        )
    sheet = pd.DataFrame(rows)
    sheet.to_csv(wd / "config" / "videos.tsv", sep="\t", index=False)
    written = []  # in the order the workflow would write them: each newer than what it was made from
    size = CONFIG["shard_size"]
    for s in range(N // size):
        part, shard = slice(s * size, (s + 1) * size), f"{s:06d}"
        for path, rows_, schema in [
            (f"results/ingest/{shard}/videos.parquet", videos[part], VIDEOS),
            (f"results/ingest/{shard}/unavailable.parquet", [], UNAVAILABLE),
            (f"results/audio/{shard}.parquet", [], AUDIO),
            (f"results/transcripts/{shard}/segments.parquet", [], SEGMENTS),
            (f"results/transcripts/{shard}/videos.parquet", transcripts[part], TRANSCRIPTS),
            (f"results/failures/transcribe/{shard}.parquet", [], UNAVAILABLE),
        ]:
            write_parquet(rows_, wd / path, schema)
            written.append(wd / path)
    for path, rows_, schema in [
        ("results/videos.parquet", videos, VIDEOS),
        ("results/transcripts.parquet", transcripts, TRANSCRIPTS),
        ("results/unavailable.parquet", [], UNAVAILABLE),
    ]:
        write_parquet(rows_, wd / path, schema)
        written.append(wd / path)
    t0 = time.time() - 3600
    os.utime(wd / "config" / "videos.tsv", (t0, t0))
    for k, path in enumerate(written):
        os.utime(path, (t0 + k + 1, t0 + k + 1))
    return sheet


def _write_config(wd, config, name="config.yaml"):
    (wd / "config" / name).write_text(yaml.safe_dump(config, sort_keys=False))


def _run(
    wd,
    *args,
    check=True,
    targets=("results/estimates/party/estimates.csv", "results/coding/batch1/labelstudio.json"),
):
    # the per-video tables are the test's own (no media): their mtimes say they are up to date
    return run_snakemake(wd, *args, "--rerun-triggers", "mtime", "--", *targets, check=check)


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    wd = copy_workflow(tmp_path_factory.mktemp("wf_coding"))
    sheet = _corpus(wd)
    _write_config(wd, CONFIG)
    first = _run(wd)
    return wd, sheet, first


def test_the_loop_draws_codes_settles_crossfits_and_estimates(loop):
    wd, sheet, first = loop
    jobs = job_stats(first.stdout + first.stderr)
    assert jobs["coding_train"] == 3 and jobs["coding_classify"] == N // CONFIG["shard_size"]
    drawn = pd.read_parquet(wd / "results/coding/batch1/drawn.parquet")
    assert 40 <= len(drawn) <= 80 and np.allclose(drawn["pi"], 60 / N)
    # agreement as set: coder_b keeps the true label with probability 0.7 (alpha well below 1)
    agreement = pd.read_csv(wd / "results/coding/agreement.csv")
    row = agreement[agreement["task"] == "party"].iloc[0]
    assert 0.55 <= row["percent_agreement"] <= 0.85, row
    labels = pd.read_csv(wd / "results/coding/labels.tsv", sep="\t", dtype=str)
    truth = sheet.set_index("video_id")["party"]
    assert (labels["party"] == labels["video_id"].map(truth)).all()  # coder_a, the adjudicator, is right
    assert set(labels["party_agreed"]) == {"yes", "no"} and set(labels["party_n_coders"]) == {"2"}
    # the Label Studio project and the coding sheets of the batch
    tasks = pd.read_json(wd / "results/coding/batch1/labelstudio.json")
    assert len(tasks) == len(drawn)
    assert "<Choices" in (wd / "results/coding/batch1/labeling.xml").read_text()
    # every item predicted once, each by the model of a part that did not train on it
    estimates = pd.read_csv(wd / "results/estimates/party/estimates.csv")
    shares = estimates[(estimates["value"].astype(str) == "1") & (estimates["kind"] == "share")]
    assert set(shares["method"]) == {"coded", "predicted", "corrected"}
    assert set(shares["group"]) == {"all", "g0", "g1"}
    true_all = (sheet["party"] == "1").mean()
    assert np.allclose(shares.loc[shares["group"] == "all", "truth"], true_all)
    corrected = shares[(shares["method"] == "corrected")].set_index("group")
    coded = shares[(shares["method"] == "coded")].set_index("group")
    assert (corrected["high"] - corrected["low"] <= coded["high"] - coded["low"] + 1e-9).all()
    assert (corrected["n_coded"] == len(labels)).loc["all"]
    regression = pd.read_csv(wd / "results/estimates/party/regression.csv")
    assert set(regression["method"]) == {"coded", "predicted", "corrected"}
    assert (wd / "results/estimates/party/estimates.png").stat().st_size > 5000


def test_nothing_to_do_after_the_run(loop):
    wd, _, _ = loop
    out = _run(wd, "-n")
    assert "Nothing to be done" in out.stdout + out.stderr


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_coders_sheet_is_read_and_a_second_batch_keeps_the_first(loop):
    wd, sheet, _ = loop
    first = {p: _digest(wd / "results/coding/batch1" / p) for p in ("drawn.parquet", "state.parquet")}
    # a third coder fills the exported coding sheet of batch 1 for ten items
    filled = pd.read_csv(wd / "results/coding/batch1/coding_sheet.csv", dtype=str, keep_default_na=False)
    filled = filled.head(10)
    filled["coder"] = "coder_c"
    column = next(c for c in filled.columns if c.startswith("party"))
    filled[column] = filled["item_id"].map(sheet.set_index("video_id")["party"]).map({"1": "1.0", "0": "0.0"})
    (wd / "coding" / "batch1").mkdir(parents=True)
    filled.to_csv(wd / "coding" / "batch1" / "coder_c.csv", index=False)
    config = {
        **CONFIG,
        "coding": {
            **CONFIG["coding"],
            "batches": [
                *CONFIG["coding"]["batches"],
                {"n": 30, "method": "stratified", "strata": "channel", "seed": 4},
            ],
        },
    }
    _write_config(wd, config)
    _run(wd, targets=("results/coding/batch2/labelstudio.json", "results/estimates/party/estimates.csv"))
    assert {p: _digest(wd / "results/coding/batch1" / p) for p in first} == first
    codes = pd.read_parquet(wd / "results/coding/codes.parquet")
    assert set(codes["coder"]) == {"coder_a", "coder_b", "coder_c"}
    assert (codes[codes["coder"] == "coder_c"]["value"].isin(["0", "1"])).all()  # Excel's 1.0 read as 1
    both = pd.concat(pd.read_parquet(wd / f"results/coding/batch{b}/drawn.parquet") for b in (1, 2))
    assert not both["item_id"].duplicated().any()  # a later batch never draws an item again
    state = pd.read_parquet(wd / "results/coding/batch2/state.parquet").set_index("item_id")
    batch2 = pd.read_parquet(wd / "results/coding/batch2/drawn.parquet")
    # the union's probability: 1 - (1 - 60/N) (1 - p_batch2)
    expect = 1 - (1 - 60 / N) * (1 - batch2["p_batch"].to_numpy())
    assert np.allclose(1 - state.loc[batch2["item_id"], "q"].to_numpy(), expect)


def test_a_drawn_batchs_design_changed_stops_at_start_up(loop):
    wd, _, _ = loop
    config = {**CONFIG, "coding": {**CONFIG["coding"], "batches": [{"n": 61, "method": "random", "seed": 3}]}}
    _write_config(wd, config, "changed.yaml")
    out = _run(wd, "-n", "--configfile", "config/changed.yaml", check=False)
    assert out.returncode != 0
    said = out.stdout + out.stderr
    assert "coding.batches[0]: batch 1 was drawn with" in said and "never redrawn" in said


def test_an_item_coded_twice_by_a_coder_names_both_files(loop):
    wd, _, _ = loop
    item = pd.read_parquet(wd / "results/coding/batch1/drawn.parquet")["item_id"].iloc[0]
    folder = wd / "coding" / "batch1"
    folder.mkdir(parents=True, exist_ok=True)
    code = pd.DataFrame({"item_id": [item], "coder": ["coder_d"], "task": ["party"], "value": ["1"]})
    code.to_csv(folder / "coder_d.csv", index=False)
    code.to_csv(folder / "coder_d_again.csv", index=False)
    try:
        out = _run(wd, targets=("results/coding/codes.parquet",), check=False)
        said = out.stdout + out.stderr
        assert out.returncode != 0
        assert f"item {item!r} is coded twice by coder 'coder_d'" in said and "coder_d_again.csv" in said
    finally:
        (folder / "coder_d.csv").unlink()
        (folder / "coder_d_again.csv").unlink()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"crossfit": {"model": "bert"}}, "coding.crossfit.model: 'bert' is not defined"),
        ({"group_by": "party_of"}, "coding.group_by: 'party_of' is no column"),
        ({"batches": [{"n": 0}]}, "coding.batches[0].n: 0"),
        ({"batches": [{"n": 5, "method": "stratified", "strata": "nope"}]}, "coding.batches[0].strata"),
        ({"adjudicate": "adjudicator:coder_z"}, "names no coder"),
    ],
)
def test_a_bad_coding_key_stops_at_start_up(tmp_path, change, message):
    wd = copy_workflow(tmp_path / "wd")
    _corpus(wd)
    _write_config(wd, {**CONFIG, "coding": {**CONFIG["coding"], **change}})
    out = _run(wd, "-n", check=False)
    said = out.stdout + out.stderr
    assert out.returncode != 0 and message in said, said[-2000:]
    shutil.rmtree(wd)


def test_a_sheet_coded_elsewhere_declares_its_design(tmp_path):
    """The study's case: a sheet whose labelled rows are a simple random sample of its corpus
    (`coding.declared: random`): no batch is drawn, the labelled rows are the coded sample at
    probability n / N, and the estimates come out the same three ways."""
    wd = copy_workflow(tmp_path / "wd")
    sheet = _corpus(wd)
    keep = np.random.default_rng(9).random(N) < 0.4
    coded = sheet.assign(party=np.where(keep, sheet["party"], ""))
    coded.to_csv(wd / "config" / "videos.tsv", sep="\t", index=False)
    os.utime(wd / "config" / "videos.tsv", (time.time() - 7200,) * 2)
    config = {**CONFIG, "tasks": {"party": {"values": ["0", "1"], "subset": "labelled"}},
              "coding": {"declared": "random", "crossfit": CONFIG["coding"]["crossfit"],
                                   "group_by": "channel"}}  # fmt: skip
    _write_config(wd, config)
    _run(wd, targets=("results/estimates/party/estimates.csv",))
    assert not (wd / "results/coding/batch1").exists()
    state = pd.read_parquet(wd / "results/coding/declared/state.parquet")
    assert np.allclose(1 - state.loc[state["drawn"], "q"], keep.sum() / N)
    estimates = pd.read_csv(wd / "results/estimates/party/estimates.csv", dtype={"value": str})
    row = estimates[(estimates["value"] == "1") & (estimates["group"] == "all")]
    assert set(row["n_coded"]) == {int(keep.sum())} and set(row["method"]) == {
        "coded",
        "predicted",
        "corrected",
    }
    shutil.rmtree(wd)
