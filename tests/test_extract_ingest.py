"""polimodal.extract.ingest: the ingest stage's settings and the tables every ingest job writes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from polimodal.corpus.schemas import failure_row
from polimodal.errors import ConfigError, MediaUnavailable
from polimodal.extract.ingest import SHARD_TABLES, IngestOptions, available, unavailable_tables


def test_options_from_project_config() -> None:
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    opts = IngestOptions.from_config(config["ingest"])
    assert opts.retries == 3 and opts.sleep_interval == 1.0 and opts.cookies is None
    assert opts.max_duration == 7200 and opts.socket_timeout == 30
    assert opts.format == config["ingest"]["format"]
    assert IngestOptions.from_config({}) == IngestOptions()


def test_options_reject_bad_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config ingest: unknown key\(s\) \['retry'\]"):
        IngestOptions.from_config({"retry": 3})
    with pytest.raises(ConfigError, match="cookies"):
        IngestOptions.from_config({"cookies": str(tmp_path / "missing.txt")})
    with pytest.raises(ConfigError, match="retries"):
        IngestOptions.from_config({"retries": -1})
    assert IngestOptions.from_config({"max_duration": None}).max_duration is None


def test_an_unavailable_item_has_its_failure_rows_only() -> None:
    bad = failure_row("v1", "x.mp4", "ingest", MediaUnavailable("not_found", "x.mp4: gone"))
    tables = unavailable_tables([bad])
    assert set(tables) == set(SHARD_TABLES)
    assert all(tables[name].schema.equals(schema) for name, schema in SHARD_TABLES.items())
    assert tables["unavailable"].to_pylist() == [bad] and not available(tables)
