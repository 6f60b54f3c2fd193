"""Snakemake adapter: one shard classified by the crossfit model of each video's part."""

from typing import TYPE_CHECKING

from polimodal.logs import setup_logging
from polimodal.measure.crossfit_jobs import classify_parts

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
files = {k: v for k, v in snakemake.input.items() if k != "models"}
classify_parts(
    snakemake.wildcards.task,
    snakemake.wildcards.model,
    snakemake.config["models"][snakemake.wildcards.model],
    snakemake.params.classes,
    snakemake.input.models,
    seed=int(snakemake.params.seed),
    videos=snakemake.input.videos,
    files=files,
    out=snakemake.output.parquet,
    threads=snakemake.threads,
    prompt=snakemake.params.get("prompt"),
)
