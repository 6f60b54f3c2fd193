# Corpus-wide tables, one file each, gathered from the shards: every available video's
# metadata, every unavailable video with its reason, every transcript.


rule gather_videos:
    input:
        shards=get_shard_videos,
    output:
        parquet="results/videos.parquet",
    log:
        "logs/gather/videos.log",
    benchmark:
        "benchmarks/gather/videos.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        schema="VIDEOS",
    script:
        "../scripts/gather.py"


use rule gather_videos as gather_unavailable with:
    input:
        shards=get_shard_unavailable,
    output:
        parquet="results/unavailable.parquet",
    log:
        "logs/gather/unavailable.log",
    benchmark:
        "benchmarks/gather/unavailable.tsv"
    params:
        schema="UNAVAILABLE",


use rule gather_videos as gather_transcripts with:
    input:
        shards=get_shard_transcripts,
    output:
        parquet="results/transcripts.parquet",
    log:
        "logs/gather/transcripts.log",
    benchmark:
        "benchmarks/gather/transcripts.tsv"
    params:
        schema="TRANSCRIPTS",


# config `languages:` (null: none): the videos (posts) whose detected language the run does not keep,
# as UNAVAILABLE rows (stage language); the splits, data table and corpus classification leave them out
rule exclude_languages:
    input:
        videos=rules.gather_videos.output.parquet,
        transcripts=rules.gather_transcripts.output.parquet,
    output:
        parquet="results/languages/excluded.parquet",
    log:
        "logs/gather/excluded_languages.log",
    benchmark:
        "benchmarks/gather/excluded_languages.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        languages=LANGUAGES,
    script:
        "../scripts/exclude_languages.py"


# config `languages:` against the languages known before any job (an earlier run's recorded ones,
# or the sheet's `language` column): a task that would lose a class stops the run here
from polimodal.experiments.language_filter import check_language_filter

check_language_filter(
    config,
    SHEET,
    rules.gather_transcripts.output.parquet,
    in_job=workflow.remote_exec or workflow.subprocess_exec,
)
