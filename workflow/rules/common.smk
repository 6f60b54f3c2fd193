# Helpers shared by the rule files (config and sample sheet validation, shards, input
# functions named get_*). No logic beyond paths and lookups: everything else is in polimodal/
# (every config error is raised by polimodal.startup.check_run, called once below).
from snakemake.utils import validate

from polimodal.corpus.samples import (
    corpus_kind,
    read_sample_sheet,
    shard_digests,
    shard_name,
)

validate(config, "../schemas/config.schema.yaml")

# a posts sheet's text columns (config posts.text_columns) are joined as each post's text
TEXT_COLUMNS = config["posts"]["text_columns"]
SHEET = read_sample_sheet(config["samples"], text_columns=TEXT_COLUMNS)
# the kind of corpus (config `corpus: videos | posts`, polimodal.corpus.samples.SHEET_KINDS): a sheet
# of the other kind stops the run here. Decided once: the rules read its entry (CORPUS.stages,
# CORPUS.text_stage), never its name
CORPUS = corpus_kind(SHEET, config["corpus"], config["samples"])
# the report's description (workflow/report/workflow.rst) says what the kind's stages did to each
# item; Snakemake hands that text the config alone, so the entry's clause travels in it
config["corpus_method"] = CORPUS.method
# the JSON schema of a row; read_sample_sheet has already checked every row (vectorised)
validate(SHEET.head(1000), f"../schemas/{CORPUS.schema}.schema.yaml")
SHARD_SIZE = config["shard_size"]
# over each row's id and source (a post's text too: the post_texts job reruns when it changes)
DIGESTS = shard_digests(SHEET, SHARD_SIZE)
SHARDS = [shard_name(i) for i in range(len(DIGESTS))]
# frames.keep_dropped: the ingest job writes the stored frames table itself, every JPEG; else its
# table is temporary and store_frames keeps the JPEGs of the frames dedup keeps (embed.smk)
KEEP_DROPPED_FRAMES = config["frames"]["keep_dropped"]
# ocr.enabled: each shard's kept frames are read for on-screen text (ocr.smk); off by default
OCR_ENABLED = config["ocr"]["enabled"]


wildcard_constraints:
    shard=r"\d{6}",
    fold=r"\d+",


# A rule's params hold only the settings that change its output, canonical (sorted, defaults
# filled in): Snakemake reruns a job when its params change, so retries, pauses, timeouts,
# cookies, devices, batch sizes and the sheet's path must not be among them. The scripts read
# those from `snakemake.config`. Which settings count: NOT_OUTPUT of each options dataclass.
from polimodal.align.query import QueryOptions
from polimodal.extract.audio import AudioOptions
from polimodal.extract.captions import CaptionOptions
from polimodal.extract.dedup import DedupOptions
from polimodal.extract.embed import EmbedOptions
from polimodal.extract.frames import FrameOptions
from polimodal.extract.ingest import IngestOptions
from polimodal.extract.ocr import OcrOptions
from polimodal.extract.pitch import PitchOptions
from polimodal.extract.speakers import SpeakersOptions
from polimodal.extract.transcribe import TranscribeOptions
from polimodal.options import output_settings

OPTIONS = {
    "ingest": IngestOptions,
    "frames": FrameOptions,
    "audio": AudioOptions,
    "transcribe": TranscribeOptions,
    "embed": EmbedOptions,
    "dedup": DedupOptions,
    "pitch": PitchOptions,
    "query": QueryOptions,
    "captions": CaptionOptions,
    "ocr": OcrOptions,
    "speakers": SpeakersOptions,
}


def get_output_settings(section):
    """The settings of config ``section`` that change its stage's output (polimodal.options)."""
    return output_settings(OPTIONS[section].from_config(config[section]))


def get_shard_digest(wildcards):
    """Digest of a shard's (video_id, source) rows: the shard reruns when it changes."""
    return DIGESTS[int(wildcards.shard)]


def get_media_dir(wildcards):
    """Scratch folder of an ingest job: one video at a time (or every video with ingest.keep_media)."""
    return f"results/ingest/{wildcards.shard}/media"


def get_shard_files(pattern):
    """``pattern`` (with ``{shard}``) for every shard of the sheet."""
    return expand(pattern, shard=SHARDS)


def get_shard_videos(wildcards):
    return get_shard_files(rules.ingest.output.videos)


