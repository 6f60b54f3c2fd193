# polimodal: YouTube videos (and image+text posts) -> aligned multimodal data -> classifiers.
# Read the rule files top to bottom: ingest (metadata, frames, audio) -> transcribe / embed -> dedup ->
# align (pitch, aligned words) -> splits -> task data -> train -> evaluate -> report -> classify the corpus.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/posts.smk"
include: "workflow/rules/transcribe.smk"
include: "workflow/rules/embed.smk"
include: "workflow/rules/align.smk"
include: "workflow/rules/gather.smk"
include: "workflow/rules/experiments.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/classify.smk"


rule all:
    default_target: True
    input:
        get_final_outputs(),
