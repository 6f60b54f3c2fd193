# Frame embeddings (one model load per shard job) of the frames the ingest job sampled, then
# near-duplicate removal, then the stored frames table: the JPEGs of the kept frames only
# (frames.keep_dropped: true stores every JPEG from the ingest job instead). Dedup is its own
# rule so that changing the threshold reruns no embedding; but the ingest job's table of every
# JPEG is temporary, so a new threshold or embedding model fetches the videos again (and reruns
# every per-video stage) unless frames.keep_dropped is true (README "Storage").


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


if not KEEP_DROPPED_FRAMES:

    rule store_frames:
        input:
            frames=rules.ingest.output.frames,
            dedup=rules.dedup.output.parquet,
        output:
            parquet="results/frames/{shard}.parquet",
        log:
            "logs/store_frames/{shard}.log",
        benchmark:
            "benchmarks/store_frames/{shard}.tsv"
        conda:
            "../../envs/cpu.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=30,
        script:
            "../scripts/store_frames.py"
