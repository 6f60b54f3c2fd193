"""Label Studio: the labeling config and tasks of a batch, the import of its export (errors named),
and a round trip through a real Label Studio server on loopback (.venv-labelstudio)."""

from __future__ import annotations

import base64
import copy
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from polimodal.errors import ConfigError, LabelError
from polimodal.experiments.tasks import Task
from polimodal.measure.coding import project_token
from polimodal.measure.labelstudio import (
    contact_sheet,
    label_studio_tasks,
    labeling_config,
    read_label_studio_export,
)

ROOT = Path(__file__).resolve().parents[1]
LS_VENV = ROOT / ".venv-labelstudio"
TASKS = [
    Task("stance", "stance", ("left", "center", "right")),
    Task("hate", "hate", ("0", "1"), subset={"kind": ("speech",)}),
]
TOKEN = project_token(TASKS, 1)


def jpeg(colour: str, size: tuple[int, int] = (32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG")
    return out.getvalue()


def items() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": ["v1", "v2", "v3"],
            "title": ["First", "Second", "Third"],
            "text": ["we the people", "buy now", "a speech"],
            "url": ["https://youtu.be/a", "https://youtu.be/b?x=1&y=2", "https://youtu.be/c"],
            "kind": ["speech", "ad", "speech"],
            "frames": [[jpeg("red"), jpeg("blue")], [], [jpeg(c) for c in ["red"] * 6 + ["blue"] * 6]],
        }
    )


def decode(uri: str, mime: str) -> bytes:
    head, data = uri.split(",", 1)
    assert head == f"data:{mime};base64"
    return base64.b64decode(data)


def test_labeling_config_has_one_single_choice_per_task_and_what_the_models_see() -> None:
    root = ET.fromstring(labeling_config(TASKS))
    choices = {c.get("name"): c for c in root.iter("Choices")}
    assert list(choices) == ["stance", "hate"]
    for task in TASKS:
        c = choices[task.name]
        assert c.get("choice") == "single" and c.get("toName") == "text"
        assert [x.get("value") for x in c.iter("Choice")] == list(task.values)
    assert choices["stance"].get("required") == "true" and choices["hate"].get("required") == "false"
    values = {(e.tag, e.get("value")) for e in root.iter()}
    assert {("Header", "$title"), ("Text", "$text"), ("Image", "$frames"), ("HyperText", "$link")} <= values
    assert ("Text", "$note_hate") in values and ("Text", "$note_stance") not in values
    assert not list(root.iter("Audio"))
    assert [a.get("value") for a in ET.fromstring(labeling_config(TASKS, audio=True)).iter("Audio")] == [
        "$audio"
    ]


def test_a_task_named_like_a_field_of_the_config_is_refused() -> None:
    with pytest.raises(ConfigError, match="'text'"):
        labeling_config([Task("text", "text", ("a", "b"))])


def test_tasks_carry_item_batch_token_frames_audio_and_subset_note() -> None:
    df = items()
    df["audio"] = [b"OggS-fake-1", None, b"OggS-fake-3"]
    out = label_studio_tasks(df, TASKS, 1, TOKEN)
    assert [t["data"]["item_id"] for t in out] == ["v1", "v2", "v3"]
    assert {t["data"]["batch"] for t in out} == {1} and {t["data"]["project"] for t in out} == {TOKEN}
    sheets = [Image.open(io.BytesIO(decode(t["data"]["frames"], "image/jpeg"))) for t in out]
    # 2 frames of 32x24 at 160 px high: 2 * 213 px; 12 frames: the first 8 evenly spaced
    assert [s.size for s in sheets] == [(2 * 213, 160), (1, 160), (8 * 213, 160)]
    assert decode(out[0]["data"]["audio"], "audio/ogg") == b"OggS-fake-1" and out[1]["data"]["audio"] == ""
    assert 'href="https://youtu.be/b?x=1&amp;y=2"' in out[1]["data"]["link"]
    notes = [t["data"]["note_hate"] for t in out]
    assert "NOT" not in notes[0] and "NOT" in notes[1] and "NOT" not in notes[2]
    assert "note_stance" not in out[0]["data"]
    assert json.loads(json.dumps(out)) == out


def test_contact_sheet_picks_evenly_spaced_frames() -> None:
    frames = [jpeg(c) for c in ["red", "green", "blue", "white", "black"]]
    sheet = Image.open(io.BytesIO(contact_sheet(frames, n=3, height=24)))
    assert sheet.size == (96, 24)
    middle = sheet.getpixel((48, 12))
    assert middle[2] > 200 and middle[0] < 60  # the middle frame of 0, 2, 4 is blue


