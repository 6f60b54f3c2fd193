"""Snakemake adapter: flag near-duplicate frames of one shard."""

from typing import TYPE_CHECKING

from polimodal.extract.dedup import DedupOptions, dedup_shard
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
options = DedupOptions.from_config(snakemake.params.options)
dedup_shard(snakemake.input.embeddings, out=snakemake.output.parquet, threshold=options.threshold)
