# Speakers (config `speakers`, off by default): who speaks when in each video's stored audio, and
# a voice embedding per turn (resemblyzer's encoder, shipped in its wheel; or pyannote's pipeline).
# The sheet's num_speakers column sets a video's count; one model load per shard job.


rule speakers:
    input:
        videos=rules.ingest.output.videos,
        audio=rules.ingest.output.audio,
    output:
        parquet="results/speakers/{shard}.parquet",
    log:
        "logs/speakers/{shard}.log",
    benchmark:
        "benchmarks/speakers/{shard}.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=240,
    params:
        options=get_output_settings("speakers"),
        num_speakers=get_shard_num_speakers,
    script:
        "../scripts/speakers.py"
