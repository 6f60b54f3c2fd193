"""Coding a batch in Label Studio: its labeling config, its tasks, and the import of its export.

No Label Studio import here: the config is XML, the tasks and the export are JSON.

- :func:`labeling_config`: one single-choice ``<Choices>`` per task (``name`` = the task's name)
  beside what the models see: the title (``<Header>``), a strip of the kept frames (one
  ``<Image>``: a contact-sheet JPEG as a ``data:`` URI, the media being gone after extraction), the
  audio where given (``<Audio>``), the transcript (``<Text>``) and a link to the original video
  (``<HyperText>``). A task with a ``subset`` shows, above its choices, whether it applies to the
  item (data field ``note_<task>``); Label Studio's ``visibleWhen`` reacts to choices and regions
  only, not to task data, so the import refuses a code for an item the task does not apply to.
- :func:`label_studio_tasks`: the batch in Label Studio's import format (``[{"data": {...}}]``),
  each item carrying its ``item_id``, the ``batch`` and the ``project`` token
  (:func:`polimodal.measure.coding.project_token`).
- :func:`read_label_studio_export`: Label Studio's JSON export back to codes in long form
  (``item_id, coder, task, value``, :mod:`.agreement`).
"""

from __future__ import annotations

import base64
import html
import io
import json
import logging
import os
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from polimodal.errors import ConfigError, LabelError
from polimodal.experiments.tasks import Task
from polimodal.measure import coding
from polimodal.measure.agreement import CODE_COLUMNS, check_codes
from polimodal.measure.coding import applies, check_items

log = logging.getLogger(__name__)

#: names of the config's object tags; no task may take one (nor start with ``note_``)
OBJECT_NAMES = ("text", "frames", "audio", "video_link")
ITEM_COLUMNS = ("item_id", "title", "text", "url")
#: the most frames a contact sheet shows, and their height in pixels
N_FRAMES = 8
FRAME_HEIGHT = 160


def _check_task_names(tasks: Sequence[Task]) -> None:
    for t in tasks:
        if t.name in OBJECT_NAMES or t.name.startswith("note_"):
            raise ConfigError(
                f"task {t.name!r}: Label Studio needs another name (taken by the labeling config: "
                f"{list(OBJECT_NAMES)} and note_*)"
            )


def labeling_config(tasks: Sequence[Task], *, audio: bool = False) -> str:
    """Label Studio's labeling config for ``tasks`` (module docstring); ``audio``: show the
    item's audio (its tasks then carry ``audio``, see :func:`label_studio_tasks`)."""
    _check_task_names(tasks)
    view = ET.Element("View")
    ET.SubElement(view, "Header", value="$title")
    ET.SubElement(view, "HyperText", name="video_link", value="$link", inline="true")
    ET.SubElement(view, "Image", name="frames", value="$frames")
    if audio:
        ET.SubElement(view, "Audio", name="audio", value="$audio")
    ET.SubElement(view, "Text", name="text", value="$text")
    for task in tasks:
        box = ET.SubElement(view, "View")
        ET.SubElement(box, "Header", value=task.name, size="4")
        if task.subset is not None:
            ET.SubElement(box, "Text", name=f"note_{task.name}", value=f"$note_{task.name}")
        choices = ET.SubElement(
            box,
            "Choices",
            name=task.name,
            toName="text",
            choice="single",
            showInline="true",
            required="true" if task.subset is None else "false",
        )
        for value in task.values:
            ET.SubElement(choices, "Choice", value=value)
    ET.indent(view)
    return ET.tostring(view, encoding="unicode")


