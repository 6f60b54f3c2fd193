"""The loop on known truth, as the demo will run it: draw, two coders, adjudicate, estimate, write."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from polimodal.errors import ConfigError
from polimodal.measure.agreement import adjudicate, agreement
from polimodal.measure.design import SampleDesign, draw_batch, inclusion_probabilities
from polimodal.measure.report import task_estimates, write_estimates
from polimodal.synthetic.coding import simulated_coders, simulated_corpus


def test_the_loop_on_a_synthetic_corpus(tmp_path) -> None:
    corpus = simulated_corpus(4000, seed=7)
    corpus["truth"] = np.where(corpus.y == 1, "hateful", "not")
    batch, state = draw_batch(corpus, SampleDesign(n=400, seed=7, method="scores", score="pred"), batch=1)
    codes = simulated_coders(
        corpus.set_index("item_id").truth[batch.item_id],
        ["hateful", "not"],
        disagreement=0.1,
        task="hate",
        seed=7,
    )
    stats = agreement(codes, n_boot=100).iloc[0]
    assert stats.percent_agreement == pytest.approx(0.9, abs=0.05)  # as simulated
    settled, unsettled = adjudicate(codes, "adjudicator:coder_a")
    assert unsettled.empty and len(settled) == len(batch)
    gold = settled.set_index("item_id").value
    table = task_estimates(
        corpus.assign(
            score_hateful=corpus.pred,
            score_not=1 - corpus.pred,
            gold=corpus.item_id.map(gold),
            pi=corpus.item_id.map(inclusion_probabilities(state)),
        ),
        ["not", "hateful"],
        group_by="group",
    )
    hateful = table[(table.value == "hateful") & (table.kind == "share")].set_index(["group", "method"])
    for group, truth in corpus.groupby("group").y.mean().items():
        row = hateful.loc[(group, "corrected")]
        assert row.low <= truth <= row.high
    shares = table[(table.kind == "share") & (table.method == "corrected") & (table.group == "all")]
    assert shares.estimate.sum() == pytest.approx(1.0, abs=0.02)  # the values' shares add up
    paths = write_estimates(table, "hate", tmp_path / "estimates" / "hate")
    assert len(pd.read_parquet(paths["parquet"])) == len(pd.read_csv(paths["csv"])) == len(table)
    assert paths["png"].stat().st_size > 5000


def test_a_coded_label_outside_the_values_is_named() -> None:
    corpus = pd.DataFrame(
        {
            "item_id": ["a", "b"],
            "score_1": [0.2, 0.7],
            "score_0": [0.8, 0.3],
            "gold": ["1", "yes"],
            "pi": [0.5, 0.5],
        }
    )
    with pytest.raises(ConfigError, match="item 'b': coded label 'yes' is none of"):
        task_estimates(corpus, ["0", "1"])
