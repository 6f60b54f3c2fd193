"""Posts sheets: read like videos sheets, one kind per sheet, errors naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from polimodal.corpus.posts import image_kind, sheet_posts
from polimodal.corpus.samples import (
    POST_SHEET,
    corpus_kind,
    read_sample_sheet,
    shard_digests,
    sheet_kind,
    sheet_line,
)
from polimodal.errors import SampleSheetError


def _sheet(tmp_path: Path, text: str, name: str = "posts.tsv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_posts_sheet_reads_images_from_one_cell_and_numbered_columns(tmp_path: Path) -> None:
    path = _sheet(
        tmp_path,
        "post_id\ttext\timage\timage_2\timage_1\tstance\n"
        "p1\tTax cuts now\ta.jpg | https://x.org/b.png\td.jpg\tc.jpg\tpro\n"
        "\t\t\t\t\t\n"
        "p2\tNo picture here\t\t\t\tcontra\n"
        "p3\t\tfile:///tmp/e.png\t\t\tpro\n",
    )
    sheet = read_sample_sheet(path)
    assert sheet_kind(sheet.columns) is POST_SHEET
    assert list(sheet["video_id"]) == ["p1", "p2", "p3"]
    assert [sheet_line(sheet, i) for i in range(3)] == [2, 4, 5]
    posts = sheet_posts(sheet)
    assert posts[0].images == ("a.jpg", "https://x.org/b.png", "c.jpg", "d.jpg")
    assert posts[1].images == () and posts[1].text == "No picture here"
    assert posts[2].text == "" and posts[2].images == ("file:///tmp/e.png",)
    assert sheet.loc[0, "stance"] == "pro"
    assert corpus_kind(sheet, "posts", path) is POST_SHEET
    with pytest.raises(SampleSheetError, match="holds posts but the config says `corpus: videos`"):
        corpus_kind(sheet, "videos", path)


def test_videos_sheet_under_a_posts_config_is_an_error(tmp_path: Path) -> None:
    path = _sheet(tmp_path, "video_id\tsource\nv1\tabc.mp4\n")
    with pytest.raises(SampleSheetError, match="holds videos but the config says `corpus: posts`"):
        corpus_kind(read_sample_sheet(path), "posts", path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("post_id\ttext\tsource\np1\thi\tv.mp4\n", r"must not have the video column\(s\) \['source'\]"),
        ("post_id\tlabel\np1\tx\n", "needs a `text` column and/or image columns"),
        (
            "post_id\ttext\timage\np1\thi\ta.jpg\np1\tho\tb.jpg\n",
            r"duplicate post_id\(s\): 'p1' on lines \[2, 3\]",
        ),
        (
            "post_id\ttext\timage\np1\thi\ta.jpg\np2\t\t\n",
            r"line 3 \(post p2\) has neither text nor an image",
        ),
        ("post_id\ttext\timage\nbad id\thi\ta.jpg\n", "line 2: 'bad id'"),
        (
            "post_id\ttext\timage\np1\thi\tftp://x.org/a.jpg\n",
            r"line 2 \(post p1\): image .*scheme ftp: is not supported",
        ),
        # README: an image is a path or an http(s) URL; these schemes have no "//" and once read as paths
        (
            "post_id\ttext\timage\np1\thi\ta.jpg\np2\tho\tdata:image/png;base64,iVBOR\n",
            r"line 3 \(post p2\).*data:",
        ),
        ("post_id\ttext\timage_1\np1\thi\tjavascript:alert(1)\n", r"line 2 \(post p1\).*javascript:"),
        ("post_id\ttext\timage\np1\thi\ta.jpg | mailto:x@y.org\n", r"line 2 \(post p1\).*mailto:"),
        # a misspelt image column would be read as a label and every post marked no_image
        ("post_id\ttext\timages\np1\thi\ta.jpg\n", r"\['images'\] look like image columns.*`image`"),
        ("post_id\ttext\tImage\tlabel\np1\thi\ta.jpg\tx\n", r"\['Image'\] look like image columns"),
        ("post_id\timg\timage1\np1\ta.jpg\tb.jpg\n", r"\['img', 'image1'\] look like image columns"),
        (
            "post_id\ttext\tlab\tlab\np1\thi\tx\ty\n",
            r"line 1 \(header\) names the column\(s\) \['lab'\] more than once",
        ),
        ("post_id\ttext\timage\n", "has no rows"),
    ],
)
def test_bad_posts_sheets_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SampleSheetError, match=message):
        read_sample_sheet(_sheet(tmp_path, text))


def test_windows_paths_and_file_urls_are_local_paths() -> None:
    assert image_kind("C:\\posts\\a.jpg") == "local"
    assert image_kind("file:///posts/a.jpg") == "local"
    assert image_kind("./a:b.jpg") == "local"
    assert image_kind("HTTPS://x.org/a.jpg") == "url"


def test_a_valid_image_column_leaves_other_names_as_labels(tmp_path: Path) -> None:
    sheet = read_sample_sheet(_sheet(tmp_path, "post_id\ttext\timage\tphoto\np1\thi\ta.jpg\tyes\n"))
    assert sheet.loc[0, "source"] == "a.jpg"
    assert sheet.loc[0, "photo"] == "yes"


def test_shard_posts_and_digests_follow_the_text(tmp_path: Path) -> None:
    rows = "".join(f"p{i}\ttext {i}\timg{i}.jpg\n" for i in range(5))
    path = _sheet(tmp_path, "post_id\ttext\timage\n" + rows)
    sheet = read_sample_sheet(path)
    digests = shard_digests(sheet, 2)
    assert len(digests) == 3
    posts = POST_SHEET.read_shard(path, 1, 2, digest=digests[1])
    assert [p.post_id for p in posts] == ["p2", "p3"] and posts[0].images == ("img2.jpg",)
    edited = _sheet(tmp_path, "post_id\ttext\timage\n" + rows.replace("text 3", "text three"), "b.tsv")
    changed = shard_digests(read_sample_sheet(edited), 2)
    assert changed[0] == digests[0] and changed[1] != digests[1]


def test_several_text_columns_are_joined_in_the_configured_order(tmp_path: Path) -> None:
    path = _sheet(
        tmp_path,
        "post_id\theadline\tarticle_text\timage\toutlet\n"
        "n1\tTax cuts now\t  The bill passed. It was close.  \ta.jpg\tleft\n"
        "n2\t\tOnly the article\t\tright\n"
        "n3\tOnly a headline\t\tb.jpg\tleft\n",
    )
    columns = ["headline", "article_text"]
    sheet = read_sample_sheet(path, text_columns=columns)
    assert list(sheet["text"]) == [
        "Tax cuts now\n\nThe bill passed. It was close.", "Only the article", "Only a headline"
    ]  # fmt: skip
    posts = POST_SHEET.read_shard(path, 0, 10, text_columns=columns)
    assert posts == sheet_posts(sheet, columns)
    assert posts[0].parts == (
        ("headline", "Tax cuts now"),
        ("article_text", "The bill passed. It was close."),
    )
    assert posts[1].parts == (("headline", ""), ("article_text", "Only the article"))
    # the other order: the text follows it
    assert read_sample_sheet(path, text_columns=columns[::-1]).loc[0, "text"].startswith("The bill")
    # without the setting the sheet has no `text` column: a post without an image has nothing
    with pytest.raises(SampleSheetError, match=r"line 3 \(post n2\) has neither text nor an image"):
        read_sample_sheet(path)
    # the digest covers the text columns: a shard reruns when one changes
    changed = _sheet(tmp_path, path.read_text().replace("It was close", "It was not close"), "b.tsv")
    assert shard_digests(sheet, 10) != shard_digests(read_sample_sheet(changed, text_columns=columns), 10)


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (
            ["headline", "body"],
            r"config posts.text_columns \['headline', 'body'\]: no column\(s\) \['body'\]",
        ),
        (["headline", "image"], r"\['image'\] are id or image columns, not text"),
    ],
)
def test_bad_text_columns_are_named(tmp_path: Path, columns: list[str], message: str) -> None:
    path = _sheet(tmp_path, "post_id\theadline\timage\nn1\tHi\ta.jpg\n")
    with pytest.raises(SampleSheetError, match=message):
        read_sample_sheet(path, text_columns=columns)


def test_a_post_that_opens_a_quotation_keeps_every_row_and_its_own_image(tmp_path: Path) -> None:
    """p1 opens a quotation and p3 closes it: the rows between once merged into p1's text."""
    path = _sheet(
        tmp_path,
        "post_id\ttext\timage\tstance\n"
        'p1\t"We will win," she said\ta.jpg\tpro\n'
        "p2\tplain post\tb.jpg\tcontra\n"
        'p3\tand then "it ended\tc.jpg\tpro\n'
        "p4\tlast\td.jpg\tcontra\n",
    )
    sheet = read_sample_sheet(path)
    assert list(sheet["video_id"]) == ["p1", "p2", "p3", "p4"]
    assert list(sheet["stance"]) == ["pro", "contra", "pro", "contra"]
    assert sheet["text"][0] == '"We will win," she said'
    assert [Path(p.images[0]).name for p in sheet_posts(sheet)] == ["a.jpg", "b.jpg", "c.jpg", "d.jpg"]


