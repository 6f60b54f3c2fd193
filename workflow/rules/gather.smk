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
