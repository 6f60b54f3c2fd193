"""The measurement loop's workflow steps as library functions (polimodal.measure.loop, crossfit_jobs,
options, estimate's corrected mean): on small tables with known answers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from polimodal.errors import ConfigError
from polimodal.experiments.tasks import Task
from polimodal.measure.crossfit_jobs import check_out_of_part, crossfit_splits
from polimodal.measure.estimate import estimate_mean
from polimodal.measure.loop import draw_or_keep
from polimodal.measure.options import check_coding, coded_files
from polimodal.measure.report import corpus_table
from polimodal.synthetic.coding import simulated_corpus


def test_the_corrected_mean_is_the_coded_one_at_lambda_0_and_no_wider_with_a_useless_classifier():
    corpus = simulated_corpus(4000, seed=2)
    rng = np.random.default_rng(0)
    coded = rng.random(len(corpus)) < 0.05
    gold = np.where(coded, corpus["y"], np.nan)
    pi = np.full(len(corpus), 0.05)
    at0 = estimate_mean(corpus["pred"], gold, coded, pi, lam=0.0)
    assert at0["corrected"].value == pytest.approx(at0["coded"].value)
    assert at0["corrected"].se == pytest.approx(at0["coded"].se)
    noise = rng.random(len(corpus))  # predictions that know nothing: the tuned lambda keeps them out
    useless = estimate_mean(noise, gold, coded, pi)
    assert useless["corrected"].se <= useless["coded"].se * 1.05
    good = estimate_mean(corpus["pred"], gold, coded, pi)
    assert good["corrected"].se < 0.9 * good["coded"].se  # an informative classifier narrows it


def _labels(tmp_path, values):
    path = tmp_path / "labels.tsv"
    pd.DataFrame({"video_id": [f"v{i:03d}" for i in range(len(values))], "party": values}).to_csv(
        path, sep="\t", index=False
    )
    return path


def test_crossfit_splits_never_train_a_part_on_its_own_items(tmp_path):
    task = Task.from_config("party", {"values": ["0", "1"]})
    labels = _labels(tmp_path, ["0", "1"] * 30 + [""] * 5)  # the last five are not settled
    table = crossfit_splits(task, labels, k=3, seed=0, validation=0.2, out=tmp_path / "s.parquet")
    assert set(table["video_id"]) == {f"v{i:03d}" for i in range(60)}
    tested = table[table["split"] == "test"]
    assert tested["video_id"].is_unique and len(tested) == 60  # every coded item in one part's test
    for _, part in table.groupby("fold"):
        own = set(part.loc[part["split"] == "test", "video_id"])
        assert own.isdisjoint(part.loc[part["split"] != "test", "video_id"])
    predicted = tested[["video_id", "fold"]].assign(scores=None)
    check_out_of_part(predicted, table)  # each predicted by its own part: fine
    wrong = predicted.assign(fold=(predicted["fold"] + 1) % 3)
    with pytest.raises(ConfigError, match="which trained on it"):
        check_out_of_part(wrong, table)


def test_crossfit_splits_say_when_a_part_trains_too_few_of_a_value(tmp_path):
    task = Task.from_config("party", {"values": ["0", "1"]})
    labels = _labels(tmp_path, ["0"] * 20 + ["1"])
    with pytest.raises(ConfigError, match=r"part \d: the coded items outside this part train too few"):
        crossfit_splits(task, labels, k=3, seed=0, validation=0.2, out=tmp_path / "s.parquet")


def test_a_drawn_batch_is_kept_and_a_changed_design_is_refused(tmp_path):
    items = pd.DataFrame({"item_id": [f"v{i}" for i in range(50)], "codable": True, "reason": ""})
    out = {k: tmp_path / f"{k}.x" for k in ("batch", "state", "design", "uncodable")}
    out = {**out, "batch": tmp_path / "drawn.parquet", "state": tmp_path / "state.parquet"}
    kwargs = dict(previous_state=None, scores=None, out_batch=out["batch"], out_state=out["state"],
                  out_design=out["design"], out_uncodable=tmp_path / "uncodable.csv")  # fmt: skip
    first = draw_or_keep(items, {"n": 10, "seed": 1}, 1, **kwargs)
    before = out["batch"].read_bytes()
    grown = pd.DataFrame({"item_id": ["new"], "codable": [True], "reason": [""]})  # the corpus grew
    more = pd.concat([items, grown])
    again = draw_or_keep(more, {"n": 10, "seed": 1}, 1, **kwargs)
    assert out["batch"].read_bytes() == before and again.equals(first)
    assert json.loads(out["design"].read_text()) == {"n": 10, "seed": 1}
    with pytest.raises(ConfigError, match=r"batch 1 was drawn with .*never redrawn"):
        draw_or_keep(items, {"n": 12, "seed": 1}, 1, **kwargs)


def test_the_coders_folder_names_a_stray_file_or_batch(tmp_path):
    (tmp_path / "batch1").mkdir()
    (tmp_path / "batch1" / "ann.json").write_text("[]")
    (tmp_path / "batch1" / "~$ann.xlsx").write_text("")  # Excel's lock file: skipped
    assert coded_files(tmp_path, 1) == {1: [str(tmp_path / "batch1" / "ann.json")]}
    (tmp_path / "batch1" / "notes.docx").write_text("")
    with pytest.raises(ConfigError, match=r"notes\.docx: not a coded file"):
        coded_files(tmp_path, 1)
    (tmp_path / "batch1" / "notes.docx").unlink()
    (tmp_path / "batch3").mkdir()
    (tmp_path / "batch3" / "b.csv").write_text("x")
    with pytest.raises(ConfigError, match=r"codes of batch 3, but coding\.batches lists 1"):
        coded_files(tmp_path, 1)


@pytest.mark.parametrize(
    ("coding", "message"),
    [
        ({"batches": [{"n": 5, "method": "scores", "task": "party", "model": "svm", "value": "1"}]},
         "does not classify task 'party'"),
        ({"batches": [{"n": 5, "method": "scores", "task": "party", "model": "svm", "value": "x"}]},
         "'x' is none of task 'party'"),
        ({"batches": [{"n": 5, "colour": "red"}]}, "unknown key(s) ['colour']"),
        ({"batches": [{"n": 5}], "adjudicate": "vote"}, "coding.adjudicate: 'vote'"),
        ({"batches": [{"n": 5}], "simulate": {"coders": ["a"], "disagreement": 0.1}}, "no column 'party'"),
    ],
)  # fmt: skip
def test_check_coding_names_the_key(tmp_path, coding, message):
    config = {
        "tasks": {"party": {"values": ["0", "1"], "column": "party"}},
        "models": {"svm": {"kind": "svm"}},
        "coding": {"codes": str(tmp_path / "none"), **coding},
    }
    sheet = pd.DataFrame({"video_id": ["a", "b"], "channel": ["x", "y"]})
    with pytest.raises(
        ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
    ):
        check_coding(config, sheet, ["svm"], results=tmp_path)


def test_margins_give_way_to_the_predicted_labels():
    classified = pd.DataFrame({"video_id": ["a", "b"], "fold": [0, 1], "predicted": ["1", "0"],
                               "scores": [[-0.3, 0.3], [0.2, -0.2]]})  # fmt: skip
    table = corpus_table(classified, ["0", "1"])
    assert table["score_1"].tolist() == [1.0, 0.0] and table["score_0"].tolist() == [0.0, 1.0]
    probs = classified.assign(scores=[[0.2, 0.8], [0.6, 0.4]])
    assert corpus_table(probs, ["0", "1"])["score_1"].tolist() == [0.8, 0.4]