# ----------------------------------------------------------------------------- near-misses of known columns
#: Label names a study uses: far from every column a sheet reads, they stay labels.
LABELS = ["ideology", "party", "label", "stance", "country", "year", "hateful", "outlet", "score", "test",
          "next", "posted", "topic", "language", "image_description", "text_label"]  # fmt: skip


@pytest.mark.parametrize(
    ("header", "column", "known"),
    [
        ("post_id\ttext\timgae", "imgae", "image"),  # swapped letters: read as a label, no post had an image
        ("post_id\tText\timage", "Text", "text"),  # case: no post had a text
        ("post_id\ttext\timage\tIMAGE_2", "IMAGE_2", "image_2"),
        ("post_id\ttext\timage\timage_01", "image_01", "image_1"),
        ("post_id\ttext\timage\timgae_3", "imgae_3", "image_3"),
        ("post_id\ttext\timage\ttexts", "texts", "text"),  # a real label of that name: renamed (below)
        ("post_id\ttxt\timage", "txt", "text"),
        ("post_id\ttext\timage\tpost_ids", "post_ids", "post_id"),
    ],
)
def test_a_known_column_spelt_otherwise_stops_the_reading(
    tmp_path: Path, header: str, column: str, known: str
) -> None:
    row = "\t".join(["p1", "hi", "a.jpg", "x"][: header.count("\t") + 1])
    path = _sheet(tmp_path, f"{header}\n{row}\n")
    with pytest.raises(SampleSheetError) as err:
        read_sample_sheet(path)
    message = str(err.value)
    assert (
        f"sample sheet {path}: line 1 (header): column {column!r} looks like the known column {known!r}"
        in message
    )
    assert f"rename it to the column it looks like ({column!r} -> {known!r})" in message
    assert f"{column + '_label'!r}" in message  # how to keep a real label of that name


def test_a_configured_text_column_spelt_otherwise_is_named(tmp_path: Path) -> None:
    path = _sheet(tmp_path, "post_id\timage\tHeadline\tarticle_text\nn1\ta.jpg\tb\tc\n")
    with pytest.raises(SampleSheetError, match="column 'Headline' looks like the known column 'headline'"):
        read_sample_sheet(path, text_columns=["headline", "article_text"])
    assert "Headline" in read_sample_sheet(path).columns  # not a text column by default: a label


def test_label_names_and_renamed_near_misses_stay_labels(tmp_path: Path) -> None:
    columns = ["post_id", "text", "image", "image_2", *LABELS, "texts_label", "imgae_label"]
    values = ["p1", "hi", "a.jpg", "b.jpg", *(f"v{i}" for i in range(len(columns) - 4))]
    path = _sheet(tmp_path, "\t".join(columns) + "\n" + "\t".join(values) + "\n")
    sheet = read_sample_sheet(path)
    assert sheet.loc[0, "source"] == "a.jpg | b.jpg" and sheet.loc[0, "text"] == "hi"
    assert sheet.loc[0, "texts_label"] == values[-2] and sheet.loc[0, "ideology"] == "v0"
