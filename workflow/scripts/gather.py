"""Snakemake adapter: concatenate the shards of one artifact into a corpus-wide table."""

from typing import TYPE_CHECKING

from polimodal.corpus import schemas
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
schemas.concat_parquet(
    snakemake.input.shards, snakemake.output.parquet, getattr(schemas, snakemake.params.schema)
)
