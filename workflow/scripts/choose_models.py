"""Snakemake adapter: which model(s) classify a task's corpus, with which fold's checkpoint."""

from typing import TYPE_CHECKING

from polimodal.experiments.classify import choose_models
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
choose_models(
    snakemake.input.metrics, snakemake.wildcards.task, snakemake.params.models, snakemake.output.tsv
)
