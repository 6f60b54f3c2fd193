# Posts (corpus: posts): a post's text takes the transcript's place. The ingest rule fetches and
# normalises the posts' images into the frames table (polimodal.extract.posts); this rule writes
# their texts as a TRANSCRIPTS table, which every later stage reads as it reads transcripts, with
# each text's language (lingua, among posts.languages_detect; `und` below
# posts.language_min_probability) in the transcript's language columns.


rule post_texts:
    output:
        transcripts="results/posts/{shard}/texts.parquet",
    log:
        "logs/posts/texts/{shard}.log",
    benchmark:
        "benchmarks/posts/texts/{shard}.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        shard_size=config["shard_size"],
        digest=get_shard_digest,
        languages_detect=config["posts"]["languages_detect"],
        language_min_probability=config["posts"]["language_min_probability"],
        text_columns=TEXT_COLUMNS,
        corpus=CORPUS.name,
    script:
        "../scripts/post_texts.py"
