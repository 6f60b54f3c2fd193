"""Snakemake adapter: one task's figures (macro F1 by model, confusion matrices)."""

from typing import TYPE_CHECKING

from polimodal.experiments.plots import make_plots
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
make_plots(
    snakemake.input.table,
    snakemake.input.confusion,
    snakemake.wildcards.task,
    snakemake.output.f1,
    snakemake.output.confusion,
)
