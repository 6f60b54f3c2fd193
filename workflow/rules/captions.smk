# Captions (config `captions`, off by default): the subtitle tracks a site offers for each available
# video, manual or automatic, read from WebVTT beside the speech recognition. One request per video
# and no media: turning it on fetches no video again and reruns no other stage.


rule captions:
    input:
        videos=rules.ingest.output.videos,
    output:
        captions="results/captions/{shard}/captions.parquet",
        tracks="results/captions/{shard}/tracks.parquet",
        failures="results/failures/captions/{shard}.parquet",
    log:
        "logs/captions/{shard}.log",
    benchmark:
        "benchmarks/captions/{shard}.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=120,
    params:
        settings=get_output_settings("captions"),
    script:
        "../scripts/captions.py"
