"""Start-up checks of the real workflow: `snakemake -n` (a dry run) in a copy of the workflow.

A config error must stop the run before any job is planned, with a message that names the model
and the key. The configs are checked in (tests/configs/) and laid over config/config.yaml.
"""

from __future__ import annotations

import shutil

import pytest

from conftest import config_file, copy_workflow, run_snakemake
from polimodal.models.registry import KINDS


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
    assert f"known kinds: {sorted(KINDS)}" in out


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


def test_a_column_named_twice_stops_at_start_up(workflow):
    out = _sheet_run(
        workflow, "twice.tsv", "video_id\tsource\tus_politics\tus_politics\na\tx.mp4\t0\t1\n", TASK
    )
    assert "line 1 (header) names the column(s) ['us_politics'] more than once" in out


def test_a_known_column_spelt_otherwise_stops_at_start_up(workflow):
    """`Source` would be read as a label (polimodal.corpus.columns): the sheets read when the workflow
    is parsed (common.smk, common_channels.smk) stop it before any job."""
    out = _sheet_run(workflow, "nearmiss.tsv", "video_id\tSource\tus_politics\na\tx.mp4\t0\n", TASK)
    assert (
        "sample sheet config/nearmiss.tsv: line 1 (header): column 'Source' looks like the known column "
        "'source'" in out
    )
    (workflow / "config" / "nearmiss_channels.tsv").write_text("Channel\tideology\n@a\tleft\n")
    overlay = workflow / "config" / "nearmiss_channels.yaml"
    overlay.write_text("channels:\n  sheet: config/nearmiss_channels.tsv\n")
    out = _dry_run_fails(workflow, overlay.name)
    assert (
        "channels sheet config/nearmiss_channels.tsv: line 1 (header): column 'Channel' looks like the "
        "known column 'channel'" in out
    )


def test_an_empty_sheet_stops_at_start_up(workflow):
    out = _sheet_run(workflow, "zero.tsv", "")
    assert "sample sheet config/zero.tsv is empty (0 bytes)" in out
    assert "EmptyDataError" not in out


@pytest.mark.parametrize(
    ("overlay", "message"),
    [
        (
            "models:\n  svm:\n    C: fast\n",
            "models.svm (kind svm).C: 'fast' is not a number or a list of numbers",
        ),
        (
            "transcribe:\n  language: klingon\n",
            "config transcribe.language: 'klingon' is not a Whisper language code",
        ),
        (
            "transcribe:\n  compute_type: int3\n",
            "config transcribe.compute_type: 'int3' is not a CTranslate2",
        ),
        (
            "ingest:\n  cookies: config/no-cookies.txt\n",
            "config ingest.cookies: file 'config/no-cookies.txt' does not",
        ),
    ],
)
def test_stage_and_parameter_mistakes_stop_at_start_up(workflow, overlay: str, message: str):
    path = workflow / "config" / "stage.yaml"
    path.write_text(overlay)
    assert message in _dry_run_fails(workflow, path.name)


def test_an_empty_model_list_runs_no_model(workflow):
    """experiments.models: [] is "no model" (the corpus stages only); null is every model."""
    sheet = workflow / "config" / "four.tsv"
    sheet.write_text(HEADER + "a\tx.mp4\t0\nb\ty.mp4\t1\nc\tz.mp4\t0\nd\tw.mp4\t1\n")
    overlay = workflow / "config" / "nomodels.yaml"
    base = f"samples: config/four.tsv\n{TASK}models:\n  svm:\n    kind: svm\n"
    overlay.write_text(base + "experiments:\n  models: []\n")
    out = run_snakemake(workflow, "-n", "--configfile", f"config/{overlay.name}").stdout
    assert "rule ingest" in out and "rule train" not in out and "rule evaluate" not in out
    overlay.write_text(base + "experiments:\n  models: [svm]\n")
    out = run_snakemake(workflow, "-n", "--configfile", f"config/{overlay.name}").stdout
    assert "rule train:" in out and "model=svm" in out


def test_another_working_directory_reads_the_project_config(tmp_path):
    """`snakemake -d elsewhere`: config/config.yaml beside the Snakefile is read (it was skipped)."""
    project = copy_workflow(tmp_path / "project")
    (project / "config" / "config.yaml").write_text(
        (project / "config" / "config.yaml").read_text().replace("\nshard_size: 200", "\nshard_size: 1")
    )
    elsewhere = tmp_path / "elsewhere"
    sheet = project / "config" / "videos.tsv"
    proc = run_snakemake(project, "-n", "-d", str(elsewhere), "--config", f"samples={sheet}")
    n_videos = len(sheet.read_text().splitlines()) - 1
    assert proc.stdout.count("rule ingest:") == n_videos > 1  # shard_size 1 of the project config
    # its relative sample sheet path starts at the working directory, and the error says so
    proc = run_snakemake(project, "-n", "-d", str(elsewhere), check=False)
    assert proc.returncode != 0
    assert (
        f"config/videos.tsv does not exist (relative paths start at the working directory: {elsewhere}"
        in (proc.stdout + proc.stderr)
    )


def test_a_tab_in_the_config_file_is_named_by_file_and_line(tmp_path):
    """The Snakefile's config file is read by polimodal.config first: Snakemake's own message says
    only "not valid JSON or YAML". (A --configfile file Snakemake reads before the Snakefile runs:
    its message stays Snakemake's.)"""
    wd = copy_workflow(tmp_path / "wf")
    config = wd / "config" / "config.yaml"
    text = config.read_text()
    line = text[: text.index("\nshard_size:")].count("\n") + 2
    config.write_text(text.replace("\nshard_size: 200", "\nshard_size:\n\t200"))
    proc = run_snakemake(wd, "-n", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert (
        f"config config/config.yaml, line {line + 1}, column 1: tabs are not allowed for indentation "
        "in YAML" in out
    )
    assert "not valid JSON or YAML" not in out