def test_tasks_need_the_subset_column_and_item_columns() -> None:
    with pytest.raises(ConfigError, match="'kind'"):
        label_studio_tasks(items().drop(columns="kind"), TASKS, 1, TOKEN)
    with pytest.raises(ConfigError, match="'url'"):
        label_studio_tasks(items().drop(columns="url"), TASKS, 1, TOKEN)
    with pytest.raises(ConfigError, match="'v1' is listed twice"):
        label_studio_tasks(pd.concat([items(), items()]), TASKS, 1, TOKEN)


def annotation(uid: object, codes: dict[str, str], cancelled: bool = False, aid: int = 1) -> dict:
    return {
        "id": aid,
        "completed_by": uid,
        "was_cancelled": cancelled,
        "result": [
            {"from_name": t, "to_name": "text", "type": "choices", "value": {"choices": [v]}}
            for t, v in codes.items()
        ],
    }


def export() -> list[dict]:
    """An export as Label Studio 1.23 writes it (see the round trip), from the generated tasks."""
    tasks = label_studio_tasks(items(), TASKS, 1, TOKEN)
    anns = [
        [
            annotation(1, {"stance": "left", "hate": "1"}, aid=1),
            annotation({"id": 2, "email": "b@x.org"}, {"stance": "left"}, aid=2),
        ],
        [annotation(1, {"stance": "right"}, aid=3), annotation(2, {}, cancelled=True, aid=4)],
        [],
    ]
    return [
        {"id": i + 1, "data": t["data"], "annotations": a}
        for i, (t, a) in enumerate(zip(tasks, anns, strict=True))
    ]


def test_export_is_read_to_long_codes(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export()))
    for source in (path, str(path), path.read_text(), export()):
        codes = read_label_studio_export(source, TASKS, items(), TOKEN)
        assert codes.values.tolist() == [
            ["v1", "user1", "stance", "left"],
            ["v1", "user1", "hate", "1"],
            ["v1", "b@x.org", "stance", "left"],
            ["v2", "user1", "stance", "right"],
        ]
        assert codes.attrs["n_cancelled"] == 1
    named = read_label_studio_export(export(), TASKS, items(), TOKEN, coders={1: "ann", "b@x.org": "bob"})
    assert sorted(set(named["coder"])) == ["ann", "bob"]


def broken(change) -> list[dict]:
    data = copy.deepcopy(export())
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda e: e[0]["data"].update(item_id="v9"), LabelError, "item 'v9' is not in the batch"),
        (lambda e: e[0]["data"].pop("item_id"), LabelError, "task 1 has no item_id"),
        (
            lambda e: e[0]["annotations"][0]["result"][0]["value"].update(choices=["centre"]),
            LabelError,
            "item 'v1', coder 'user1', task 'stance': value 'centre' is none of",
        ),
        (
            lambda e: e[0]["annotations"][0]["result"][0]["value"].update(choices=["left", "right"]),
            LabelError,
            "item 'v1', coder 'user1', task 'stance': one value expected",
        ),
        (
            lambda e: e[0]["annotations"][0]["result"][0].update(from_name="topic"),
            LabelError,
            "choices 'topic' are no task",
        ),
        (
            lambda e: e[1]["annotations"].append(annotation(1, {"stance": "left"}, aid=7)),
            LabelError,
            "item 'v2' is coded twice by coder 'user1' \\(annotations 3 and 7\\)",
        ),
        (
            lambda e: e[1]["annotations"][0]["result"].append(annotation(1, {"hate": "0"})["result"][0]),
            LabelError,
            "item 'v2', coder 'user1', task 'hate': coded '0', but the task does not apply",
        ),
        (
            lambda e: e[2]["data"].update(project=project_token(TASKS, 2)),
            ConfigError,
            "item 'v3' comes from another project or batch",
        ),
    ],
)
def test_export_errors_name_item_coder_and_value(change, error, match) -> None:
    with pytest.raises(error, match=match):
        read_label_studio_export(broken(change), TASKS, items(), TOKEN)


def test_token_depends_on_tasks_values_and_batch() -> None:
    other = [TASKS[0], Task("hate", "hate", ("0", "1", "2"))]
    assert len({TOKEN, project_token(TASKS, 2), project_token(other, 1), project_token(TASKS[::-1], 1)}) == 4
    assert project_token(TASKS, 1) == TOKEN


