# polimodal: YouTube videos (and image+text posts) -> aligned multimodal data -> classifiers.
# Read the rule files top to bottom: ingest (metadata, frames, audio) -> transcribe / embed -> dedup ->
# align (pitch, aligned words) -> splits -> task data -> train -> evaluate -> report -> classify the corpus.
import os

from snakemake.utils import min_version

from polimodal.config import check_config_file

min_version("9.0")


# config/config.yaml of the working directory, else the project's beside this Snakefile (so that
# `snakemake -d elsewhere` still reads it); --configfile files are laid over it. It is read first
# by check_config_file, whose error names the file, line and cause (a tab, say), where Snakemake's
# says "not valid JSON or YAML". (Snakemake reads --configfile files before this file runs.)
PROJECT_CONFIG = os.path.join(workflow.basedir, "config", "config.yaml")
CONFIG_FILE = (
    "config/config.yaml" if os.path.exists("config/config.yaml") else PROJECT_CONFIG
)
check_config_file(CONFIG_FILE)


configfile: CONFIG_FILE


# channels -> videos (config `channels`): lists channels into the sample sheet; first step of a run
# that starts from channels, so while that sheet does not exist it is the only one planned
include: "workflow/rules/channels.smk"


if VIDEO_SHEET_PENDING:

    rule all:
        default_target: True
        input:
            get_channel_outputs(),

else:

    include: "workflow/rules/common.smk"
    include: "workflow/rules/ingest.smk"
    include: "workflow/rules/posts.smk"
    include: "workflow/rules/transcribe.smk"
    include: "workflow/rules/captions.smk"
    include: "workflow/rules/embed.smk"
    include: "workflow/rules/ocr.smk"
    include: "workflow/rules/align.smk"
    include: "workflow/rules/speakers.smk"
    include: "workflow/rules/gather.smk"
    include: "workflow/rules/experiments.smk"
    include: "workflow/rules/report.smk"
    include: "workflow/rules/results.smk"
    include: "workflow/rules/classify.smk"
    include: "workflow/rules/coding.smk"

    rule all:
        default_target: True
        input:
            get_final_outputs(),
