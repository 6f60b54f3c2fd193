"""Snakemake adapter: the demo's simulated coders code one batch (config coding.simulate)."""

from typing import TYPE_CHECKING

from polimodal.corpus.samples import read_sample_sheet
from polimodal.experiments.tasks import tasks_from_config
from polimodal.logs import setup_logging
from polimodal.synthetic.coding import simulate_step

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
simulate_step(
    snakemake.input.batch,
    read_sample_sheet(snakemake.config["samples"], text_columns=snakemake.config["posts"]["text_columns"]),
    tasks_from_config({"tasks": snakemake.params.tasks}),
    snakemake.params.simulate,
    snakemake.output.csv,
)
