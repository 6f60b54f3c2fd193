"""Every rule of the workflow belongs to one stage of :data:`polimodal.stages.STAGES`, and every stage
carries its costs: a new rule or stage without them fails here (and ``polimodal plan`` refuses it)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT
from polimodal.errors import ConfigError
from polimodal.plan import plan
from polimodal.stages import COSTS, STAGES, Cost, stage_of


def workflow_rules() -> list[str]:
    """The rules of the workflow, as Snakemake lists them (``snakemake --list-rules``)."""
    cmd = [sys.executable, "-m", "snakemake", "--list-rules", "--nolock"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [line.strip() for line in proc.stdout.splitlines() if line.strip().isidentifier()]


def test_every_rule_of_the_workflow_has_one_stage() -> None:
    rules = workflow_rules()
    assert {"ingest", "train_llm", "classify_gpu", "choose_models", "all"} <= set(rules)
    assert [r for r in rules if stage_of(r) is None] == []
    assert [r for r in rules if sum(r in s.rules for s in STAGES) != 1] == []


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s.name)
def test_every_stage_has_a_cost(stage) -> None:
    assert stage.costs, f"stage {stage.name!r} has no cost"
    for key, cost in stage.costs.items():
        assert isinstance(cost, Cost) and cost.value >= 0 and cost.unit and cost.source, key
        assert COSTS[key] is cost


def test_a_rule_without_a_stage_is_refused(tmp_path) -> None:
    import pandas as pd

    sheet = pd.DataFrame({"video_id": ["v0"], "source": ["clip0.mp4"]})
    with pytest.raises(ConfigError, match=r"rule\(s\) \['new_rule'\] .* STAGES in polimodal/stages.py"):
        plan({}, sheet, {"ingest": 1, "new_rule": 1})
