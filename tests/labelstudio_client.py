"""A coding round through Label Studio's API, run by tests/test_measure_labelstudio.py with
.venv-labelstudio's Python (the SDK lives there, not in the project's venv).

Usage: python labelstudio_client.py SPEC.json EXPORT.json USERS.json. SPEC: ``url``, ``tokens`` (coder ->
API token), ``config`` (labeling config XML), ``tasks`` (Label Studio import JSON) and
``annotations`` (``coder``, ``item_id``, ``codes``: task -> value, ``was_cancelled``). Creates a
project, sets its labeling config, imports the tasks, posts each annotation as its coder, and
writes the project's JSON export to EXPORT.json and its users (id -> email) to USERS.json.
"""

from __future__ import annotations

import json
import sys

from label_studio_sdk import LabelStudio


def main(spec_path: str, export_path: str, users_path: str) -> None:
    with open(spec_path) as f:
        spec = json.load(f)
    clients = {
        coder: LabelStudio(base_url=spec["url"], api_key=token) for coder, token in spec["tokens"].items()
    }
    owner = clients[next(iter(clients))]
    project = owner.projects.create(title="polimodal coding batch")
    owner.projects.update(id=project.id, label_config=spec["config"])
    owner.projects.import_tasks(id=project.id, request=spec["tasks"])
    task_ids = {t.data["item_id"]: t.id for t in owner.tasks.list(project=project.id)}
    for ann in spec["annotations"]:
        result = [
            {"from_name": task, "to_name": "text", "type": "choices", "value": {"choices": [value]}}
            for task, value in ann["codes"].items()
        ]
        clients[ann["coder"]].annotations.create(
            id=task_ids[ann["item_id"]], result=result, was_cancelled=ann.get("was_cancelled", False)
        )
    export = b"".join(owner.projects.exports.download_sync(id=project.id, export_type="JSON"))
    with open(export_path, "wb") as f:
        f.write(export)
    with open(users_path, "w") as f:
        json.dump({u.id: u.email for u in owner.users.list()}, f)
    print(f"project {project.id}: {len(task_ids)} tasks, {len(spec['annotations'])} annotations posted")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
