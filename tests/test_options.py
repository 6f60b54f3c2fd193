"""Option dataclasses (:mod:`polimodal.options`): reading a config section, and the proof that the
JSON schema of the config (workflow/schemas/config.schema.yaml) and the shipped config agree with
the dataclasses, which are the one source of every setting's name, default and allowed values."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import Any

import jsonschema
import pytest
import yaml

from conftest import ROOT
from polimodal.align.query import QueryOptions
from polimodal.corpus.channels import ChannelOptions
from polimodal.errors import ConfigError
from polimodal.experiments.splits import ExperimentOptions
from polimodal.extract.audio import AudioOptions
from polimodal.extract.captions import CaptionOptions
from polimodal.extract.dedup import DedupOptions
from polimodal.extract.embed import EmbedOptions
from polimodal.extract.frames import FrameOptions
from polimodal.extract.ingest import IngestOptions
from polimodal.extract.ocr import OcrOptions
from polimodal.extract.pitch import PitchOptions
from polimodal.extract.speakers import SpeakersOptions
from polimodal.extract.transcribe import TranscribeOptions
from polimodal.options import DEVICE_PATTERN, choice, default_of, device_field, options_from_section

#: Config section → the dataclass that reads it.
SECTIONS = {
    "ingest": IngestOptions,
    "transcribe": TranscribeOptions,
    "frames": FrameOptions,
    "audio": AudioOptions,
    "embed": EmbedOptions,
    "dedup": DedupOptions,
    "experiments": ExperimentOptions,
    "pitch": PitchOptions,
    "query": QueryOptions,
    "channels": ChannelOptions,
    "captions": CaptionOptions,
    "ocr": OcrOptions,
    "speakers": SpeakersOptions,
}


def _yaml(path: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / path).read_text())


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return _yaml("workflow/schemas/config.schema.yaml")


def _same(a: Any, b: Any) -> bool:
    """Equal, and not merely because True == 1 or a tuple equals nothing in YAML."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list | tuple) or isinstance(b, list | tuple):
        return (
            isinstance(a, list | tuple)
            and isinstance(b, list | tuple)
            and len(a) == len(b)
            and all(_same(x, y) for x, y in zip(a, b, strict=True))
        )
    return a == b


def _defaults(cls: type) -> dict[str, Any]:
    return {f.name: default_of(f) for f in fields(cls)}


# ----------------------------------------------------------------------------- schema = dataclasses
@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_schema_names_the_dataclass_fields(schema: dict, section: str) -> None:
    prop = schema["properties"][section]
    assert prop["type"] == "object" and prop["additionalProperties"] is False
    assert prop.get("default") == {}, f"{section}: a missing section must take every default"
    assert sorted(prop["properties"]) == sorted(f.name for f in fields(SECTIONS[section]))


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_schema_defaults_are_the_dataclass_defaults(schema: dict, section: str) -> None:
    props = schema["properties"][section]["properties"]
    wrong = {}
    for f in fields(SECTIONS[section]):
        default = default_of(f)
        assert default is not MISSING, f"{section}.{f.name} has no default"
        if "default" not in props.get(f.name, {}) or not _same(props[f.name]["default"], default):
            wrong[f.name] = (props.get(f.name, {}).get("default", "<none>"), default)
        else:
            jsonschema.validate(default, props[f.name])  # and the default has the schema's type
    assert not wrong, f"{section}: schema default vs dataclass default: {wrong}"


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_schema_enums_and_patterns_are_the_field_metadata(schema: dict, section: str) -> None:
    props = schema["properties"][section]["properties"]
    for f in fields(SECTIONS[section]):
        prop = props[f.name]
        choices = f.metadata.get("choices")
        assert prop.get("enum") == (list(choices) if choices is not None else None), (
            f"{section}.{f.name}: schema enum {prop.get('enum')} vs dataclass choices {choices}"
        )
        pattern = f.metadata.get("pattern")
        assert prop.get("pattern") == pattern, (
            f"{section}.{f.name}: schema pattern {prop.get('pattern')!r} vs dataclass pattern {pattern!r}"
        )


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_schema_fills_in_the_dataclass_defaults(section: str) -> None:
    """What Snakemake's validation fills in for an empty section is what the dataclass reads."""
    from snakemake.utils import validate

    config = {"samples": "x.tsv"}
    validate(config, str(ROOT / "workflow" / "schemas" / "config.schema.yaml"), set_default=True)
    assert config[section] == _defaults(SECTIONS[section])
    assert options_from_section(SECTIONS[section], config[section], section) == SECTIONS[section]()


