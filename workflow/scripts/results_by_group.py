"""Snakemake adapter: test macro F1 by group (sheet columns or the detected language)."""

from typing import TYPE_CHECKING

from polimodal.corpus.samples import read_sample_sheet
from polimodal.experiments.groups import write_results_by_group
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
write_results_by_group(
    snakemake.input.predictions,
    # not an input: the param sheet_digest covers what it reads
    read_sample_sheet(snakemake.config["samples"], text_columns=snakemake.config["posts"]["text_columns"]),
    snakemake.params.by,
    csv_out=snakemake.output.csv,
    html_out=snakemake.output.html,
    modalities=snakemake.params.modalities,
    transcripts=snakemake.input.transcripts,
    min_n=snakemake.params.min_n,
)
