"""Snakemake adapter: draw one task's test set and per-fold train/validation splits."""

from typing import TYPE_CHECKING

from polimodal.experiments.splits import write_task_splits
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
write_task_splits(
    snakemake.wildcards.task,
    snakemake.params.task,
    snakemake.config["samples"],  # not an input: the param sheet_digest covers what it reads
    snakemake.input.videos,
    snakemake.output.parquet,
    excluded=snakemake.input.get("excluded"),
    text_columns=snakemake.config["posts"][
        "text_columns"
    ],  # a posts sheet's (not labels)  # config `languages`: videos left out
    **snakemake.params.experiments,
)