# ----------------------------------------------------------------------------- shipped config
@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_shipped_config_spells_out_the_defaults(section: str) -> None:
    shipped = _yaml("config/config.yaml")[section]
    defaults = _defaults(SECTIONS[section])
    assert sorted(shipped) == sorted(defaults), f"config/config.yaml {section}: keys differ"
    wrong = {k: (shipped[k], defaults[k]) for k in defaults if not _same(shipped[k], defaults[k])}
    assert not wrong, f"config/config.yaml {section}: (config, default) {wrong}"
    assert options_from_section(SECTIONS[section], shipped, section) == SECTIONS[section]()


# ----------------------------------------------------------------------------- options_from_section
@dataclass(frozen=True)
class Demo:
    name: str = "x"
    size: int = 3
    mode: str = choice("fast", ("fast", "slow"))
    device: str = device_field()
    note: str | None = "hello"
    grid: list[int] = field(default_factory=lambda: [1, 2])

    def check(self, where: str) -> None:
        if self.size < 1:
            raise ConfigError(f"{where}.size: must be >= 1")


def test_missing_keys_take_the_defaults() -> None:
    assert options_from_section(Demo, None, "demo") == Demo()
    assert options_from_section(Demo, {"size": 5}, "demo") == Demo(size=5)
    assert default_of(fields(Demo)[-1]) == [1, 2]


def test_unknown_keys_are_named_with_the_known_ones() -> None:
    with pytest.raises(ConfigError) as err:
        options_from_section(Demo, {"sise": 5, "colour": 1}, "config demo")
    assert str(err.value) == (
        "config demo: unknown key(s) ['colour', 'sise']; expected "
        "['device', 'grid', 'mode', 'name', 'note', 'size']"
    )
    with pytest.raises(ConfigError, match=r"models\.m: unknown parameter\(s\) \['sise'\]"):
        options_from_section(Demo, {"sise": 5}, "models.m", noun="parameter")
    assert options_from_section(Demo, {"kind": "k", "size": 2}, "m", ignore=("kind",)) == Demo(size=2)


def test_choices_patterns_and_check() -> None:
    with pytest.raises(ConfigError, match=r"demo\.mode: 'medium' is not one of \['fast', 'slow'\]"):
        options_from_section(Demo, {"mode": "medium"}, "demo")
    for device in ("auto", "cpu", "cuda", "cuda:3"):
        assert options_from_section(Demo, {"device": device}, "demo").device == device
    with pytest.raises(ConfigError, match=r"demo\.device: 'tpu' does not match"):
        options_from_section(Demo, {"device": "tpu"}, "demo")
    assert fields(Demo)[3].metadata["pattern"] == DEVICE_PATTERN
    with pytest.raises(ConfigError, match=r"demo\.size: must be >= 1"):
        options_from_section(Demo, {"size": 0}, "demo")


def test_null_is_default_only_where_asked_and_only_for_non_optional_fields() -> None:
    opts = options_from_section(Demo, {"size": None, "note": None}, "demo", null_is_default=True)
    assert opts.size == 3 and opts.note is None
    assert options_from_section(Demo, {"note": None}, "demo").note is None


def test_values_of_the_wrong_type_are_named_with_the_type_expected() -> None:
    with pytest.raises(ConfigError, match=r"^demo\.size: 'big' is not an integer$"):
        options_from_section(Demo, {"size": "big"}, "demo")
    with pytest.raises(ConfigError, match=r"demo\.size: True is not an integer"):
        options_from_section(Demo, {"size": True}, "demo")
    with pytest.raises(ConfigError, match=r"demo\.grid: \[1, 'x'\] is not a list of integers"):
        options_from_section(Demo, {"grid": [1, "x"]}, "demo")
    with pytest.raises(ConfigError, match=r"demo\.note: 3 is not a string or null"):
        options_from_section(Demo, {"note": 3}, "demo")
    with pytest.raises(ConfigError, match=r"demo\.size: None is not an integer"):
        options_from_section(Demo, {"size": None}, "demo")


@pytest.mark.parametrize(
    ("cfg", "message"),
    [
        ({"kind": "bert", "lr": "fast"}, r"models\.m \(kind bert\)\.lr: 'fast' is not a number$"),
        (
            {"kind": "bert", "lr": "1e-4"},
            r"\.lr: '1e-4' is not a number \(YAML reads 1e-4 as text: write 1\.0e-4\)",
        ),
        ({"kind": "cnn", "epochs": 2.5}, r"models\.m \(kind cnn\)\.epochs: 2\.5 is not an integer"),
        ({"kind": "clip", "freeze_encoders": "yes"}, r"\.freeze_encoders: 'yes' is not true or false"),
        (
            {"kind": "svm", "C": ["a"]},
            r"models\.m \(kind svm\)\.C: \['a'\] is not a number or a list of numbers",
        ),
        ({"kind": "llm", "lora_targets": "q_proj"}, r"\.lora_targets: 'q_proj' is not a list of strings"),
        ({"kind": "mult", "dim": "64"}, r"models\.m \(kind mult\)\.dim: '64' is not an integer"),
        ({"kind": "fndclip", "temperature": [0.07]}, r"\.temperature: \[0\.07\] is not a number"),
        ({"kind": "vlm", "max_frames": "3"}, r"models\.m \(kind vlm\)\.max_frames: '3' is not an integer"),
    ],
)
def test_every_model_kind_checks_its_parameter_types(cfg: dict[str, Any], message: str) -> None:
    from polimodal.models.registry import check_model_config

    with pytest.raises(ConfigError, match=message):
        check_model_config("m", cfg)


