"""Snakemake adapter: validate every task's labels and write the data table (N and % per value)."""

from typing import TYPE_CHECKING

from polimodal.experiments.tasks import write_data_table_for_config
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
write_data_table_for_config(
    snakemake.params.tasks,
    snakemake.config["samples"],  # not an input: the param sheet_digest covers what it reads
    snakemake.input.videos,
    csv_out=snakemake.output.csv,
    md_out=snakemake.output.md,
    html_out=snakemake.output.html,
    excluded=snakemake.input.get("excluded"),  # config `languages`: videos left out
    text_columns=snakemake.config["posts"]["text_columns"],  # a posts sheet's (not labels)
    unavailable=snakemake.input.unavailable,
    channels_summary=snakemake.params.channels_summary or None,
)
