"""Snakemake adapter: speaker turns and voice embeddings of one shard's stored audio."""

from typing import TYPE_CHECKING

from polimodal.extract.speakers import SpeakersOptions, speakers_shard
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
speakers_shard(
    snakemake.input.videos,
    snakemake.input.audio,
    snakemake.output.parquet,
    # device is not a param (it does not change the turns): read from the config
    SpeakersOptions.from_config(snakemake.config["speakers"]),
    snakemake.params.num_speakers,
)
