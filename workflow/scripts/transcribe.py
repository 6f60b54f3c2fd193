"""Snakemake adapter: transcribe one shard's audio with faster-whisper (model loaded once)."""

from typing import TYPE_CHECKING

from polimodal.corpus.schemas import VIDEOS, read_parquet
from polimodal.extract.transcribe import TranscribeOptions, transcribe_shard
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
transcribe_shard(
    read_parquet(snakemake.input.videos, VIDEOS),
    audio_path=snakemake.input.audio,
    segments_out=snakemake.output.segments,
    transcripts_out=snakemake.output.transcripts,
    failures_out=snakemake.output.failures,
    # device is not a param (it does not change the transcript): read from the config
    options=TranscribeOptions.from_config(snakemake.config["transcribe"]),
    cpu_threads=snakemake.threads,
    captions=snakemake.input.captions or None,
)
