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
    assert "known kinds: ['bert', 'clip', 'cnn', 'svm']" in out


def test_misspelt_model_parameter_stops_at_start_up(workflow):
    out = _dry_run_fails(workflow, "bad_model_param.yaml")
    assert "models.svm (kind svm): unknown parameter(s) ['max_feature']" in out
    assert "'max_features'" in out  # the message lists the parameters the kind knows
