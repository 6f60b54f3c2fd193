"""Snakemake adapter: gather one task's texts and kept frames from the corpus, once."""

from typing import TYPE_CHECKING

from polimodal.experiments.taskdata import build_task_data
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
build_task_data(
    snakemake.input.splits,
    snakemake.input.videos,
    snakemake.input.transcripts,
    list(snakemake.input.frames),
    list(snakemake.input.dedup),
    texts_out=snakemake.output.texts,
    frames_out=snakemake.output.frames,
    captions=list(snakemake.input.captions),
    ocr=list(snakemake.input.ocr),  # every shard's on-screen text (config ocr.enabled), else none
)
