# On-screen text (config ocr.enabled; off by default, its cost: polimodal/stages.py "ocr.cpu"):
# RapidOCR reads each kept frame of the stored frames table (the frames dedup keeps), one model
# load per shard job; lines with box and confidence, each video's text with a line repeated on
# consecutive frames counted once (the text field `ocr`), and the frames that could not be read.


if OCR_ENABLED:

    rule ocr:
        input:
            frames=get_stored_frames(),
            dedup=rules.dedup.output.parquet,
            videos=rules.ingest.output.videos,
        output:
            lines="results/ocr/{shard}/lines.parquet",
            texts="results/ocr/{shard}/texts.parquet",
            skipped="results/ocr/{shard}/skipped.parquet",
        log:
            "logs/ocr/{shard}.log",
        benchmark:
            "benchmarks/ocr/{shard}.tsv"
        conda:
            "../../envs/cpu.yaml"
        threads: 2
        resources:
            mem_mb=2000,
            runtime=240,
        params:
            options=get_output_settings("ocr"),
        script:
            "../scripts/ocr.py"
