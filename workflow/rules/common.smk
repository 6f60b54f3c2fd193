# Helpers shared by the rule files (config and sample sheet validation, shards, input
# functions named get_*). No logic beyond paths and lookups: everything else is in polimodal/.
from snakemake.utils import validate

from polimodal.samples import read_sample_sheet, shard_digests, shard_name

validate(config, "../schemas/config.schema.yaml")

SHEET = read_sample_sheet(config["samples"])
# the JSON schema of a row; read_sample_sheet has already checked every row (vectorised)
validate(SHEET.head(1000), "../schemas/samples.schema.yaml")
SHARD_SIZE = config["shard_size"]
DIGESTS = shard_digests(SHEET, SHARD_SIZE)
SHARDS = [shard_name(i) for i in range(len(DIGESTS))]


wildcard_constraints:
    shard=r"\d{6}",
    fold=r"\d+",


def get_shard_digest(wildcards):
    """Digest of a shard's (video_id, source) rows: the shard reruns when it changes."""
    return DIGESTS[int(wildcards.shard)]


def get_shard_files(pattern):
    """``pattern`` (with ``{shard}``) for every shard of the sheet."""
    return expand(pattern, shard=SHARDS)


def get_shard_videos(wildcards):
    return get_shard_files(rules.ingest.output.videos)


def get_shard_unavailable(wildcards):
    return get_shard_files(rules.ingest.output.unavailable)


def get_shard_transcripts(wildcards):
    return get_shard_files(rules.transcribe.output.transcripts)


def get_artifact_outputs():
    """Per-video artifacts of every shard plus the corpus-wide tables."""
    return [
        rules.gather_videos.output.parquet,
        rules.gather_unavailable.output.parquet,
        rules.gather_transcripts.output.parquet,
        *get_shard_files(rules.transcribe.output.segments),
        *get_shard_files(rules.dedup.output.parquet),
    ]


def get_final_outputs():
    return get_artifact_outputs() + get_experiment_outputs()


# ---- experiments
def get_experiment_outputs():
    return []
