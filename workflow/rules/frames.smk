# Frames at a fixed rate (decord, seeking only to the frames needed), their embeddings
# (one model load per shard job), then near-duplicate removal. Dedup is its own rule so
# that changing the threshold reruns neither decoding nor embedding.


rule frames:
    input:
        videos=rules.ingest.output.videos,
        media=rules.ingest.output.media,
    output:
        parquet="results/frames/{shard}.parquet",
    params:
        options=config["frames"],
    log:
        "logs/frames/{shard}.log",
    benchmark:
        "benchmarks/frames/{shard}.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=240,
    conda:
        "../../envs/cpu.yaml"
    script:
        "../scripts/frames.py"


rule embed:
    input:
        frames=rules.frames.output.parquet,
    output:
        parquet="results/embeddings/{shard}.parquet",
    params:
        options=config["embed"],
    log:
        "logs/embed/{shard}.log",
    benchmark:
        "benchmarks/embed/{shard}.tsv"
    threads: 2
    resources:
        mem_mb=6000,
        runtime=240,
    conda:
        "../../envs/gpu.yaml"
    script:
        "../scripts/embed.py"


rule dedup:
    input:
        embeddings=rules.embed.output.parquet,
    output:
        parquet="results/dedup/{shard}.parquet",
    params:
        threshold=config["dedup"]["threshold"],
    log:
        "logs/dedup/{shard}.log",
    benchmark:
        "benchmarks/dedup/{shard}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../../envs/cpu.yaml"
    script:
        "../scripts/dedup.py"