def get_stage_files(stage, pattern):
    """``pattern`` for every shard when the corpus runs ``stage`` (CORPUS.stages: transcribe and
    align for videos), else none."""
    return get_shard_files(pattern) if stage in CORPUS.stages else []


def get_text_rule():
    """The step that writes each shard's TRANSCRIPTS (CORPUS.text_stage: transcribe, or post_texts
    as a post's text takes the transcript's place)."""
    return getattr(rules, CORPUS.text_stage)


def get_shard_unavailable(wildcards):
    """Videos (posts, images) that could not be had (ingest) or used (frames, audio, transcribe),
    every shard; and those whose language the run does not keep (config `languages`)."""
    return [
        *get_shard_files(rules.ingest.output.unavailable),
        *get_stage_files("transcribe", rules.transcribe.output.failures),
        *get_caption_files(rules.captions.output.failures),
        *get_language_exclusions().values(),
    ]


# config `languages:` (checked at start-up by check_run): the detected languages the run keeps
LANGUAGES = config["languages"]


def get_language_exclusions(wildcards=None):
    """{"excluded": the table of videos in a language the run does not keep}, or {} when it keeps
    every language (so a run without `languages:` has the inputs it always had)."""
    if LANGUAGES is None:
        return {}
    return {"excluded": rules.exclude_languages.output.parquet}


def get_shard_transcripts(wildcards):
    return get_shard_files(get_text_rule().output.transcripts)


def get_transcripts(wildcards):
    """The TRANSCRIPTS file of one shard: its transcripts, or its posts' texts."""
    return get_text_rule().output.transcripts.format(shard=wildcards.shard)


def get_artifact_outputs():
    """Per-video artifacts of every shard plus the corpus-wide tables."""
    return [
        rules.gather_videos.output.parquet,
        rules.gather_unavailable.output.parquet,
        rules.gather_transcripts.output.parquet,
        *get_stage_files("transcribe", rules.transcribe.output.segments),
        *get_shard_files(rules.dedup.output.parquet),
        *get_shard_files(get_stored_frames()),
    ]


def get_frames_standin(wildcards):
    """Where an ingest rerun finds the earlier frames of a video it cannot fetch any more: the
    stored frames when the ingest job's own frames table is temporary ("" when it is the stored one).
    """
    if KEEP_DROPPED_FRAMES:
        return ""
    return rules.store_frames.output.parquet.format(shard=wildcards.shard)


def get_stored_frames():
    """The stored FRAMES files' pattern (results/frames/{shard}.parquet), from the rule that writes it."""
    if KEEP_DROPPED_FRAMES:
        return rules.ingest.output.frames
    return rules.store_frames.output.parquet


def get_caption_files(pattern):
    """``pattern`` for every shard when config `captions.enabled` (a video corpus), else none."""
    return (
        get_stage_files("transcribe", pattern) if config["captions"]["enabled"] else []
    )


def get_transcribe_captions(wildcards):
    """The shard's CAPTIONS file with transcribe.prefer_manual_captions (captions.enabled is
    checked at start-up), else none: a transcript may then come from a video's manual captions.
    """
    if not config["transcribe"]["prefer_manual_captions"]:
        return []
    return rules.captions.output.captions.format(shard=wildcards.shard)


def get_ocr_outputs():
    """Each shard's on-screen text when config ocr.enabled (workflow/rules/ocr.smk), else none."""
    if not OCR_ENABLED:
        return []
    return get_shard_files(rules.ocr.output.texts)


def get_shard_ocr(wildcards):
    """A classify job's on-screen text (the text field `ocr`): its shard's, when config ocr.enabled."""
    if not OCR_ENABLED:
        return {}
    return {"ocr": rules.ocr.output.texts.format(shard=wildcards.shard)}


def get_final_outputs():
    return (
        get_artifact_outputs()
        + get_caption_files(rules.captions.output.captions)
        + get_caption_files(rules.captions.output.tracks)
        + get_ocr_outputs()
        + get_experiment_outputs()
        + get_align_outputs()
        + get_ablation_outputs()
        + get_coding_outputs()
        + get_speakers_outputs()
    )


# ---- experiments
# Tasks, models and folds (polimodal.experiments); every model kind is declared once in
# polimodal.models.registry, which says what each kind reads and whether it wants a GPU.
import re as _re

