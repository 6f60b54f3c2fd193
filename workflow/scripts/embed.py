"""Snakemake adapter: embed one shard's frames (model loaded once)."""

from typing import TYPE_CHECKING

from polimodal.corpus.schemas import VIDEOS, read_parquet
from polimodal.extract.embed import EmbedOptions, embed_shard
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
embed_shard(
    snakemake.input.frames,
    out=snakemake.output.parquet,
    # batch_size and device are not params (they do not change the output): read from the config
    options=EmbedOptions.from_config(snakemake.config["embed"]),
    threads=snakemake.threads,
    videos=read_parquet(snakemake.input.videos, VIDEOS),
)
