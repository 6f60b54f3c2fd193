"""Snakemake adapter: append each channel's chosen videos to the sample sheet; write the reports."""

from typing import TYPE_CHECKING

from polimodal.corpus.channel_videos import update_video_sheet
from polimodal.corpus.channels import ChannelOptions
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
update_video_sheet(
    snakemake.output.sheet,  # appended to (update(): kept by Snakemake)
    snakemake.input.channels,
    snakemake.input.listings,
    snakemake.input.statuses,
    ChannelOptions.from_config(snakemake.config["channels"]),
    channels_out=snakemake.output.channels,
    unavailable_out=snakemake.output.unavailable,
    summary_out=snakemake.output.summary,
)
