"""Snakemake adapter: agreement per task and the settled labels."""

from typing import TYPE_CHECKING

from polimodal.experiments.tasks import tasks_from_config
from polimodal.logs import setup_logging
from polimodal.measure.loop import settle_step

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
settle_step(
    snakemake.input.codes,
    snakemake.params.rule,
    int(snakemake.params.bootstrap),
    out_agreement=snakemake.output.agreement,
    out_labels=snakemake.output.labels,
    out_unsettled=snakemake.output.unsettled,
    tasks=tasks_from_config({"tasks": snakemake.config["tasks"]}),
)
