"""Snakemake adapter: one shard's aligned table (words × pitch × the frame shown)."""

from typing import TYPE_CHECKING

from polimodal.align.table import align_shard
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
align_shard(
    snakemake.input.segments,
    snakemake.input.pitch,
    snakemake.output.parquet,
    snakemake.input.dedup,
    # the shard's speaker turns when diarization is on (config speakers.enabled), else none
    snakemake.input.get("speakers"),
)
