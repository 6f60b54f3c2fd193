"""The one registry of model kinds (:mod:`polimodal.models.registry`) and the start-up check of
a model's config section (:func:`check_model_config`), for every kind and both shipped configs."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, fields

import pytest
import yaml

from conftest import ROOT
from polimodal.corpus.samples import read_sample_sheet
from polimodal.data.inputs import INPUTS
from polimodal.data.texts import TEXT_FIELDS
from polimodal.errors import ConfigError
from polimodal.models import KINDS, ModelKind, check_model_config, get_kind, model_class
from polimodal.models.base import Model
from polimodal.models.registry import RUNNER_KEYS
from polimodal.plan import dag_jobs, plan
from polimodal.stages import KindCost

#: A misspelt parameter of every kind (a real parameter with a typo).
MISSPELT = {
    "svm": "max_feature",
    "bert": "max_lenght",
    "cnn": "frames_per_vido",
    "clip": "head_hiden",
    "mult": "self_layer",
    "early_fusion": "hiden",
    "fndclip": "fusoin",
    "llm": "max_text_token",
    "vlm": "max_frame",
}


def _config(name: str) -> dict:
    return yaml.safe_load((ROOT / "config" / name).read_text())


# ----------------------------------------------------------------------------- declarations
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_names_its_class(kind: str) -> None:
    spec = KINDS[kind]
    assert spec.name == kind and get_kind(kind) is spec
    cls = model_class(kind)
    assert issubclass(cls, Model) and cls.kind == kind
    assert spec.inputs and set(spec.inputs) <= set(INPUTS)
    # the runner's keys are never parameters of a model
    assert not {f.name for f in fields(spec.params)} & set(RUNNER_KEYS)


def test_modalities_and_hardware() -> None:
    assert {k: s.modality for k, s in KINDS.items()} == {
        "svm": "text",
        "bert": "text",
        "cnn": "image",
        "clip": "multimodal",
        "mult": "multimodal",
        "early_fusion": "multimodal",
        "fndclip": "multimodal",
        "llm": "text",
        "vlm": "multimodal",
    }
    assert {k for k, s in KINDS.items() if s.gpu} == {"bert", "cnn", "clip", "mult", "fndclip", "llm", "vlm"}
    assert {k for k, s in KINDS.items() if s.prompted} == {"llm", "vlm"}
    assert KINDS["clip"].reads("text") and KINDS["clip"].reads("frames")
    assert not KINDS["cnn"].reads("text") and not KINDS["svm"].reads("frames")


def test_misspelt_table_covers_every_kind() -> None:
    assert set(MISSPELT) == set(KINDS), "add a misspelt parameter for the new kind to MISSPELT"


def test_importing_the_registry_imports_no_model_code() -> None:
    code = (
        "import sys, polimodal.models, polimodal.models.registry; "
        "print(sorted(m for m in ('torch', 'sklearn', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ----------------------------------------------------------------------------- unknown kinds
def test_unknown_kind_names_the_known_kinds() -> None:
    known = re.escape(str(sorted(KINDS)))
    with pytest.raises(ConfigError, match=rf"unknown model kind 'nope'; known kinds: {known}"):
        get_kind("nope")
    with pytest.raises(ConfigError, match=rf"unknown model kind 'nope'; known kinds: {known}"):
        model_class("nope")
    with pytest.raises(ConfigError, match=rf"models\.mine: unknown model kind 'nope'; known kinds: {known}"):
        check_model_config("mine", {"kind": "nope"})
    with pytest.raises(ConfigError, match=r"models\.mine: needs a 'kind'"):
        check_model_config("mine", {"C": 1.0})


# ----------------------------------------------------------------------------- parameters
@pytest.mark.parametrize("kind", sorted(MISSPELT))
def test_misspelt_parameter_is_rejected_for_every_kind(kind: str) -> None:
    key = MISSPELT[kind]
    assert key not in {f.name for f in fields(KINDS[kind].params)}
    message = rf"models\.mine \(kind {kind}\): unknown parameter\(s\) \['{key}'\]"
    with pytest.raises(ConfigError, match=message):
        check_model_config("mine", {"kind": kind, key: 1})


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_bare_kind_is_valid(kind: str) -> None:
    """Every parameter has a default: ``{kind: k}`` alone is a complete model section."""
    assert check_model_config("mine", {"kind": kind}) is KINDS[kind]
    assert KINDS[kind].parse_params({}, "x") == KINDS[kind].params()


@pytest.mark.parametrize(
    ("cfg", "message"),
    [
        ({"kind": "svm", "C": [1.0, -1.0]}, "C must be > 0"),
        ({"kind": "svm", "class_weight": "inverse"}, r"class_weight: 'inverse' is not one of"),
        ({"kind": "bert", "epochs": 11}, "epochs must be 1..10"),
        ({"kind": "bert", "device": "tpu"}, r"device: 'tpu' does not match"),
        ({"kind": "cnn", "vote": "majority"}, r"vote: 'majority' is not one of \['count', 'fraction'\]"),
        ({"kind": "cnn", "threshold": "high"}, "threshold must be auto or a number"),
        ({"kind": "clip", "head": "attention"}, r"head: 'attention' is not one of \['mlp', 'linear'\]"),
        ({"kind": "svm", "text_fields": ["subtitles"]}, r"models\.mine\.text_fields \['subtitles'\]"),
        ({"kind": "svm", "text_fields": []}, r"models\.mine\.text_fields \[\]"),
        ({"kind": "cnn", "text_fields": ["title"]}, "kind cnn reads no text"),
    ],
)
def test_bad_values_are_rejected(cfg: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        check_model_config("mine", cfg)
    assert "models.mine" in str(err.value)


def test_text_fields_of_text_models() -> None:
    for kind in ("svm", "bert", "clip"):
        check_model_config("mine", {"kind": kind, "text_fields": list(TEXT_FIELDS)})


@pytest.mark.parametrize("name", ["config.yaml", "demo.yaml"])
def test_shipped_model_sections_pass(name: str) -> None:
    cfg = _config(name)
    assert cfg["models"], f"config/{name} defines no models"
    for model, section in cfg["models"].items():
        assert check_model_config(model, section).name == section["kind"]


def test_demo_runs_only_defined_models() -> None:
    """The demo's experiments.models are defined in config.yaml + demo.yaml (merged by Snakemake)."""
    models = {**_config("config.yaml")["models"], **_config("demo.yaml")["models"]}
    assert set(_config("demo.yaml")["experiments"]["models"]) <= set(models)