def contact_sheet(frames: Sequence[bytes], n: int = N_FRAMES, height: int = FRAME_HEIGHT) -> bytes:
    """One JPEG of up to ``n`` of the frames (evenly spaced), side by side at ``height`` pixels."""
    from PIL import Image

    if not len(frames):
        picked: list[bytes] = []
    elif len(frames) <= n:
        picked = list(frames)
    else:
        picked = [frames[round(i * (len(frames) - 1) / (n - 1))] for i in range(n)] if n > 1 else [frames[0]]
    images = []
    for data in picked:
        img = Image.open(io.BytesIO(data)).convert("RGB")
        images.append(img.resize((max(1, round(img.width * height / img.height)), height)))
    sheet = Image.new("RGB", (max(1, sum(i.width for i in images)), height), "white")
    x = 0
    for img in images:
        sheet.paste(img, (x, 0))
        x += img.width
    out = io.BytesIO()
    sheet.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def label_studio_tasks(
    items: pd.DataFrame,
    tasks: Sequence[Task],
    batch: int,
    project_token: str | None = None,
    *,
    n_frames: int = N_FRAMES,
) -> list[dict[str, Any]]:
    """The batch as Label Studio tasks (module docstring).

    ``items``: ``item_id, title, text, url``, optional ``frames`` (a list of JPEG bytes per item)
    and ``audio`` (Opus/ogg bytes; with it, the tasks carry ``audio`` for
    ``labeling_config(tasks, audio=True)``), and the columns the tasks' subsets name.
    ``project_token``: :func:`polimodal.measure.coding.project_token` of the tasks and batch
    (computed when None).
    """
    _check_task_names(tasks)
    missing = [c for c in ITEM_COLUMNS if c not in items.columns]
    if missing:
        raise ConfigError(f"batch items: missing column(s) {missing}; a coded item has {list(ITEM_COLUMNS)}")
    ids = check_items(items)
    token = project_token or coding.project_token(tasks, batch)
    notes = {t.name: applies(t, items) for t in tasks if t.subset is not None}
    out = []
    for i, (idx, row) in enumerate(items.iterrows()):
        url = "" if pd.isna(row["url"]) else str(row["url"])
        frames = row["frames"] if "frames" in items.columns else None
        data: dict[str, Any] = {
            "item_id": ids.iloc[i],
            "batch": int(batch),
            "project": token,
            "title": "" if pd.isna(row["title"]) else str(row["title"]),
            "text": "" if pd.isna(row["text"]) else str(row["text"]),
            "link": f'<a href="{html.escape(url)}" target="_blank" rel="noopener">{html.escape(url)}</a>',
            "frames": _data_uri(
                "image/jpeg", contact_sheet(list(frames) if frames is not None else [], n_frames)
            ),
        }
        if "audio" in items.columns:
            sound = row["audio"]
            data["audio"] = _data_uri("audio/ogg", bytes(sound)) if isinstance(sound, bytes) else ""
        for name, ok in notes.items():
            data[f"note_{name}"] = (
                f"{name}: applies to this item"
                if ok[idx]
                else f"{name}: does NOT apply to this item: leave it empty"
            )
        out.append({"data": data})
    return out


