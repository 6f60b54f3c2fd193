"""Snakemake adapter: every coder's file of every batch read, checked and gathered."""

from typing import TYPE_CHECKING

from polimodal.corpus.samples import read_sample_sheet
from polimodal.experiments.tasks import tasks_from_config
from polimodal.logs import setup_logging
from polimodal.measure.loop import batch_frames, codes_step

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
sheet = read_sample_sheet(snakemake.config["samples"], text_columns=snakemake.config["posts"]["text_columns"])
codes_step(
    {int(b): list(paths) for b, paths in snakemake.params.coded.items()},
    batch_frames(snakemake.input.drawn, sheet),
    tasks_from_config({"tasks": snakemake.params.tasks}),
    snakemake.output.parquet,
)
