"""An NMB+ style news table (headline, article text, top image, outlet, labels) → a posts sheet."""

from __future__ import annotations

import pandas as pd
import pytest
from PIL import Image

from polimodal.corpus.news import convert_news
from polimodal.corpus.samples import read_sample_sheet
from polimodal.errors import SampleSheetError


def _table(tmp_path, fmt: str = "csv"):
    (tmp_path / "img").mkdir()
    Image.new("RGB", (40, 30), "red").save(tmp_path / "img" / "a.jpg")
    news = pd.DataFrame(
        {
            "headline": ["Senate passes budget", "Fußball-Bund wählt", "", ""],
            "article_text": ["The senate passed\n\nthe budget today.", "Der Bund\twählt heute.", "", ""],
            "image": ["img/a.jpg", "https://example.org/b.png", "img/a.jpg", ""],
            "outlet": ["NYT", "FAZ", "ABC", "XYZ"],
            "text_label": ["0", "1", "0", "1"],
            "multimodal_label": ["0", "1", "1", "0"],
        }
    )
    path = tmp_path / f"news.{fmt}"
    news.to_parquet(path) if fmt == "parquet" else news.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_news_table_becomes_a_posts_sheet_the_workflow_reads(tmp_path, fmt):
    out = convert_news(_table(tmp_path, fmt), tmp_path / "posts.tsv")
    sheet = read_sample_sheet(out)  # the workflow's own reader accepts it as a posts sheet
    assert list(sheet["video_id"]) == ["news000001", "news000002", "news000003"]  # the empty row left out
    first = sheet.iloc[0]
    assert first["text"] == "Senate passes budget The senate passed the budget today."
    assert first["source"] == str((tmp_path / "img" / "a.jpg").resolve())
    assert sheet.iloc[1]["source"] == "https://example.org/b.png"
    assert sheet.iloc[1]["article_text"] == "Der Bund wählt heute."
    assert sheet.iloc[2]["text"] == ""  # image only: allowed, the ingest records what it lacks
    assert list(sheet["multimodal_label"]) == ["0", "1", "1"] and "outlet" in sheet.columns


def test_headline_only_and_errors_named(tmp_path):
    table = _table(tmp_path)
    out = convert_news(table, tmp_path / "h.tsv", text="headline", columns=["outlet", "multimodal_label"])
    sheet = read_sample_sheet(out)
    assert sheet.iloc[0]["text"] == "Senate passes budget" and "text_label" not in sheet.columns
    pd.read_csv(table).drop(columns=["image"]).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(SampleSheetError, match=r"missing column\(s\) \['image'\]"):
        convert_news(tmp_path / "bad.csv", tmp_path / "x.tsv")
    with pytest.raises(SampleSheetError, match="no such file"):
        convert_news(tmp_path / "none.csv", tmp_path / "x.tsv")


def test_the_cli_converts_and_names_errors(tmp_path, capsys):
    from polimodal.cli import main

    assert main(["news-to-posts", str(_table(tmp_path)), str(tmp_path / "p.tsv"), "--text", "headline"]) == 0
    assert read_sample_sheet(tmp_path / "p.tsv").iloc[1]["text"] == "Fußball-Bund wählt"
    assert main(["news-to-posts", str(tmp_path / "none.csv"), str(tmp_path / "q.tsv")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_headline_and_article_text_are_separate_text_columns(tmp_path):
    from polimodal.corpus.posts import sheet_posts

    out = convert_news(_table(tmp_path), tmp_path / "posts.tsv")
    columns = ["headline", "article_text"]
    sheet = read_sample_sheet(out, text_columns=columns)  # config posts.text_columns
    assert sheet.iloc[0]["text"] == "Senate passes budget\n\nThe senate passed the budget today."
    parts = sheet_posts(sheet, columns)[1].parts
    assert parts == (("headline", "Fußball-Bund wählt"), ("article_text", "Der Bund wählt heute."))


def test_nmb_plus_unique_id_is_the_post_id_and_quotes_stay_text(tmp_path):
    news = pd.DataFrame(
        {
            "unique_id": ["a-17", "b-18"],
            "headline": ['"No deal," says minister', "Plain"],
            "article_text": ["Body one.", 'Body "two'],
            "image": ["https://example.org/a.png", "https://example.org/b.png"],
        }
    )
    news.to_csv(tmp_path / "nmb.csv", index=False)
    sheet = read_sample_sheet(convert_news(tmp_path / "nmb.csv", tmp_path / "posts.tsv"))
    assert list(sheet["video_id"]) == ["a-17", "b-18"]
    assert sheet.iloc[0]["headline"] == '"No deal," says minister'
    assert sheet.iloc[1]["text"] == 'Plain Body "two'
