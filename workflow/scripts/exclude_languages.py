"""Snakemake adapter: the videos (posts) whose detected language the run does not keep."""

from typing import TYPE_CHECKING

from polimodal.extract.language import write_excluded
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
write_excluded(
    snakemake.input.transcripts,
    snakemake.input.videos,
    snakemake.params.languages,
    snakemake.output.parquet,
)
