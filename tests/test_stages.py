"""Every rule of the workflow belongs to one stage of :data:`polimodal.stages.STAGES`, and every stage
carries its costs: a new rule or stage without them fails here (and ``polimodal plan`` refuses it)."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from conftest import ROOT
from polimodal.errors import ConfigError
from polimodal.models.registry import KINDS
from polimodal.plan import plan
from polimodal.stages import COSTS, STAGES, ByModels, Cost, PerHour, Stage, stage_of


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
    sheet = pd.DataFrame({"video_id": ["v0"], "source": ["clip0.mp4"]})
    with pytest.raises(ConfigError, match=r"rule\(s\) \['new_rule'\] .* STAGES in polimodal/stages.py"):
        plan({}, sheet, {"ingest": 1, "new_rule": 1})


#: Twelve 30-minute videos: six hours of footage.
SHEET = pd.DataFrame(
    {"video_id": [f"v{i}" for i in range(12)], "source": [f"clip{i}.mp4" for i in range(12)]}
)


def _with_stage(monkeypatch: pytest.MonkeyPatch, stage: Stage) -> None:
    """``stage`` added to the table (as a new entry of polimodal/stages.py would be)."""
    import polimodal.plan.pricing as pricing
    import polimodal.stages as stages

    monkeypatch.setattr(stages, "STAGES", (*STAGES, stage))
    monkeypatch.setattr(pricing, "STAGES", (*STAGES, stage))


def test_a_new_stage_is_priced_by_its_entry(monkeypatch) -> None:
    """A stage declares how it is priced (``Stage.pricing``): a new one needs no edit in the plan."""
    costs = {"ocr.cpu": Cost(36.0, "core-s/h", "test"), "ocr.bytes": Cost(2.0, "MB/h", "test")}
    _with_stage(monkeypatch, Stage("ocr", ("ocr",), costs, PerHour("ocr.cpu", "ocr.bytes", per_frame=True)))
    config = {"shard_size": 5, "frames": {"fps": 2.0}}
    p = plan(config, SHEET, {"ingest": 3, "ocr": 3}, minutes_per_video=30)
    row = {r.stage: r for r in p.rows}["ocr"]
    assert row.rules == {"ocr": 3}
    assert row.core_hours == pytest.approx(36.0 * 2 * 6 / 3600)  # per frame: x 2 fps, 6 hours
    assert row.stored_bytes == pytest.approx(2.0 * 2 * 6 * 1e6)
    assert p.costs["ocr.cpu"] is costs["ocr.cpu"] and p.costs["ocr.bytes"] is costs["ocr.bytes"]


def test_a_stage_naming_no_pricer_is_refused(monkeypatch) -> None:
    _with_stage(monkeypatch, Stage("ocr", ("ocr",), {"ocr.cpu": Cost(1.0, "core-s/h", "test")}, "ocr"))
    with pytest.raises(ConfigError, match=r"stage 'ocr' \(polimodal/stages.py\): pricing 'ocr' is none of"):
        plan({}, SHEET, {"ocr": 1})


def test_every_stage_is_priced_as_its_entry_says() -> None:
    """A job of every rule: each stage has a row, priced (or, for bookkeeping, counted only); the
    model stages by the kinds of their rules (``ModelKind.rule_suffix``)."""
    suffixes = {k.rule_suffix for k in KINDS.values()}
    for stage in STAGES:
        if isinstance(stage.pricing, PerHour):
            assert {stage.pricing.cpu, stage.pricing.stored} - {None} <= set(stage.costs), stage.name
        if isinstance(stage.pricing, ByModels):
            assert stage.pricing.rule_suffix in suffixes and stage.rules == (
                f"{'train' if stage.pricing.train else 'classify'}{stage.pricing.rule_suffix}",
            )
    config = {
        "shard_size": 5,
        "tasks": {"t": {"column": "label", "values": ["a", "b"]}},
        "experiments": {"models": ["svm", "bert", "cnn"]},  # cnn: task data holds frames
        "models": {"svm": {"kind": "svm"}, "bert": {"kind": "bert"}, "cnn": {"kind": "cnn"}},
        "classify": {"t": ["svm", "bert"]},
    }
    sheet = SHEET.assign(label=["a", "b"] * 6)
    p = plan(config, sheet, {r: 1 for s in STAGES for r in s.rules}, minutes_per_video=30)
    rows = {r.stage: r for r in p.rows}
    assert list(rows) == [s.name for s in STAGES]
    for stage in STAGES:
        row = rows[stage.name]
        cost = row.core_hours + row.gpu_hours + row.stored_bytes
        if stage.pricing is None or stage.name in ("train_llm", "classify_llm"):  # no llm model
            assert cost == 0, stage.name
        else:
            assert cost > 0, stage.name
