"""Snakemake adapter: Praat pitch and intensity of one shard's stored audio."""

from typing import TYPE_CHECKING

from polimodal.extract.pitch import PitchOptions, pitch_shard
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
pitch_shard(
    snakemake.input.videos,
    snakemake.input.audio,
    snakemake.output.parquet,
    PitchOptions.from_config(snakemake.params.options),
)
