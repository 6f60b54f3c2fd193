# Transcribe: faster-whisper over each video's audio track (extracted by the ingest job);
# one model load per shard job.


rule transcribe:
    input:
        videos=rules.ingest.output.videos,
        audio=rules.ingest.output.audio,
        # the shard's captions, with transcribe.prefer_manual_captions only
        captions=get_transcribe_captions,
    output:
        segments="results/transcripts/{shard}/segments.parquet",
        transcripts="results/transcripts/{shard}/videos.parquet",
        failures="results/failures/transcribe/{shard}.parquet",
    log:
        "logs/transcribe/{shard}.log",
    benchmark:
        "benchmarks/transcribe/{shard}.tsv"
    conda:
        "../../envs/gpu.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=360,
    params:
        settings=get_output_settings("transcribe"),
    script:
        "../scripts/transcribe.py"
