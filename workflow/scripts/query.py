"""Snakemake adapter: the report's cross-modal query over every shard's aligned table."""

from typing import TYPE_CHECKING

from polimodal.align.query import QueryOptions, run_query
from polimodal.corpus.samples import read_sample_sheet
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
run_query(
    list(snakemake.input.aligned),
    read_sample_sheet(snakemake.config["samples"]),  # not an input: the param sheet_digest covers it
    QueryOptions.from_config(snakemake.params.options),
    table_out=snakemake.output.table,
    figure_out=snakemake.output.figure,
    top_out=snakemake.output.top,
    frames=list(snakemake.input.frames),
    sheet_out=snakemake.output.contact_sheet,
    estimate_out=snakemake.output.estimate,
)