from polimodal.corpus.samples import sheet_digest
from polimodal.experiments.classify import chosen_fold, read_chosen
from polimodal.experiments.tasks import tasks_from_config
from polimodal.models.registry import model_settings
from polimodal.measure.options import coding_models
from polimodal.startup import check_run, device_check

TASKS = list(config["tasks"])
# experiments.models: null = every model defined; [] = no model (the corpus stages only)
MODELS = config["experiments"]["models"]
MODELS = list(config["models"]) if MODELS is None else list(MODELS)
# undefined models, unknown model kinds, parameter names and references, inputs the corpus does
# not give, sheet columns that do not exist and labels that do not fit their task stop the run
# here, before any job (also for `snakemake -n`)
# (GPUs named by `device:` are looked for in the main process only: a cluster job parses this file
# again on its own node; where sbatch exists a missing GPU is a warning)
MODEL_KINDS = check_run(
    config,
    SHEET,
    MODELS
    + coding_models(
        config, MODELS
    ),  # the loop's crossfit model, when not one of MODELS
    devices=device_check(workflow.remote_exec or workflow.subprocess_exec),
)
FOLDS = list(range(config["experiments"]["folds"]))
MODEL_SETTINGS = {m: model_settings(m, config["models"][m]) for m in MODELS}


def _names_pattern(names):
    """A wildcard regex matching exactly ``names`` (never matching when there are none)."""
    return "|".join(_re.escape(n) for n in names) or "(?!x)x"


wildcard_constraints:
    task=_names_pattern(TASKS),
    model=_names_pattern(MODELS),


def _rule_models(suffix):
    """The run's models whose kind's train and classify rules end in ``suffix``."""
    return [m for m in MODELS if MODEL_KINDS[m].rule_suffix == suffix]


# Each model runs in its kind's train and classify rules (ModelKind.rule_suffix in
# polimodal.models.registry, their one home): train/classify (CPU: the SVM), train_gpu/classify_gpu
# (torch fine-tuning; the cluster profile sends only these to a GPU partition) and
# train_llm/classify_llm (generative models: their own conda env, envs/llm.yaml, and SLURM resources).
CPU_MODEL_PATTERN = _names_pattern(_rule_models(""))
GPU_MODEL_PATTERN = _names_pattern(_rule_models("_gpu"))
LLM_MODEL_PATTERN = _names_pattern(_rule_models("_llm"))


def get_task_config(wildcards):
    return config["tasks"][wildcards.task]


# The rules that read the sample sheet take the digest of the columns they read as a param, not
# the sheet as an input: a sheet moved, copied, spelt absolutely or touched reruns nothing, a
# changed label does. Their scripts read the sheet at config["samples"].
SHEET_COLUMNS = {
    t.name: ["video_id", *t.sheet_columns] for t in tasks_from_config(config)
}


def get_task_sheet_digest(wildcards):
    """Digest of the sheet's ids and the task's label (and subset) columns."""
    return sheet_digest(SHEET, SHEET_COLUMNS[wildcards.task])


def get_tasks_sheet_digest():
    """Digest of the sheet's ids and every task's columns."""
    return sheet_digest(SHEET, [c for cols in SHEET_COLUMNS.values() for c in cols])


def get_task_classes(wildcards):
    return list(config["tasks"][wildcards.task]["values"])


def get_model_settings(wildcards):
    """What of the model's section changes its predictions (polimodal.models.registry.model_settings:
    not its device, scoring batch size, logging); the jobs read the whole section from the config.
    """
    return MODEL_SETTINGS[wildcards.model]


def get_task_prompt(wildcards):
    """The task's prompt (question + answer per value) for generative models; None for others."""
    if not MODEL_KINDS[wildcards.model].prompted:
        return None
    return config["tasks"][wildcards.task].get("prompt")


def get_model_modalities(wildcards=None):
    """Model name -> text | image | multimodal, for the tables and the colours of the plots
    (sorted by name: a param, which the order of the config's models must not change).
    """
    return {m: MODEL_KINDS[m].modality for m in sorted(MODELS)}


# ---- what models read: polimodal.data.inputs.INPUTS says, per input (text, frames, words, audio),
# which task-level files (a train job's: results/tasks/{task}/<name>.parquet) and which shard-level
# files (a classify job's) hold it; the rules name their inputs after those files.
from polimodal.data.inputs import files_of

# the inputs some model of the run reads (every model runs on every task)
INPUTS_READ = {i for m in MODELS for i in MODEL_KINDS[m].inputs}