def test_every_default_has_its_field_type() -> None:
    """The annotations are the checked types: every dataclass's own defaults must pass them."""
    import typing

    from polimodal.models.registry import KINDS
    from polimodal.options import type_ok

    for cls in [*SECTIONS.values(), *(k.params for k in KINDS.values())]:
        hints = typing.get_type_hints(cls)
        bad = [f.name for f in fields(cls) if not type_ok(default_of(f), hints[f.name])]
        assert not bad, f"{cls.__name__}: defaults {bad} do not have their field's type"


# ----------------------------------------------------------------------------- output settings
def test_output_settings_leave_out_transport_and_fill_in_defaults(tmp_path):
    from polimodal.options import output_settings

    base = output_settings(IngestOptions.from_config({}))
    assert list(base) == sorted(base) == ["format", "max_duration"]
    cookies = tmp_path / "cookies.txt"
    cookies.write_text("# Netscape HTTP Cookie File\n")
    polite = {
        "retries": 9,
        "sleep_interval": 4,
        "socket_timeout": 2,
        "keep_media": True,
        "cookies": str(cookies),
    }
    assert output_settings(IngestOptions.from_config(polite)) == base
    # a default written out, in another order and as an integer where it is a float
    explicit = {"max_duration": 7200, "format": IngestOptions.format}
    assert repr(output_settings(IngestOptions.from_config(explicit))) == repr(base)
    assert output_settings(IngestOptions.from_config({"max_duration": 60})) != base


def test_output_settings_of_every_section_are_canonical():
    from polimodal.options import output_settings

    assert list(output_settings(EmbedOptions.from_config({}))) == ["model", "precision", "weights"]
    # float16, the layout of the files written before embed.precision existed: the settings of then
    # (so a corpus that sets it reruns no embedding), not those of the int8 default
    assert list(output_settings(EmbedOptions(precision="float16"))) == ["model", "weights"]
    assert output_settings(EmbedOptions(precision="float16")) != output_settings(EmbedOptions())
    assert output_settings(EmbedOptions.from_config({"batch_size": 3, "device": "cpu"})) == output_settings(
        EmbedOptions()
    )
    frames = output_settings(FrameOptions.from_config({"fps": 1}))
    assert repr(frames) == repr(output_settings(FrameOptions())) and frames["fps"] == 1.0
    assert output_settings(FrameOptions(max_side=224)) != output_settings(FrameOptions())
    assert repr(output_settings(PitchOptions.from_config({"floor": 75}))) == repr(
        output_settings(PitchOptions())
    )
    for cls in SECTIONS.values():  # every section has a canonical form, keys sorted
        settings = output_settings(cls())
        assert list(settings) == sorted(settings)


def test_transcribe_output_settings_tell_batched_from_sequential_only():
    from polimodal.options import output_settings

    base = output_settings(TranscribeOptions())  # the default: faster-whisper's batched pipeline
    assert "device" not in base and base["batched"] is True and "batch_size" not in base
    assert output_settings(TranscribeOptions(batch_size=0))["batched"] is False
    assert output_settings(TranscribeOptions(device="cpu")) == base
    assert output_settings(TranscribeOptions(batch_size=4)) == output_settings(
        TranscribeOptions(batch_size=16)
    )
    assert output_settings(TranscribeOptions(batch_size=4)) == base  # batch size: only how work is cut
    assert output_settings(TranscribeOptions(compute_type="int8")) != base
    assert output_settings(TranscribeOptions(beam_size=1)) != base


def test_output_settings_leave_out_keys_made_moot_and_name_those_written() -> None:
    from polimodal.models.torch.params import CnnParams
    from polimodal.options import no_effect_keys, output_settings

    section = {"threshold": 0.3, "vote": None, "lr": 1.0e-3}
    opts = options_from_section(CnnParams, section, "models.cnn", null_is_default=True)
    assert no_effect_keys(opts, section) == {"threshold": "video_score: mean_prob"}
    assert not {"threshold", "vote"} & set(output_settings(opts))
    votes = options_from_section(CnnParams, {**section, "video_score": "votes"}, "m", null_is_default=True)
    assert no_effect_keys(votes, section) == {} and output_settings(votes)["threshold"] == 0.3
