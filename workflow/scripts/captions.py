"""Snakemake adapter: fetch the subtitle tracks of one shard's available videos (no media)."""

from typing import TYPE_CHECKING

from polimodal.corpus.schemas import VIDEOS, read_parquet
from polimodal.extract.captions import CaptionOptions, captions_shard
from polimodal.extract.ingest import IngestOptions
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
captions_shard(
    read_parquet(snakemake.input.videos, VIDEOS, columns=["video_id", "source"]).to_pylist(),
    captions_out=snakemake.output.captions,
    tracks_out=snakemake.output.tracks,
    failures_out=snakemake.output.failures,
    options=CaptionOptions.from_config(snakemake.config["captions"]),
    # the transport settings (retries, pauses, timeouts, cookies) are the ingest section's
    ingest=IngestOptions.from_config(snakemake.config["ingest"]),
)