def _task_patterns():
    """Each task-level file -> its path pattern, from the rule that writes it (its output's name)."""
    return {
        **dict(rules.task_data.output.items()),
        **dict(rules.task_sequences.output.items()),
    }


def _shard_patterns():
    """Each shard-level file but the transcripts -> its path pattern, from the rule that writes it."""
    return {
        "videos": rules.ingest.output.videos,
        "frames": get_stored_frames(),
        "dedup": rules.dedup.output.parquet,
        "aligned": rules.align.output.parquet,
        "pitch": rules.pitch.output.parquet,
        "embeddings": rules.embed.output.parquet,
    }


def _model_files(model, level):
    # every train and classify job lists the files of `text`, whatever its model reads (as it
    # always has: Snakemake reruns a job whose set of input files changes)
    return files_of(("text", *MODEL_KINDS[model].inputs), level)


def get_model_files(wildcards):
    """The files a train job (the task's) or a classify job (its shard's) reads, named as in
    polimodal.data.inputs: those of every input its model reads (and of `text`, always); a classify
    job also the language exclusions (config `languages`), if any.
    """
    if "shard" not in wildcards.keys():
        patterns = _task_patterns()
        return {
            name: patterns[name].format(task=wildcards.task)
            for name in _model_files(wildcards.model, "task")
        }
    patterns = _shard_patterns()
    return {
        **get_language_exclusions(),
        **get_model_captions(wildcards),
        **get_shard_ocr(wildcards),
        **{
            name: (
                get_transcripts(wildcards)
                if name == "transcripts"
                else patterns[name].format(shard=wildcards.shard)
            )
            for name in _model_files(wildcards.model, "shard")
        },
    }


def get_model_captions(wildcards):
    """{"captions": the shard's CAPTIONS file} for a classify job whose model's text_fields name
    captions (config captions.enabled, checked at start-up), else {}."""
    fields = config["models"][wildcards.model].get("text_fields") or []
    if "captions" not in fields:
        return {}
    return {"captions": rules.captions.output.captions.format(shard=wildcards.shard)}


def get_task_sources(*inputs):
    """An input function for the job that makes a task's own files of ``inputs``. It gives every
    shard's files of each of them, named as in polimodal.data.inputs ([] for those no model of the
    run reads)."""

    def get_sources(wildcards):
        read = files_of(INPUTS_READ.intersection(inputs), "shard")
        patterns = _shard_patterns()
        return {
            name: get_shard_files(patterns[name]) if name in read else []
            for name in files_of(inputs, "shard")
        }

    return get_sources


# ---- classify the corpus (classify.smk)
def get_classify_setting(wildcards):
    """``best`` or the list of model names that classify the task's corpus."""
    return config["classify"].get(wildcards.task, "best")


def _chosen(wildcards):
    return checkpoints.choose_models.get(task=wildcards.task).output.tsv


def get_classify_fold(wildcards):
    """The fold whose checkpoint the model classifies with (known once the models are compared)."""
    return chosen_fold(_chosen(wildcards), wildcards.model)


def get_classify_model_dir(wildcards):
    fold = get_classify_fold(wildcards)
    return rules.train.output.model.format(
        task=wildcards.task, model=wildcards.model, fold=fold
    )


def get_classified_shards(wildcards):
    return expand(
        rules.classify.output.parquet,
        task=wildcards.task,
        model=wildcards.model,
        shard=SHARDS,
    )


def get_classified_tables(wildcards):
    """Every task's gathered classification table, for the models chosen to classify it."""
    tables = []
    for task in TASKS:
        chosen = read_chosen(checkpoints.choose_models.get(task=task).output.tsv)
        tables += expand(
            rules.gather_classified.output.parquet, task=task, model=chosen["model"]
        )
    return tables


def get_all_predictions(wildcards=None):
    return expand(rules.train.output.predictions, task=TASKS, model=MODELS, fold=FOLDS)


def get_split_settings():
    """The experiment settings that define the splits (not which models run on them)."""
    keys = ("seed", "folds", "test_size", "validation_size")
    return {k: config["experiments"][k] for k in keys}


