"""Start-up checks of the real workflow: `snakemake -n` (a dry run) in a copy of the workflow.

A config error must stop the run before any job is planned, with a message that names the model
and the key. The configs are checked in (tests/configs/) and laid over config/config.yaml.
"""

from __future__ import annotations

import shutil

import pytest

from conftest import config_file, copy_workflow, run_snakemake


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    wd = copy_workflow(tmp_path_factory.mktemp("wf_config"))
    for name in ("bad_model_kind.yaml", "bad_model_param.yaml"):
        shutil.copy(config_file(name), wd / "config" / name)
    return wd


def _dry_run_fails(wd, overlay: str) -> str:
    proc = run_snakemake(wd, "-n", "--configfile", f"config/{overlay}", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert "Job stats" not in out and "rule ingest" not in out, "jobs were planned"  # stopped at start-up
    assert not (wd / "results").exists()
    return out


def test_the_shipped_config_passes(workflow):
    """The baseline: the same copy without an overlay plans its jobs."""
    proc = run_snakemake(workflow, "-n")
    assert "rule ingest" in proc.stdout


def test_unknown_model_kind_stops_at_start_up(workflow):
    out = _dry_run_fails(workflow, "bad_model_kind.yaml")
    assert "models.mystery: unknown model kind 'transformer_xl'" in out
    assert "known kinds: ['bert', 'clip', 'cnn', 'llm', 'svm', 'vlm']" in out


def test_misspelt_model_parameter_stops_at_start_up(workflow):
    out = _dry_run_fails(workflow, "bad_model_param.yaml")
    assert "models.svm (kind svm): unknown parameter(s) ['max_feature']" in out
    assert "'max_features'" in out  # the message lists the parameters the kind knows


# ----------------------------------------------------------------------------- sheet and task mistakes
HEADER = "video_id\tsource\tus_politics\n"


def _sheet_run(wd, name: str, text: str | bytes, tasks: str = "") -> str:
    """A dry run on sheet ``name`` (written into the copy) with the given ``tasks:`` YAML block."""
    sheet = wd / "config" / name
    sheet.write_bytes(text if isinstance(text, bytes) else text.encode())
    overlay = wd / "config" / f"{name}.yaml"
    overlay.write_text(f"samples: config/{name}\n{tasks}")
    return _dry_run_fails(wd, overlay.name)


TASK = "tasks:\n  us_politics:\n    values: ['0', '1']\n"


def test_a_label_outside_the_task_values_stops_at_start_up(workflow):
    rows = "a\tx.mp4\t0\nb\ty.mp4\t1\nc\tz.mp4\t2\nd\tw.mp4\t0\ne\tv.mp4\t1\n"
    out = _sheet_run(workflow, "labels.tsv", HEADER + rows, TASK)
    assert "task 'us_politics', column 'us_politics': label(s) not in ['0', '1']: '2' on line(s) 4" in out
    assert out.count("label(s) not in") == 1  # said once, not once per job


def test_a_missing_label_column_stops_at_start_up(workflow):
    rows = "a\tx.mp4\t0\nb\ty.mp4\t1\n"
    tasks = "tasks:\n  party:\n    values: [dem, rep]\n"
    out = _sheet_run(workflow, "nocol.tsv", HEADER + rows, tasks)
    assert "task 'party': label column 'party' is not in the sample sheet" in out


def test_a_class_with_one_example_stops_at_start_up(workflow):
    rows = "a\tx.mp4\t0\nb\ty.mp4\t1\nc\tz.mp4\t0\n"
    out = _sheet_run(workflow, "rare.tsv", HEADER + rows, TASK)
    assert "task 'us_politics': value '1' has 1 example(s) in the sample sheet" in out
    assert "line(s): 3" in out


def test_a_non_utf8_byte_is_reported_by_line_and_column(workflow):
    text = (HEADER + "a\tx.mp4\t0\n").encode() + b"b\tcaf\xe9.mp4\t1\n"
    out = _sheet_run(workflow, "latin1.tsv", text)
    assert "line 3, column 6: byte 0xe9 is not UTF-8" in out


def test_blank_lines_do_not_shift_reported_line_numbers(workflow):
    text = HEADER + "a\tx.mp4\t0\n\n\nb\ty.mp4\t1\n\nc\tz.mp4\t0\n\nbad id\tw.mp4\t1\n"
    assert text.splitlines()[8].startswith("bad id")  # file line 9
    out = _sheet_run(workflow, "blank.tsv", text)
    assert "line 9: 'bad id'" in out


def test_a_sheet_without_rows_says_so(workflow):
    out = _sheet_run(workflow, "empty.tsv", HEADER)
    assert "has no rows" in out


def test_a_model_reference_that_does_not_exist_stops_at_start_up(workflow):
    overlay = workflow / "config" / "badref.yaml"
    overlay.write_text(
        "experiments:\n  models: [bert]\n"
        "models:\n  bert:\n    kind: bert\n    model: package:no_such_package_xyz/model\n"
    )
    out = _dry_run_fails(workflow, overlay.name)
    assert "config models.bert.model: model reference 'package:no_such_package_xyz/model'" in out
    overlay.write_text("transcribe:\n  model: ./models/whisper-missing\n")
    out = _dry_run_fails(workflow, overlay.name)
    assert "config transcribe.model" in out and "does not exist" in out
