# Frames at a fixed rate (PyAV by default: frames never shown at a sampling time are not
# decoded), their embeddings (one model load per shard job), then near-duplicate removal.
# Dedup is its own rule so that changing the threshold reruns neither decoding nor embedding.


rule frames:
    input:
        videos=rules.ingest.output.videos,
        media=rules.ingest.output.media,
    output:
        parquet="results/frames/{shard}.parquet",
        failures="results/failures/frames/{shard}.parquet",
    log:
        "logs/frames/{shard}.log",
    benchmark:
        "benchmarks/frames/{shard}.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=240,
    params:
        options=config["frames"],
    script:
        "../scripts/frames.py"


rule embed:
    input:
        frames=rules.frames.output.parquet,
    output:
        parquet="results/embeddings/{shard}.parquet",
    log:
        "logs/embed/{shard}.log",
    benchmark:
        "benchmarks/embed/{shard}.tsv"
    conda:
        "../../envs/gpu.yaml"
    threads: 2
    resources:
        mem_mb=6000,
        runtime=240,
    params:
        options=config["embed"],
    script:
        "../scripts/embed.py"


rule dedup:
    input:
        embeddings=rules.embed.output.parquet,
    output:
        parquet="results/dedup/{shard}.parquet",
    log:
        "logs/dedup/{shard}.log",
    benchmark:
        "benchmarks/dedup/{shard}.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        options=config["dedup"],
    script:
        "../scripts/dedup.py"