def get_experiment_outputs():
    """Final experiment targets: data table, metrics tables, per-task figures, the comparisons,
    precision-recall curves and results by group ([] without tasks or models)."""
    if not TASKS or not MODELS:
        return []
    by_group = (
        [*rules.results_by_group.output, *rules.classified_by_group.output]
        if GROUP_BY
        else []
    )
    return [
        *rules.data_table.output,
        *rules.plot_data_table.output,
        *rules.evaluate.output,
        *expand(rules.plots.output, task=TASKS),
        *rules.classified_table.output,
        *rules.comparisons.output,
        *rules.overview.output,
        *rules.precision_recall.output,
        *expand(rules.plot_precision_recall.output, task=TASKS),
        *by_group,
    ]


# ---- results by group (results.smk): sheet columns, or `language` (the detected language)
# (each a column of the sheet: checked by check_run)
GROUP_BY = list(config["experiments"]["group_by"])


def get_group_by():
    return GROUP_BY


def get_group_sheet_digest():
    """Digest of the sheet's ids and group columns (results by group)."""
    return sheet_digest(SHEET, ["video_id", *GROUP_BY])


def get_group_min_n():
    return int(config["experiments"]["group_min_n"])


def get_target_precision():
    return float(config["experiments"]["target_precision"])


# ---- alignment (align.smk): pitch and the aligned table of every shard and the report's query
# (what models that read words or audio take of them: get_model_files, get_task_sources)
from polimodal.align.query import QueryOptions

# (its columns are the sheet's, and a corpus without `align` has none: checked by check_run)
QUERY = QueryOptions.from_config(config["query"])


def get_query_sheet_digest():
    """Digest of the sheet's ids and the query's group and cluster columns."""
    return sheet_digest(SHEET, ["video_id", *QUERY.by, QUERY.cluster])


def get_shard_aligned(wildcards=None):
    return get_shard_files(rules.align.output.parquet)


def get_query_frames(wildcards):
    return get_shard_files(get_stored_frames())


def get_align_outputs():
    """The aligned table of every shard (posts have no spoken words), and the report's query when
    the config asks for one."""
    outputs = get_stage_files("align", rules.align.output.parquet)
    if QUERY.enabled:
        outputs += list(rules.query.output)
    return outputs


# ---- FND-CLIP ablation (report.smk)
def get_run_models():
    """The settings of the models of the run that change their predictions (name -> kind and
    parameters, defaults filled in: get_model_settings; sorted by name)."""
    return {m: MODEL_SETTINGS[m] for m in sorted(MODELS)}


def get_ablation_outputs():
    """The ablation table, when a task runs and a model of the run is of kind fndclip."""
    if not TASKS or not any(MODEL_KINDS[m].name == "fndclip" for m in MODELS):
        return []
    return list(rules.ablation.output)


# ---- the measurement loop (coding.smk): config `coding`, checked by check_run
from polimodal.measure.options import coded_files

CODING = config["coding"]
CODING_BATCHES = list(range(1, len(CODING["batches"]) + 1))
CODING_MODEL = CODING["crossfit"]["model"]
CODING_MODEL_PATTERN = _names_pattern([CODING_MODEL])
CODING_PARTS = list(range(CODING["crossfit"]["k"]))
# the coders' files, by batch (an unknown batch or file type stopped the run in check_run)
CODED_FILES = coded_files(CODING["codes"], len(CODING_BATCHES))


def get_coding_design(wildcards):
    return CODING["batches"][int(wildcards.batch) - 1]


def get_coding_draw_inputs(wildcards):
    """The corpus (not a rerun trigger: a drawn batch is never redrawn), the previous batch's
    state, and the classified table a `scores` design reads."""
    batch = int(wildcards.batch)
    design = get_coding_design(wildcards)
    inputs = {
        "videos": ancient(rules.gather_videos.output.parquet),
        "unavailable": ancient(rules.gather_unavailable.output.parquet),
        **{k: ancient(v) for k, v in get_language_exclusions().items()},
    }
    if batch > 1:
        inputs["state"] = ancient(
            rules.coding_draw.output.state.format(batch=batch - 1)
        )
    if design.get("method") == "scores":
        inputs["scores"] = ancient(
            rules.gather_classified.output.parquet.format(
                task=design["task"], model=design["model"]
            )
        )
    return inputs


def get_coding_frames(wildcards):
    """Every shard's stored frames and dedup tables (the coders see the kept frames), when the
    corpus has frames."""
    if "dedup" not in CORPUS.stages or not CODING["frames"]:
        return {}
    return {
        "frames": get_shard_files(get_stored_frames()),
        "dedup": get_shard_files(rules.dedup.output.parquet),
    }


