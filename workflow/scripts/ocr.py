"""Snakemake adapter: read the on-screen text of one shard's kept frames (model loaded once)."""

from typing import TYPE_CHECKING

from polimodal.corpus.schemas import VIDEOS, read_parquet
from polimodal.extract.ocr import OcrOptions, ocr_shard
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
ocr_shard(
    snakemake.input.frames,
    snakemake.output.lines,
    snakemake.output.texts,
    snakemake.output.skipped,
    OcrOptions.from_config(snakemake.config["ocr"]),
    dedup=snakemake.input.dedup,
    videos=read_parquet(snakemake.input.videos, VIDEOS),
    threads=snakemake.threads,
)
