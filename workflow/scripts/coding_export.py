"""Snakemake adapter: one coding batch as a Label Studio project and as coding sheets."""

from typing import TYPE_CHECKING

from polimodal.corpus.samples import read_sample_sheet
from polimodal.data.frames import FrameStore
from polimodal.experiments.tasks import tasks_from_config
from polimodal.logs import setup_logging
from polimodal.measure.loop import batch_items, corpus_items, export_step

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
sheet = read_sample_sheet(snakemake.config["samples"], text_columns=snakemake.config["posts"]["text_columns"])
frames = (
    FrameStore(snakemake.input.frames, snakemake.input.dedup) if "frames" in snakemake.input.keys() else None
)
items = batch_items(
    corpus_items(sheet, snakemake.input.videos, snakemake.input.unavailable),
    snakemake.input.batch,
    snakemake.input.videos,
    snakemake.input.transcripts,
    frames,
)
export_step(
    items,
    tasks_from_config({"tasks": snakemake.params.tasks}),
    int(snakemake.wildcards.batch),
    out_json=snakemake.output.json,
    out_xml=snakemake.output.xml,
    out_csv=snakemake.output.csv,
    out_xlsx=snakemake.output.xlsx,
    n_frames=int(snakemake.params.frames),
)
