"""Snakemake adapter: fetch one shard's videos (or posts' images), extract frames and audio,
record the unavailable."""

from typing import TYPE_CHECKING

from polimodal.corpus.samples import SHEET_KINDS
from polimodal.extract.audio import AudioOptions
from polimodal.extract.frames import FrameOptions
from polimodal.extract.ingest import IngestOptions
from polimodal.extract.kinds import ingest_function
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
# the sheet's path and the transport settings (retries, pauses, ...) are not params: changing
# them reruns nothing (workflow/rules/common.smk, get_output_settings)
config = snakemake.config
kind = SHEET_KINDS[snakemake.params.corpus]  # videos or posts: its shard reader and ingest function
ingest_function(kind)(
    kind.read_shard(
        config["samples"],
        int(snakemake.wildcards.shard),
        snakemake.params.shard_size,
        digest=snakemake.params.digest,
        text_columns=config["posts"]["text_columns"],  # posts: the shard digest covers their text
    ),
    media_dir=snakemake.params.media_dir,
    videos_out=snakemake.output.videos,
    unavailable_out=snakemake.output.unavailable,
    options=IngestOptions.from_config(config["ingest"]),
    frames_out=snakemake.output.frames,
    audio_out=snakemake.output.audio,
    frame_options=FrameOptions.from_config(snakemake.params.frames),
    audio_options=AudioOptions.from_config(snakemake.params.audio),
    frames_standin=snakemake.params.frames_standin or None,
)
