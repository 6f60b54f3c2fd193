# Transcribe: faster-whisper over each video's audio; one model load per shard job.


rule transcribe:
    input:
        videos=rules.ingest.output.videos,
        media=rules.ingest.output.media,
    output:
        segments="results/transcripts/{shard}/segments.parquet",
        transcripts="results/transcripts/{shard}/videos.parquet",
    params:
        options=config["transcribe"],
    log:
        "logs/transcribe/{shard}.log",
    benchmark:
        "benchmarks/transcribe/{shard}.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=360,
    conda:
        "../../envs/gpu.yaml"
    script:
        "../scripts/transcribe.py"