# ----------------------------------------------------------------------------- a new kind
@dataclass(frozen=True)
class ToyParams:
    alpha: float = 1.0


class ToyModel(Model):
    kind = "test_toy"

    def fit(self, train, validation, workdir):
        return {}

    def predict(self, data):
        raise NotImplementedError


def test_a_new_kind_is_one_declaration(add_model_kind) -> None:
    spec = add_model_kind("test_toy", f"{__name__}:ToyModel", ("text", "frames"), ToyParams)
    assert isinstance(spec, ModelKind) and spec.modality == "multimodal"
    assert model_class("test_toy") is ToyModel
    model = ToyModel(["a", "b"], {"kind": "test_toy", "alpha": 2.5})
    assert model.options == ToyParams(alpha=2.5) and model.spec is spec and model.needs_frames
    with pytest.raises(ConfigError, match=r"model kind test_toy: unknown parameter\(s\) \['beta'\]"):
        ToyModel(["a", "b"], {"beta": 1})
    with pytest.raises(
        ConfigError, match=r"models\.toy \(kind test_toy\): unknown parameter\(s\) \['beta'\]"
    ):
        check_model_config("toy", {"kind": "test_toy", "beta": 1})


def test_class_must_declare_the_kind_it_is_registered_as(add_model_kind) -> None:
    add_model_kind("test_other", "polimodal.models.classic.svm:TextSVM")
    with pytest.raises(TypeError, match="registered as 'test_other'"):
        model_class("test_other")
    add_model_kind("test_missing", "polimodal.models.no_such_module:Nothing")
    with pytest.raises(ConfigError, match="model kind 'test_missing': cannot import"):
        model_class("test_missing")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_has_a_cost(kind: str) -> None:
    """A kind's cost is on its entry (``polimodal plan`` prices its jobs with it)."""
    cost = KINDS[kind].cost
    assert isinstance(cost, KindCost), f"model kind {kind!r}: no cost= on its ModelKind"
    assert cost.train_s > 0 and cost.classify_s > 0 and cost.checkpoint_mb > 0 and cost.source


