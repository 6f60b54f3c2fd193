"""polimodal.extract.webvtt: cues, malformed and overlapping cues, encodings, rolling captions."""

from __future__ import annotations

from pathlib import Path

import pytest

from polimodal.errors import CaptionError
from polimodal.extract.webvtt import Cue, parse_webvtt, read_webvtt

PLAIN = """WEBVTT
Kind: captions
Language: en

NOTE a comment
that spans lines

1
00:00:00.000 --> 00:00:01.500 align:start position:0%
<v Anna>Hello &amp; <i>welcome</i>

01:02.250 --> 01:03.000
two
lines
"""


def test_cues_times_and_text() -> None:
    track = parse_webvtt(PLAIN.encode())
    assert track.cues == [Cue(0.0, 1.5, "Hello & welcome"), Cue(62.25, 63.0, "two\nlines")]
    assert track.encoding == "utf-8" and track.n_skipped == 0 and track.reason() is None


def test_bom_and_crlf() -> None:
    track = parse_webvtt(b"\xef\xbb\xbf" + PLAIN.replace("\n", "\r\n").encode())
    assert [c.text for c in track.cues] == ["Hello & welcome", "two\nlines"]


def test_malformed_cues_are_skipped_and_counted() -> None:
    text = (
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nfirst\n\n"
        "00:00:xx.000 --> 00:00:02.000\nbad time\n\n"
        "just text without timing\n\n"
        "00:00:05.000 --> 00:00:04.000\nends before it starts\n\n"
        "00:00:06.000 --> 00:00:07.000\nlast\n"
    )
    track = parse_webvtt(text.encode(), where="x.vtt")
    assert [c.text for c in track.cues] == ["first", "last"]
    assert track.n_skipped == 3
    reason = track.reason()
    assert reason is not None and "3 malformed cue(s)" in reason and "line 6" in reason


def test_overlapping_cues_are_kept_and_counted() -> None:
    text = "WEBVTT\n\n00:00:00.000 --> 00:00:03.000\nA speaks\n\n00:00:01.000 --> 00:00:02.000\nB speaks\n"
    track = parse_webvtt(text.encode())
    assert [(c.start, c.text) for c in track.cues] == [(0.0, "A speaks"), (1.0, "B speaks")]
    assert track.n_overlaps == 1 and "1 overlapping" in (track.reason() or "")


def test_latin1_file_is_read_and_said_so() -> None:
    text = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nDéjà vu, Größe\n"
    track = parse_webvtt(text.encode("latin-1"))
    assert track.cues[0].text == "Déjà vu, Größe"
    assert track.encoding == "cp1252" and "not UTF-8" in (track.reason() or "")


def test_rolling_automatic_captions_give_each_line_once() -> None:
    # YouTube's automatic tracks: each cue repeats the line before it, with 10 ms cues in between
    text = (
        "WEBVTT\nKind: captions\nLanguage: en\n\n"
        "00:00:00.000 --> 00:00:02.000 align:start position:0%\n"
        "we<00:00:00.500><c> are</c><00:00:01.000><c> here</c>\n\n"
        "00:00:02.000 --> 00:00:02.010 align:start position:0%\nwe are here\n \n\n"
        "00:00:02.010 --> 00:00:04.000 align:start position:0%\nwe are here\n"
        "to<00:00:02.500><c> vote</c>\n"
    )
    track = parse_webvtt(text.encode(), rolling=True)
    assert [c.text for c in track.cues] == ["we are here", "to vote"]
    assert track.n_repeats == 1
    # a manual track keeps a line said twice
    said_twice = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nOrder!\n\n00:00:01.000 --> 00:00:02.000\nOrder!\n"
    assert [c.text for c in parse_webvtt(said_twice.encode()).cues] == ["Order!", "Order!"]


def test_not_webvtt_raises_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "x.en.vtt"
    path.write_text("1\n00:00:00,000 --> 00:00:01,000\nan SRT file\n")
    with pytest.raises(CaptionError, match=r"x\.en\.vtt: line 1: not a WebVTT file"):
        read_webvtt(str(path))
