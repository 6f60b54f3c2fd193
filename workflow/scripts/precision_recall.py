"""Snakemake adapter: precision-recall curves and operating points of every task, model and class."""

from typing import TYPE_CHECKING

from polimodal.experiments.curves import write_precision_recall
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
write_precision_recall(
    snakemake.input.predictions,
    curves_out=snakemake.output.curves,
    points_out=snakemake.output.points,
    target=snakemake.params.target,
)
