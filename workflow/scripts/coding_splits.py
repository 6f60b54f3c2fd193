"""Snakemake adapter: the crossfit trainings' splits of one task (from the settled labels)."""

from typing import TYPE_CHECKING

from polimodal.experiments.tasks import Task
from polimodal.logs import setup_logging
from polimodal.measure.crossfit_jobs import crossfit_splits

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
cfg = snakemake.params.crossfit
crossfit_splits(
    Task.from_config(snakemake.wildcards.task, snakemake.params.task),
    snakemake.input.labels,
    k=int(cfg["k"]),
    seed=int(cfg["seed"]),
    validation=float(cfg["validation"]),
    out=snakemake.output.parquet,
)
