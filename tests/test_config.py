"""Reading config files (:mod:`polimodal.config`): a file that does not parse is named with its line,
column and cause; a tab in the indentation says so."""

from __future__ import annotations

import pytest

from polimodal.config import TAB_HINT, check_config_file, load_config, load_yaml
from polimodal.errors import ConfigError


def test_a_tab_in_the_indentation_is_named_by_file_and_line(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("shard_size: 200\ntranscribe:\n  model: tiny\n\tlanguage: en\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert f"config {path}, line 4, column 1: {TAB_HINT}" in message
    assert "'\\tlanguage: en'" in message  # the line itself


def test_a_tab_after_spaces_is_a_tab_too(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("transcribe:\n  model: tiny\n  \tlanguage: en\n")
    with pytest.raises(ConfigError, match=f"line 3, column 3: {TAB_HINT}"):
        load_config(path)


def test_other_syntax_errors_name_the_line_without_the_tab_hint(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("languages: [en, de\nshard_size: 200\n")
    with pytest.raises(ConfigError) as err:
        load_yaml(path)
    message = str(err.value)
    assert message.startswith(f"config {path}, line 2, column 11: not valid YAML: ")
    assert "flow sequence that starts at line 1" in message and "tabs" not in message


def test_the_top_level_is_a_mapping_and_an_empty_file_is_empty(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(path)
    path.write_text("# nothing set\n")
    assert load_config(path) == {}


def test_json_with_tabs_reads_as_snakemake_reads_it(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{\n\t"shard_size": 5,\n\t"languages": ["en"]\n}\n')
    assert load_config(path) == {"shard_size": 5, "languages": ["en"]}


def test_a_missing_or_non_utf8_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.yaml does not exist"):
        load_config(tmp_path / "nope.yaml")
    check_config_file(tmp_path / "nope.yaml")  # left to Snakemake (no error with --configfile)
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"a: 1\nname: caf\xe9\n")
    with pytest.raises(ConfigError, match=r"latin1\.yaml, line 2: not UTF-8"):
        check_config_file(path)
