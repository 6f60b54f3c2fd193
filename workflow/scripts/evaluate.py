"""Snakemake adapter: metrics of every task x model x fold, mean +- sd over folds, summary table."""

from typing import TYPE_CHECKING

from polimodal.experiments.metrics import evaluate
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
evaluate(
    snakemake.input.predictions,
    metrics_out=snakemake.output.metrics,
    metrics_csv_out=snakemake.output.metrics_csv,
    confusion_out=snakemake.output.confusion,
    summary_out=snakemake.output.summary,
    table_out=snakemake.output.table,
    html_out=snakemake.output.html,
    modalities=snakemake.params.modalities,
)
