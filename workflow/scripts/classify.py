"""Snakemake adapter: classify one shard's videos with a task's chosen model."""

from typing import TYPE_CHECKING

from polimodal.experiments.classify import classify_shard
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
classify_shard(
    snakemake.wildcards.task,
    snakemake.wildcards.model,
    # the whole section (device, batch size ...); the param `model` holds what changes the labels
    snakemake.config["models"][snakemake.wildcards.model],
    snakemake.params.classes,
    snakemake.input.model,
    snakemake.params.fold,
    videos=snakemake.input.videos,
    files=dict(snakemake.input.items()),  # the shard's files of what the model reads (polimodal.data.inputs)
    out=snakemake.output.parquet,
    threads=snakemake.threads,
    prompt=snakemake.params.get("prompt"),
)