def get_coded_files(wildcards):
    """Every batch's drawn items, the coders' files and (the demo) the simulated coders' codes."""
    inputs = {"drawn": expand(rules.coding_draw.output.batch, batch=CODING_BATCHES)}
    inputs["coded"] = [f for b in CODING_BATCHES for f in CODED_FILES[b]]
    if CODING["simulate"]:
        inputs["simulated"] = expand(
            rules.coding_simulate.output.csv, batch=CODING_BATCHES
        )
    return inputs


def get_coded_by_batch():
    """Batch number -> the coders' files of that batch and (the demo) its simulated coders' codes
    (params of coding_codes; the same files are its inputs)."""
    simulated = rules.coding_simulate.output.csv if CODING["simulate"] else None
    return {
        b: list(CODED_FILES[b]) + ([simulated.format(batch=b)] if simulated else [])
        for b in CODING_BATCHES
    }


def get_coding_sheet_digest():
    """Digest of the sheet's ids and the columns the loop reads (labels when simulated, groups)."""
    columns = ["video_id"]
    if CODING["group_by"]:
        columns.append(CODING["group_by"])
    if CODING["simulate"] or CODING["truth"]:
        columns += [c for cols in SHEET_COLUMNS.values() for c in cols]
    return sheet_digest(SHEET, list(dict.fromkeys(columns)))


def get_coding_model_settings(wildcards):
    return model_settings(wildcards.model, config["models"][wildcards.model])


def get_coding_train_files(wildcards):
    """What the crossfit model reads of the whole corpus (the coded items may be anywhere): the
    gathered transcripts and videos tables for the text, every shard's files of the rest.
    """
    patterns = _shard_patterns()
    gathered = {
        "transcripts": rules.gather_transcripts.output.parquet,
        "videos": rules.gather_videos.output.parquet,
    }
    return {
        name: gathered[name] if name in gathered else get_shard_files(patterns[name])
        for name in _model_files(wildcards.model, "shard")
    }


def get_coding_part_models(wildcards):
    return expand(
        rules.coding_train.output.model,
        task=wildcards.task,
        model=wildcards.model,
        fold=CODING_PARTS,
    )


def get_coding_classified(wildcards):
    return expand(
        rules.coding_classify.output.parquet,
        task=wildcards.task,
        model=CODING_MODEL,
        shard=SHARDS,
    )


def get_coding_labels():
    """The coded sample's settled labels: the coders' (agreement), or a sheet coded elsewhere's."""
    if CODING["declared"]:
        return rules.coding_declared.output.labels
    return rules.coding_agreement.output.labels


def get_coding_state():
    """Each item's inclusion probability (as 1 - q): the last batch's state, or the declared one."""
    if CODING["declared"]:
        return rules.coding_declared.output.state
    return expand(rules.coding_draw.output.state, batch=CODING_BATCHES[-1:])


def get_coding_outputs():
    """The loop's files, when coding.batches lists a batch: each batch's exports, agreement and
    labels, and each task's estimates once anything is coded."""
    if CODING["declared"]:
        return expand(rules.coding_estimates.output.csv, task=TASKS)
    if not CODING_BATCHES:
        return []
    outputs = expand(rules.coding_export.output.json, batch=CODING_BATCHES)
    outputs += list(rules.coding_agreement.output)
    if CODING["simulate"] or any(CODED_FILES.values()):
        outputs += expand(rules.coding_estimates.output.csv, task=TASKS)
    return outputs


# ---- speakers (speakers.smk): diarization, off by default (config `speakers.enabled`)
from polimodal.extract.speakers import sheet_num_speakers

SPEAKERS = SpeakersOptions.from_config(config["speakers"])


def get_shard_num_speakers(wildcards):
    """video_id -> the sheet's num_speakers of the shard's videos that set one."""
    start = int(wildcards.shard) * SHARD_SIZE
    return sheet_num_speakers(SHEET, start, start + SHARD_SIZE)


def get_align_speakers(wildcards):
    """{"speakers": the shard's turns} for the aligned table when diarization is on, else {}
    (so a run without it has the inputs it always had)."""
    if not SPEAKERS.enabled:
        return {}
    return {"speakers": rules.speakers.output.parquet.format(shard=wildcards.shard)}


def get_speakers_outputs():
    """Every shard's speaker turns when diarization is on and the corpus has audio."""
    if not SPEAKERS.enabled:
        return []
    return get_stage_files("align", rules.speakers.output.parquet)
