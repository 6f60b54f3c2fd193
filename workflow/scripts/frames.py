"""Snakemake adapter: sample frames of one shard's videos."""

from typing import TYPE_CHECKING

from polimodal.corpus.schemas import VIDEOS, read_parquet
from polimodal.extract.frames import FrameOptions, frames_shard
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
frames_shard(
    read_parquet(snakemake.input.videos, VIDEOS),
    media_dir=snakemake.input.media,
    out=snakemake.output.parquet,
    failures_out=snakemake.output.failures,
    options=FrameOptions.from_config(snakemake.params.options),
)
