"""Snakemake adapter: one task's estimates (coded only, counted predictions, corrected)."""

from pathlib import Path
from typing import TYPE_CHECKING

from polimodal.corpus.samples import read_sample_sheet
from polimodal.experiments.tasks import Task
from polimodal.logs import setup_logging
from polimodal.measure.estimates_step import estimates_step

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
estimates_step(
    Task.from_config(snakemake.wildcards.task, snakemake.params.task),
    snakemake.input.classified,
    snakemake.input.splits,
    snakemake.input.labels,
    snakemake.input.state if isinstance(snakemake.input.state, str) else snakemake.input.state[0],
    read_sample_sheet(snakemake.config["samples"], text_columns=snakemake.config["posts"]["text_columns"]),
    group_by=snakemake.params.group_by,
    truth=bool(snakemake.params.truth),
    out_dir=Path(snakemake.output.parquet).parent,
)
