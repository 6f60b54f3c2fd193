"""Snakemake adapter: one task's aligned words, pitch and kept-frame embeddings, once."""

from typing import TYPE_CHECKING

from polimodal.experiments.taskdata import build_task_sequences
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
build_task_sequences(
    snakemake.input.splits,
    list(snakemake.input.aligned),
    list(snakemake.input.pitch),
    list(snakemake.input.embeddings),
    list(snakemake.input.dedup),
    aligned_out=snakemake.output.aligned,
    pitch_out=snakemake.output.pitch,
    embeddings_out=snakemake.output.embeddings,
)
