"""Snakemake adapter: one table (Parquet + CSV) of a task × model's corpus classification."""

from typing import TYPE_CHECKING

from polimodal.experiments.classify import gather_classified
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
gather_classified(snakemake.input.shards, snakemake.output.parquet, snakemake.output.csv)