def test_the_recipe_of_a_new_kind_is_complete(add_model_kind, tmp_path) -> None:
    """DESIGN.md's "Adding a model kind": a kind registered without its cost is refused by the plan,
    which names the kind and the missing cost; with one, the plan prices its jobs with it. The jobs
    are Snakemake's for the same config with an SVM, a kind of the same rules (train, classify)."""
    sheet_path = tmp_path / "videos.tsv"
    rows = [f"v{i}\tclip{i}.mp4\t{['a', 'b'][i % 2]}" for i in range(8)]
    sheet_path.write_text("\n".join(["video_id\tsource\tlabel", *rows]) + "\n")
    config = {
        "samples": str(sheet_path),
        "shard_size": 4,
        "tasks": {"t": {"column": "label", "values": ["a", "b"]}},
        "experiments": {"folds": 2, "models": ["m"]},
        "models": {"m": {"kind": "svm"}},
    }
    cfg = tmp_path / "config.yaml"
    cfg.write_text(yaml.safe_dump(config))
    jobs = dag_jobs(cfg)
    assert jobs["train"] == 2  # one task x one model x 2 folds
    sheet = read_sample_sheet(sheet_path)
    toy = {**config, "models": {"m": {"kind": "test_toy"}}}

    add_model_kind("test_toy", f"{__name__}:ToyModel", ("text",), ToyParams)  # no cost
    with pytest.raises(
        ConfigError, match=r"model kind 'test_toy' has no cost: .*registry\.py a cost=KindCost"
    ):
        plan(toy, sheet, jobs)

    cost = KindCost(train_s=2.0, classify_s=1.0, checkpoint_mb=3.0, source="test")
    spec = add_model_kind("test_toy", f"{__name__}:ToyModel", ("text",), ToyParams, cost=cost)
    assert spec.rule_suffix == ""  # a CPU kind: rules train, classify
    p = plan(toy, sheet, jobs, minutes_per_video=1)
    rows = {r.stage: r for r in p.rows}
    assert rows["train"].rules == {"train": 2} and rows["classify"].rules == {"classify": 2}
    # per fold: 1 epoch over the training share (0.8 x 0.8) of 8 videos + scoring them
    assert rows["train"].core_hours == pytest.approx(2 * 8 * (2.0 * 0.64 + 1.0) / 3600)
    assert rows["classify"].core_hours == pytest.approx(8 * 1.0 / 3600)
    assert p.costs["kind.test_toy"] is cost


def test_the_rules_route_a_model_by_its_kinds_rule_suffix() -> None:
    """Which train/classify rules run a model is written once, as ``ModelKind.rule_suffix``: the
    rule files read it and never re-derive it from the kind's ``family`` or ``gpu``."""
    texts = {p.name: p.read_text() for p in sorted((ROOT / "workflow" / "rules").glob("*.smk"))}
    texts["Snakefile"] = (ROOT / "Snakefile").read_text()
    code = {name: "\n".join(line.split("#")[0] for line in text.splitlines()) for name, text in texts.items()}
    rederived = {name for name, text in code.items() if re.search(r"\]\s*\.\s*(family|gpu)\b", text)}
    assert rederived == set(), f"rule files that re-derive a kind's rules: {sorted(rederived)}"
    assert "rule_suffix" in code["common.smk"]
    # every suffix a kind has names rules of the workflow (train<suffix>, classify<suffix>)
    rules = set(re.findall(r"^(?:rule|use rule \w+ as) (\w+)", "\n".join(code.values()), re.M))
    for spec in KINDS.values():
        assert {f"train{spec.rule_suffix}", f"classify{spec.rule_suffix}"} <= rules, spec.name
