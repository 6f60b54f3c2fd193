"""Snakemake adapter: train one model on one task x fold and write its predictions."""

from typing import TYPE_CHECKING

from polimodal.experiments.run import run_fold
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
run_fold(
    snakemake.wildcards.task,
    int(snakemake.wildcards.fold),
    snakemake.input.splits,
    dict(snakemake.input.items()),  # the task's files of what the model reads (polimodal.data.inputs)
    snakemake.wildcards.model,
    # the whole section (device, logging ...); the param `model` holds what changes the predictions
    snakemake.config["models"][snakemake.wildcards.model],
    snakemake.output.predictions,
    snakemake.output.model,
    classes=snakemake.params.classes,
    seed=snakemake.params.seed,
    threads=snakemake.threads,
    prompt=snakemake.params.get("prompt"),
)
