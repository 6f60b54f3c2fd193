"""Snakemake adapter: ingest one shard (download/link, metadata, unavailable videos)."""

from typing import TYPE_CHECKING

from polimodal.corpus.samples import read_shard_videos
from polimodal.extract.ingest import IngestOptions, ingest_shard
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
ingest_shard(
    read_shard_videos(
        snakemake.params.sheet,
        int(snakemake.wildcards.shard),
        snakemake.params.shard_size,
        digest=snakemake.params.digest,
    ),
    media_dir=snakemake.output.media,
    videos_out=snakemake.output.videos,
    unavailable_out=snakemake.output.unavailable,
    options=IngestOptions.from_config(snakemake.params.options),
)
