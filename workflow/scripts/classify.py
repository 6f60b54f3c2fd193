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
    snakemake.params.model_cfg,
    snakemake.params.classes,
    snakemake.input.model,
    snakemake.params.fold,
    videos=snakemake.input.videos,
    transcripts=snakemake.input.transcripts,
    frames=snakemake.input.frames or None,
    dedup=snakemake.input.dedup or None,
    out=snakemake.output.parquet,
    threads=snakemake.threads,
    sequences=(
        {
            "aligned": snakemake.input.aligned,
            "pitch": snakemake.input.pitch,
            "embeddings": snakemake.input.embeddings,
            "dedup": snakemake.input.sequence_dedup,
        }
        if "aligned" in snakemake.input.keys()
        else None
    ),
    prompt=snakemake.params.get("prompt"),
)
