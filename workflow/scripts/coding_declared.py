"""Snakemake adapter: a sheet coded elsewhere as the coded sample, with its declared design."""

from typing import TYPE_CHECKING

from polimodal.corpus.samples import read_sample_sheet
from polimodal.experiments.tasks import tasks_from_config
from polimodal.logs import setup_logging
from polimodal.measure.loop import corpus_items, declared_step

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
sheet = read_sample_sheet(snakemake.config["samples"], text_columns=snakemake.config["posts"]["text_columns"])
declared_step(
    corpus_items(sheet, snakemake.input.videos, snakemake.input.unavailable, snakemake.input.get("excluded")),
    tasks_from_config({"tasks": snakemake.config["tasks"]}),
    snakemake.params.declared,
    out_labels=snakemake.output.labels,
    out_state=snakemake.output.state,
)
