"""Snakemake adapter: store one shard's frames, JPEGs of the frames kept by dedup only."""

from typing import TYPE_CHECKING

from polimodal.extract.dedup import store_frames
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
store_frames(snakemake.input.frames, snakemake.input.dedup, out=snakemake.output.parquet)
