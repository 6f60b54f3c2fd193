"""Snakemake adapter: the FND-CLIP ablation table (fusions × contrastive term next to the baselines)."""

from typing import TYPE_CHECKING

from polimodal.experiments.ablation import write_ablation
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
write_ablation(
    snakemake.input.table,
    snakemake.params.models,
    csv_out=snakemake.output.csv,
    html_out=snakemake.output.html,
)
