# Config, channels sheet and input functions of channels.smk (kept apart from common.smk, which
# reads the sample sheet: while that does not exist, only the channels step is planned).
import os

from snakemake.utils import validate

from polimodal.corpus.channels import (
    ChannelOptions,
    channel_shard_digests,
    channel_shards,
    read_channel_sheet,
)

# common.smk validates the config too; here first, for the pending sheet (the Snakefile)
validate(config, "../schemas/config.schema.yaml")
CHANNELS = ChannelOptions.from_config(config["channels"])
CHANNEL_SHEET = read_channel_sheet(CHANNELS.sheet) if CHANNELS.sheet else None
CHANNEL_DIGESTS = (
    channel_shard_digests(CHANNEL_SHEET, CHANNELS.shard_size) if CHANNELS.sheet else []
)
CHANNEL_SHARDS = (
    channel_shards(CHANNEL_SHEET, CHANNELS.shard_size) if CHANNELS.sheet else []
)
# the sample sheet is to be listed from channels and does not exist yet
VIDEO_SHEET_PENDING = bool(CHANNELS.sheet) and not os.path.exists(config["samples"])


def get_channel_shard_digest(wildcards):
    """Digest of a shard's channels: the listing job reruns when they change (not a label)."""
    return CHANNEL_DIGESTS[int(wildcards.shard)]


def get_channels_sheet(wildcards):
    if not CHANNELS.sheet:
        raise ValueError(
            "list_videos: config channels.sheet is not set (a sheet with a `channel` column)"
        )
    return CHANNELS.sheet


def get_listed_sheet():
    """list_videos's sample sheet, appended to (update: Snakemake does not delete it first), so
    that a deleted sheet is listed again; without a channels sheet, a file of its own (so that no
    Snakemake command counts a sheet written by hand as an output)."""
    return update(
        config["samples"] if CHANNELS.sheet else "results/channels/no_channels.tsv"
    )


def get_channel_listings(wildcards):
    return expand(rules.list_channels.output.listing, shard=CHANNEL_SHARDS)


def get_channel_statuses(wildcards):
    return expand(rules.list_channels.output.status, shard=CHANNEL_SHARDS)


def get_channel_outputs():
    return list(rules.list_videos.output)


def get_channels_summary():
    """The listing summary of a run from a channels sheet (channel availability), else ""; a
    parameter, not an input, so that no rule of the main workflow re-lists the channels.
    """
    return rules.list_videos.output.summary if CHANNELS.sheet else ""
