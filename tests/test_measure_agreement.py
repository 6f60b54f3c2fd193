"""Agreement between coders, and adjudication, on codes with a known disagreement rate."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from polimodal.errors import LabelError
from polimodal.measure.agreement import adjudicate, agreement, check_codes, confusion
from polimodal.synthetic.coding import simulated_coders


def truth(n: int = 400, seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(rng.choice(["hate", "none"], n, p=[0.3, 0.7]), index=[f"v{i}" for i in range(n)])


def test_agreement_comes_out_as_simulated() -> None:
    codes = simulated_coders(truth(), ["hate", "none"], disagreement=0.15, seed=1)
    row = agreement(codes, n_boot=200).iloc[0]
    assert row.percent_agreement == pytest.approx(0.85, abs=0.04)
    assert row.n_disagreements == round((1 - row.percent_agreement) * 400)
    wide = codes.pivot(index="coder", columns="item_id", values="value")
    direct = krippendorff.alpha(
        reliability_data=(wide == "hate").astype(float).to_numpy(), level_of_measurement="nominal"
    )
    assert row.alpha == pytest.approx(direct, abs=1e-12)
    assert row.alpha_low < row.alpha < row.alpha_high
    assert row.cohen_kappa == pytest.approx(cohen_kappa_score(wide.loc["coder_a"], wide.loc["coder_b"]))
    table = confusion(codes, "label", "coder_a", "coder_b")
    assert table.to_numpy().sum() == 400 and np.trace(table.to_numpy()) == 400 - row.n_disagreements


def test_adjudication_rules() -> None:
    codes = pd.DataFrame(
        [
            ("v1", "ann", "label", "hate"),
            ("v1", "bob", "label", "hate"),
            ("v1", "cy", "label", "none"),
            ("v2", "ann", "label", "hate"),
            ("v2", "bob", "label", "none"),
            ("v3", "ann", "label", "none"),
            ("v3", "bob", "label", "none"),
        ],
        columns=["item_id", "coder", "task", "value"],
    )
    settled, open_ = adjudicate(codes, "majority")
    assert settled.set_index("item_id").value.to_dict() == {"v1": "hate", "v3": "none"}
    assert settled.set_index("item_id").agreed.to_dict() == {"v1": False, "v3": True}
    assert list(open_.item_id) == ["v2"] and open_.reason[0] == "tie"
    settled, open_ = adjudicate(codes, "adjudicator:bob")
    assert settled.set_index("item_id").value.to_dict() == {"v1": "hate", "v2": "none", "v3": "none"}
    settled, open_ = adjudicate(codes, "list")
    assert list(settled.item_id) == ["v3"] and list(open_.item_id) == ["v1", "v2"]
    with pytest.raises(LabelError, match="no coder 'dan'"):
        adjudicate(codes, "adjudicator:dan")


def test_bad_codes_name_item_coder_and_value() -> None:
    codes = pd.DataFrame(
        [("v1", "ann", "label", "hate"), ("v1", "ann", "label", "none")],
        columns=["item_id", "coder", "task", "value"],
    )
    with pytest.raises(LabelError, match="item 'v1' is coded twice by coder 'ann'"):
        check_codes(codes)
    with pytest.raises(LabelError, match="item 'v1', coder 'ann', task 'label': value 'hat' is none of"):
        check_codes(codes.iloc[:1].assign(value="hat"), {"label": ["hate", "none"]})
