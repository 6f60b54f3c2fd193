"""Corrected corpus estimates on known truth: they cover it where counting predictions does not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from polimodal.errors import ConfigError
from polimodal.measure.design import SampleDesign, draw_batch, inclusion_probabilities
from polimodal.measure.estimate import add_pseudo_outcomes, estimate_mean, estimate_shares, regression
from polimodal.synthetic.coding import simulated_corpus


def coded_frame(corpus: pd.DataFrame, design: SampleDesign) -> pd.DataFrame:
    batch, state = draw_batch(corpus, design, batch=1)
    pi = inclusion_probabilities(state)
    frame = corpus.assign(coded=corpus.item_id.isin(batch.item_id), pi=corpus.item_id.map(pi).to_numpy())
    frame["gold"] = np.where(frame.coded, frame.y, np.nan)
    return frame


def test_under_a_simple_random_sample_dsl_is_ppi() -> None:
    ppi_py = pytest.importorskip("ppi_py")
    frame = coded_frame(simulated_corpus(3000, seed=2), SampleDesign(n=300, seed=1))
    coded = frame.coded.to_numpy()
    frame["pi"] = coded.sum() / len(frame)  # PPI's labelled sample is a uniform one of this size
    ours = estimate_mean(frame.pred, frame.gold, coded, frame.pi, lam=1.0)["corrected"].value
    theirs = ppi_py.ppi_mean_pointestimate(
        frame.y[coded].to_numpy(), frame.pred[coded].to_numpy(), frame.pred.to_numpy(), lam=1.0
    )
    assert ours == pytest.approx(float(np.asarray(theirs).ravel()[0]), abs=1e-12)


@pytest.mark.parametrize(
    "design",
    [
        {"method": "random"},
        {"method": "stratified", "strata": "group", "allocation": {"g0": 100, "g1": 100}},
        {"method": "scores", "score": "pred", "floor": 0.2},
    ],
)
def test_corrected_intervals_cover_the_truth_that_counts_miss(design: dict) -> None:
    """The suite's small version of bench/bench_coverage.py: 60 draws of one synthetic corpus."""
    corpus = simulated_corpus(3000, seed=5)
    true_diff = corpus[corpus.group == "g1"].y.mean() - corpus[corpus.group == "g0"].y.mean()
    covered, coded_width, corrected_width, predicted = [], [], [], []
    for seed in range(60):
        est = estimate_shares(coded_frame(corpus, SampleDesign(n=200, seed=seed, **design)), group_by="group")
        diff = est[est.kind == "difference"].set_index("method")
        covered.append(diff.low["corrected"] <= true_diff <= diff.high["corrected"])
        coded_width.append(diff.high["coded"] - diff.low["coded"])
        corrected_width.append(diff.high["corrected"] - diff.low["corrected"])
        predicted.append(diff.low["predicted"] <= true_diff <= diff.high["predicted"])
    assert np.mean(covered) >= 0.85  # 95 % intervals; 60 draws leave room for chance
    assert np.mean(predicted) == 0.0  # the count's interval never holds the truth: its bias
    assert np.mean(corrected_width) < 0.9 * np.mean(coded_width)


def test_a_linear_dsl_regression_recovers_the_group_difference() -> None:
    corpus = simulated_corpus(4000, seed=3)
    frame = add_pseudo_outcomes(coded_frame(corpus, SampleDesign(n=600, seed=2)))
    table = regression(frame, ["group"], model="linear").set_index("term")
    true_diff = corpus[corpus.group == "g1"].y.mean() - corpus[corpus.group == "g0"].y.mean()
    row = table.loc["group_g1"]
    assert row.low <= true_diff <= row.high
    naive = regression(frame, ["group"], model="linear", outcome="pred").set_index("term").loc["group_g1"]
    assert not naive.low <= true_diff <= naive.high


def test_the_logit_equals_statsmodels_when_every_item_is_coded() -> None:
    corpus = simulated_corpus(2000, seed=4)
    frame = add_pseudo_outcomes(corpus.assign(coded=True, pi=1.0, gold=corpus.y))
    ours = regression(frame, ["x"], model="logit").set_index("term")
    fit = sm.Logit(corpus.y.to_numpy(), sm.add_constant(corpus.x.to_numpy())).fit(disp=0, cov_type="HC0")
    assert np.allclose(ours.estimate.to_numpy(), fit.params, atol=1e-8)
    assert np.allclose(ours.se.to_numpy(), fit.bse, rtol=1e-6)


def test_a_coded_item_without_a_probability_is_named() -> None:
    with pytest.raises(ConfigError, match="item 1: a coded item needs an inclusion probability"):
        estimate_mean([0.2, 0.9], [np.nan, 1.0], [False, True], [np.nan, 0.0])
    with pytest.raises(ConfigError, match="item 0"):
        estimate_mean([0.2, 0.9], [1.0, 1.0], [True, True], [np.nan, 0.5])
