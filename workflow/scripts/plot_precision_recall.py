"""Snakemake adapter: one task's precision-recall curves."""

from typing import TYPE_CHECKING

from polimodal.experiments.curves import plot_task_pr
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
plot_task_pr(snakemake.input.curves, snakemake.input.points, snakemake.wildcards.task, snakemake.output.png)
