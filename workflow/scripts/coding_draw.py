"""Snakemake adapter: draw one coding batch (or keep the one drawn before, with the same design)."""

from typing import TYPE_CHECKING

from polimodal.corpus.samples import read_sample_sheet
from polimodal.logs import setup_logging
from polimodal.measure.loop import corpus_items, draw_or_keep

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
sheet = read_sample_sheet(snakemake.config["samples"], text_columns=snakemake.config["posts"]["text_columns"])
draw_or_keep(
    corpus_items(sheet, snakemake.input.videos, snakemake.input.unavailable, snakemake.input.get("excluded")),
    snakemake.params.design,
    int(snakemake.wildcards.batch),
    previous_state=snakemake.input.get("state"),
    scores=snakemake.input.get("scores"),
    out_batch=snakemake.output.batch,
    out_state=snakemake.output.state,
    out_design=snakemake.output.design,
    out_uncodable=snakemake.output.uncodable,
)
