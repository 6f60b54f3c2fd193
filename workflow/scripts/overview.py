"""Snakemake adapter: the report's overview page (availability, best model per task, corpus classified)."""

from typing import TYPE_CHECKING

from polimodal.experiments.overview import write_overview
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
write_overview(
    snakemake.input.table,
    snakemake.input.videos,
    snakemake.input.unavailable,
    snakemake.input.classified,
    snakemake.output.html,
    channels_summary=snakemake.params.channels_summary or None,
)