def _load(export: str | os.PathLike[str] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(export, list):
        return export
    if isinstance(export, str) and export.lstrip().startswith("["):
        return json.loads(export)
    with open(export) as f:
        data = json.load(f)
    if not isinstance(data, list):
        raise LabelError(f"{export}: not a Label Studio JSON export (a list of tasks)")
    return data


def _coder(completed_by: Any, coders: Mapping[Any, str] | None) -> str:
    coders = coders or {}
    if isinstance(completed_by, Mapping):
        uid, email = completed_by.get("id"), completed_by.get("email")
        for key in (uid, email):
            if key is not None and key in coders:
                return str(coders[key])
        return str(email) if email else f"user{uid}"
    if completed_by in coders:
        return str(coders[completed_by])
    return f"user{completed_by}"


def read_label_studio_export(
    export: str | os.PathLike[str] | list[dict[str, Any]],
    tasks: Sequence[Task],
    batch_items: pd.DataFrame,
    project_token: str,
    *,
    coders: Mapping[Any, str] | None = None,
) -> pd.DataFrame:
    """The codes of a Label Studio JSON export (a path, a JSON string or the parsed list), in long
    form (``item_id, coder, task, value``; ``attrs["n_cancelled"]``: cancelled annotations skipped).

    ``batch_items``: the batch's items (``item_id`` and the columns the tasks' subsets name).
    ``coders``: user id or email -> coder name; else the email where the export gives it, else
    ``user<id>``. Raises ConfigError for an export of another project or batch (its token), and
    LabelError naming the item, coder and value for an item not in the batch, a value outside the
    task's, several values for one task, an item coded twice by a coder, a code for a task that does
    not apply to the item.
    """
    is_path = isinstance(export, os.PathLike) or (
        isinstance(export, str) and not export.lstrip().startswith("[")
    )
    where = str(export) if is_path else "export"
    by_name = {t.name: t for t in tasks}
    ids = check_items(batch_items)
    applicable = {t.name: dict(zip(ids, applies(t, batch_items), strict=True)) for t in tasks}
    known = set(ids)
    rows: list[tuple[str, str, str, str]] = []
    seen: dict[tuple[str, str], Any] = {}
    n_cancelled = 0
    for ls_task in _load(export):
        data = ls_task.get("data") or {}
        if "item_id" not in data:
            raise LabelError(f"{where}: task {ls_task.get('id')!r} has no item_id: not a task of this batch")
        item = str(data["item_id"])
        if data.get("project") != project_token:
            raise ConfigError(
                f"{where}: item {item!r} comes from another project or batch (token "
                f"{data.get('project')!r}, batch {data.get('batch')!r}; this project's is {project_token!r})"
            )
        if item not in known:
            raise LabelError(f"{where}: item {item!r} is not in the batch ({len(ids)} items)")
        for ann in ls_task.get("annotations") or []:
            if ann.get("was_cancelled"):
                n_cancelled += 1
                continue
            coder = _coder(ann.get("completed_by"), coders)
            if (item, coder) in seen:
                raise LabelError(
                    f"{where}: item {item!r} is coded twice by coder {coder!r} (annotations "
                    f"{seen[item, coder]!r} and {ann.get('id')!r})"
                )
            seen[item, coder] = ann.get("id")
            rows.extend(_codes(ann.get("result") or [], by_name, applicable, item, coder, where))
    if n_cancelled:
        log.info("%s: %d cancelled annotation(s) skipped", where, n_cancelled)
    uncoded = sorted(set(ids) - {i for i, _ in seen})
    if uncoded:
        log.info("%s: %d item(s) of the batch not coded yet, e.g. %s", where, len(uncoded), uncoded[:5])
    codes = check_codes(
        pd.DataFrame(rows, columns=CODE_COLUMNS), {t.name: list(t.values) for t in tasks}
    ).reset_index(drop=True)
    codes.attrs["n_cancelled"] = n_cancelled
    return codes


def _codes(
    result: list[dict[str, Any]],
    by_name: Mapping[str, Task],
    applicable: Mapping[str, Mapping[str, bool]],
    item: str,
    coder: str,
    where: str,
) -> list[tuple[str, str, str, str]]:
    rows = []
    for r in result:
        if r.get("type") != "choices":
            continue
        name = r.get("from_name")
        where_ = f"{where}: item {item!r}, coder {coder!r}"
        if name not in by_name:
            raise LabelError(f"{where_}: choices {name!r} are no task of the config (tasks: {list(by_name)})")
        task = by_name[name]
        chosen = (r.get("value") or {}).get("choices") or []
        if len(chosen) != 1:
            raise LabelError(f"{where_}, task {name!r}: one value expected, got {chosen!r}")
        value = str(chosen[0])
        if value not in task.values:
            raise LabelError(f"{where_}, task {name!r}: value {value!r} is none of {list(task.values)}")
        if not applicable[name][item]:
            raise LabelError(
                f"{where_}, task {name!r}: coded {value!r}, but the task does not apply to this item "
                f"(subset {task.subset!r})"
            )
        rows.append((item, coder, name, value))
    return rows
