"""Snakemake adapter: list one shard of the channels sheet (yt-dlp flat listings, no media)."""

from typing import TYPE_CHECKING

from polimodal.corpus.channels import ChannelOptions, read_channel_sheet, shard_channels
from polimodal.extract.channels import list_channels_shard
from polimodal.extract.ingest import IngestOptions
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
# the sheet's path and the ingest section's politeness (pauses, retries, ...) are not params
options = ChannelOptions.from_config(snakemake.config["channels"])
list_channels_shard(
    shard_channels(read_channel_sheet(options.sheet), int(snakemake.wildcards.shard), options.shard_size),
    snakemake.output.listing,
    snakemake.output.status,
    options,
    IngestOptions.from_config(snakemake.config["ingest"]),
)
