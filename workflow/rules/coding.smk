# The measurement loop (config `coding`, docs/estimates.md): draw each coding batch with known
# inclusion probabilities, export it for the coders (Label Studio, spreadsheet), read their files
# back, measure agreement and settle the labels, train the crossfit model k times on the settled
# labels (each coded item is predicted by a model that never saw it), classify the corpus with
# them, and estimate every task's shares three ways (coded only, counted predictions, corrected).


# a drawn batch is the record of the draw: never redrawn (update: the job keeps the files it finds,
# and stops when the config's design is no longer the one they were drawn with)
rule coding_draw:
    input:
        unpack(get_coding_draw_inputs),
    output:
        batch=update("results/coding/batch{batch}/drawn.parquet"),
        state=update("results/coding/batch{batch}/state.parquet"),
        design=update("results/coding/batch{batch}/design.json"),
        uncodable="results/coding/batch{batch}/uncodable.csv",
    log:
        "logs/coding/draw/batch{batch}.log",
    benchmark:
        "benchmarks/coding/draw/batch{batch}.tsv"
    wildcard_constraints:
        batch=r"\d+",
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        design=get_coding_design,
        sheet_digest=get_coding_sheet_digest(),
    script:
        "../scripts/coding_draw.py"


rule coding_export:
    input:
        unpack(get_coding_frames),
        batch=rules.coding_draw.output.batch,
        videos=rules.gather_videos.output.parquet,
        unavailable=rules.gather_unavailable.output.parquet,
        transcripts=rules.gather_transcripts.output.parquet,
    output:
        json="results/coding/batch{batch}/labelstudio.json",
        xml="results/coding/batch{batch}/labeling.xml",
        csv="results/coding/batch{batch}/coding_sheet.csv",
        xlsx="results/coding/batch{batch}/coding_sheet.xlsx",
    log:
        "logs/coding/export/batch{batch}.log",
    benchmark:
        "benchmarks/coding/export/batch{batch}.tsv"
    wildcard_constraints:
        batch=r"\d+",
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        tasks=config["tasks"],
        frames=CODING["frames"],
        sheet_digest=get_coding_sheet_digest(),
    script:
        "../scripts/coding_export.py"


# the demo's coders (config coding.simulate): the sheet's labels at a known disagreement rate
rule coding_simulate:
    input:
        batch=rules.coding_draw.output.batch,
    output:
        csv="results/coding/batch{batch}/simulated_codes.csv",
    log:
        "logs/coding/simulate/batch{batch}.log",
    benchmark:
        "benchmarks/coding/simulate/batch{batch}.tsv"
    wildcard_constraints:
        batch=r"\d+",
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        tasks=config["tasks"],
        simulate=CODING["simulate"],
        sheet_digest=get_coding_sheet_digest(),
    script:
        "../scripts/coding_simulate.py"


rule coding_codes:
    input:
        unpack(get_coded_files),
    output:
        parquet="results/coding/codes.parquet",
    log:
        "logs/coding/codes.log",
    benchmark:
        "benchmarks/coding/codes.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        tasks=config["tasks"],
        coded=get_coded_by_batch(),
        sheet_digest=get_coding_sheet_digest(),
    script:
        "../scripts/coding_codes.py"


rule coding_agreement:
    input:
        codes=rules.coding_codes.output.parquet,
    output:
        agreement=report(
            "results/coding/agreement.csv",
            caption="../report/coding.rst",
            category="Estimates",
            labels={"table": "agreement between coders"},
        ),
        labels="results/coding/labels.tsv",
        unsettled="results/coding/unsettled.csv",
    log:
        "logs/coding/agreement.log",
    benchmark:
        "benchmarks/coding/agreement.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        tasks=config["tasks"],
        rule=CODING["adjudicate"],
        bootstrap=CODING["bootstrap"],
    script:
        "../scripts/coding_agreement.py"


# a sheet coded elsewhere (config coding.declared): its labelled rows are the coded sample
rule coding_declared:
    input:
        unpack(get_language_exclusions),
        videos=rules.gather_videos.output.parquet,
        unavailable=rules.gather_unavailable.output.parquet,
    output:
        labels="results/coding/declared/labels.tsv",
        state="results/coding/declared/state.parquet",
    log:
        "logs/coding/declared.log",
    benchmark:
        "benchmarks/coding/declared.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        declared=CODING["declared"],
        sheet_digest=get_tasks_sheet_digest(),
    script:
        "../scripts/coding_declared.py"


rule coding_splits:
    input:
        labels=get_coding_labels(),
    output:
        parquet="results/coding/crossfit/{task}/splits.parquet",
    log:
        "logs/coding/splits/{task}.log",
    benchmark:
        "benchmarks/coding/splits/{task}.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        task=get_task_config,
        crossfit=CODING["crossfit"],
    script:
        "../scripts/coding_splits.py"


# fold j of the crossfit model: trained on the coded items outside part j, tested on those in it
rule coding_train:
    input:
        unpack(get_coding_train_files),
        splits=rules.coding_splits.output.parquet,
    output:
        predictions="results/coding/crossfit/{task}/{model}/part{fold}/predictions.parquet",
        model=directory("results/coding/crossfit/{task}/{model}/part{fold}/model"),
    log:
        "logs/coding/train/{task}/{model}/part{fold}.log",
    benchmark:
        "benchmarks/coding/train/{task}/{model}/part{fold}.tsv"
    wildcard_constraints:
        model=CODING_MODEL_PATTERN,
    conda:
        "../../envs/gpu.yaml"
    threads: 4
    resources:
        mem_mb=8000,
        runtime=240,
    params:
        model=get_coding_model_settings,
        classes=get_task_classes,
        seed=config["experiments"]["seed"],
        prompt=get_task_prompt,
    script:
        "../scripts/train.py"


# every video of a shard, classified by the crossfit model of its own part
rule coding_classify:
    input:
        unpack(get_model_files),
        models=get_coding_part_models,
    output:
        parquet="results/coding/crossfit/{task}/{model}/classified/{shard}.parquet",
    log:
        "logs/coding/classify/{task}/{model}/{shard}.log",
    benchmark:
        "benchmarks/coding/classify/{task}/{model}/{shard}.tsv"
    wildcard_constraints:
        model=CODING_MODEL_PATTERN,
    conda:
        "../../envs/gpu.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        model=get_coding_model_settings,
        classes=get_task_classes,
        seed=CODING["crossfit"]["seed"],
        prompt=get_task_prompt,
    script:
        "../scripts/coding_classify.py"


rule coding_estimates:
    input:
        classified=get_coding_classified,
        splits=rules.coding_splits.output.parquet,
        labels=get_coding_labels(),
        state=get_coding_state(),
    output:
        parquet="results/estimates/{task}/estimates.parquet",
        csv=report(
            "results/estimates/{task}/estimates.csv",
            caption="../report/estimates.rst",
            category="Estimates",
            subcategory="{task}",
            labels={"table": "estimates (CSV)"},
        ),
        png=report(
            "results/estimates/{task}/estimates.png",
            caption="../report/estimates.rst",
            category="Estimates",
            subcategory="{task}",
            labels={"figure": "coded only, counted predictions, corrected"},
        ),
        regression="results/estimates/{task}/regression.csv",
    log:
        "logs/coding/estimates/{task}.log",
    benchmark:
        "benchmarks/coding/estimates/{task}.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        task=get_task_config,
        group_by=CODING["group_by"],
        truth=CODING["truth"],
        sheet_digest=get_coding_sheet_digest(),
    script:
        "../scripts/coding_estimates.py"