# --- a real Label Studio server ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ls_env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str(data),
        LATEST_VERSION_CHECK="false",  # no call to pypi.org
        COLLECT_ANALYTICS="false",
        SENTRY_DSN="",
        FRONTEND_SENTRY_DSN="",
    )
    return env


USERS = {"a@example.org": "tokenaaaaaaaaaaaaaaaaaaaa", "b@example.org": "tokenbbbbbbbbbbbbbbbbbbbb"}


@pytest.fixture(scope="module")
def label_studio(tmp_path_factory: pytest.TempPathFactory):
    """A Label Studio server on 127.0.0.1 with two users (url, timings); stopped at the end."""
    if not (LS_VENV / "bin" / "label-studio").exists():
        pytest.skip(
            ".venv-labelstudio does not exist: run scripts/setup-labelstudio.sh (scripts/setup.sh does)"
        )
    data = tmp_path_factory.mktemp("label-studio")
    template = LS_VENV / "template-data"  # a migrated empty database made by the setup
    if template.is_dir():
        shutil.copytree(template, data, dirs_exist_ok=True)
    env = _ls_env(data)
    ls = str(LS_VENV / "bin" / "label-studio")
    (a, token_a), (b, token_b) = USERS.items()
    t0 = time.monotonic()
    init = subprocess.run(
        [ls, "init", "--username", a, "--password", "pass-a-1234", "--user-token", token_a,
         "--enable-legacy-api-token", "--data-dir", str(data)],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    if init.returncode:
        pytest.fail(f"label-studio init failed ({init.returncode}):\n{(init.stdout + init.stderr)[-3000:]}")
    t_init = time.monotonic() - t0
    port = _free_port()
    log = open(data / "server.log", "w")
    proc = subprocess.Popen(
        [ls, "start", "--no-browser", "--internal-host", "127.0.0.1", "-p", str(port),
         "--data-dir", str(data),
         "--username", b, "--password", "pass-b-1234", "--user-token", token_b],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    t1 = time.monotonic()
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"label-studio stopped ({proc.returncode}):\n{(data / 'server.log').read_text()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() - t1 > 600:
                pytest.fail(f"label-studio did not answer on {url} in 600 s")
            time.sleep(0.5)
        timings = {"init_s": round(t_init, 1), "start_s": round(time.monotonic() - t1, 1)}
        print(f"label-studio: init {timings['init_s']} s, start until it answers {timings['start_s']} s")
        yield url, timings
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_round_trip_through_label_studio(label_studio, tmp_path: Path) -> None:
    url, timings = label_studio
    df = items()
    (a, token_a), (b, token_b) = USERS.items()
    posted = [
        (a, "v1", {"stance": "left", "hate": "1"}),
        (b, "v1", {"stance": "center", "hate": "0"}),
        (a, "v2", {"stance": "right"}),
        (b, "v3", {"stance": "left", "hate": "1"}),
    ]
    spec = {
        "url": url,
        "tokens": {a: token_a, b: token_b},
        "config": labeling_config(TASKS),
        "tasks": label_studio_tasks(df, TASKS, 1, TOKEN),
        "annotations": [{"coder": c, "item_id": i, "codes": codes} for c, i, codes in posted]
        + [{"coder": a, "item_id": "v3", "codes": {}, "was_cancelled": True}],
    }
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    subprocess.run(
        [str(LS_VENV / "bin" / "python"), str(ROOT / "tests" / "labelstudio_client.py"),
         str(tmp_path / "spec.json"), str(tmp_path / "export.json"), str(tmp_path / "users.json")],
        env=_ls_env(tmp_path), check=True, timeout=600,
    )  # fmt: skip
    users = {int(k): v for k, v in json.loads((tmp_path / "users.json").read_text()).items()}
    codes = read_label_studio_export(tmp_path / "export.json", TASKS, df, TOKEN, coders=users)
    want = pd.DataFrame(
        [(i, c, t, v) for c, i, cs in posted for t, v in cs.items()],
        columns=["item_id", "coder", "task", "value"],
    )
    key = ["item_id", "coder", "task"]
    pd.testing.assert_frame_equal(
        codes.sort_values(key).reset_index(drop=True), want.sort_values(key).reset_index(drop=True)
    )
    assert codes.attrs["n_cancelled"] == 1
    with pytest.raises(ConfigError, match="another project or batch"):
        read_label_studio_export(tmp_path / "export.json", TASKS, df, project_token(TASKS, 2))
    print(f"label-studio timings: {timings}", file=sys.stderr)
