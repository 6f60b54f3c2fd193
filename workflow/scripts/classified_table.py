"""Snakemake adapter: the predicted label distribution of every task over the corpus."""

from typing import TYPE_CHECKING

from polimodal.experiments.classify import write_distribution
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
write_distribution(snakemake.input.classified, snakemake.output.csv, snakemake.output.html)
