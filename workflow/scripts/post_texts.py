"""Snakemake adapter: one shard's post texts as a TRANSCRIPTS table (the text models' input)."""

from typing import TYPE_CHECKING

from polimodal.corpus.samples import SHEET_KINDS
from polimodal.extract.posts import write_post_texts
from polimodal.logs import setup_logging

if TYPE_CHECKING:
    from snakemake.script import snakemake

setup_logging(snakemake.log[0])
write_post_texts(
    SHEET_KINDS[snakemake.params.corpus].read_shard(  # the run's kind: one with post_texts
        snakemake.config["samples"],  # not a param: moving the sheet reruns nothing
        int(snakemake.wildcards.shard),
        snakemake.params.shard_size,
        digest=snakemake.params.digest,
        text_columns=snakemake.params.text_columns,
    ),
    snakemake.output.transcripts,
    snakemake.params.languages_detect,
    min_probability=snakemake.params.language_min_probability,
)
