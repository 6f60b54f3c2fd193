"""Snakemake adapter: the study's comparisons (table and figures) from the summary table."""

from typing import TYPE_CHECKING

from polimodal.experiments.comparisons import write_comparisons
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
out = snakemake.output
write_comparisons(
    snakemake.input.table,
    snakemake.params.models,
    csv_out=out.csv,
    html_out=out.html,
    figures={
        "overview": out.overview,
        "finetune": out.finetune,
        "modality": out.modality,
        "vlm_llm": out.vlm_llm,
    },
)
