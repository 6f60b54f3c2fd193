"""Snakemake's jobs per rule for a config: its dry run, in a subprocess (``polimodal plan``'s jobs)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from polimodal.config import load_config
from polimodal.errors import ConfigError


def parse_job_stats(output: str) -> dict[str, int]:
    """Jobs per rule from the first ``Job stats`` table of Snakemake's output (without ``total``)."""
    if "Job stats:" not in output:
        return {}  # nothing to do
    table = output.split("Job stats:", 1)[1].split("\ntotal", 1)[0]
    counts = {}
    for line in table.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    return counts


def _snakefile(workdir: Path) -> Path:
    """The workdir's ``Snakefile``, else the one of this package's project."""
    own = workdir / "Snakefile"
    return own if own.is_file() else Path(__file__).resolve().parents[2] / "Snakefile"


def _laid_over(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """``top`` laid over ``base``, mappings key by key (as Snakemake lays ``--configfile`` files)."""
    out = dict(base)
    for key, value in top.items():
        both = isinstance(value, Mapping) and isinstance(base.get(key), Mapping)
        out[key] = _laid_over(base[key], value) if both else value
    return out


def workflow_config(
    configfile: Path, *, sheet: Path | None = None, workdir: Path | None = None
) -> dict[str, Any]:
    """The config a run of ``snakemake --configfile configfile`` in ``workdir`` (default: here) reads:
    ``configfile`` laid over the ``config/config.yaml`` the Snakefile loads (the workdir's, else
    the one beside the Snakefile); ``sheet`` replaces ``samples``."""
    workdir = Path(workdir or Path.cwd())
    own = workdir / "config" / "config.yaml"
    base = own if own.is_file() else _snakefile(workdir).parent / "config" / "config.yaml"
    config = load_config(configfile)
    if base.is_file() and base.resolve() != Path(configfile).resolve():
        config = _laid_over(load_config(base), config)
    return config if sheet is None else {**config, "samples": str(sheet)}


def dag_jobs(
    configfile: Path, *, sheet: Path | None = None, workdir: Path | None = None, timeout: float = 3600
) -> dict[str, int]:
    """The jobs per rule Snakemake would run for ``configfile`` (laid over the project's
    ``config/config.yaml``, as ``snakemake --configfile`` does) in ``workdir`` (default: here), up to
    checkpoint ``choose_models``: a dry run of every job (``-n --forceall``: results already made
    count too), in a subprocess. ``sheet`` replaces the config's ``samples``. The workdir's
    ``Snakefile``, else the one of this package's project. ConfigError with Snakemake's message
    when the dry run fails. Price the jobs with :func:`workflow_config`'s config."""
    workdir = Path(workdir or Path.cwd())
    cmd = [sys.executable, "-m", "snakemake", "-n", "--forceall", "--nolock", "--quiet", "rules"]
    cmd += ["--cores", "1", "--configfile", str(Path(configfile).resolve())]
    cmd += ["--snakefile", str(_snakefile(workdir))]
    if sheet is not None:
        cmd += ["--config", f"samples={Path(sheet).resolve()}"]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout)
    if proc.returncode:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise ConfigError(f"snakemake -n --configfile {configfile} failed ({proc.returncode}):\n{tail}")
    return parse_job_stats(proc.stdout + proc.stderr)
