# Frame embeddings (one model load per shard job) of the frames the ingest job sampled, then
# near-duplicate removal. Dedup is its own rule so that changing the threshold reruns neither
# the ingest nor the embedding.


rule embed:
    input:
        frames=rules.ingest.output.frames,
        videos=rules.ingest.output.videos,
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
        settings=get_output_settings("embed"),
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
        options=get_output_settings("dedup"),
    script:
        "../scripts/dedup.py"
