"""Read a WebVTT caption file into timed cues, keeping every cue it can and saying what it could not.

A small parser of the W3C WebVTT format (https://www.w3.org/TR/webvtt1/), not the ``webvtt-py``
package: that one refuses a whole file over one malformed cue (``MalformedCaptionError``) and
reads text only, while a site's captions are often a little broken, so here

* a cue whose timing line does not parse, or that ends before it starts, is skipped and counted
  (``n_skipped``), the rest of the file is kept;
* a file that is not UTF-8 (as WebVTT requires) is read as Windows-1252 / Latin-1 and says so
  (``encoding``);
* overlapping cues are kept as they are (two speakers at once) and counted (``n_overlaps``);
* the rolling captions of YouTube's automatic tracks (``rolling``), where each cue repeats the
  line shown before it, give each line once: a line equal to the previous cue's last line is dropped, and
  a cue left empty so is dropped (``n_repeats``);
* tags (``<c>``, ``<v Speaker>``, karaoke timestamps ``<00:00:01.000>``) are removed and
  character references (``&amp;``, ``&nbsp;``) decoded; NOTE, STYLE and REGION blocks skipped.

A file without the ``WEBVTT`` signature raises :class:`~polimodal.errors.CaptionError`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from polimodal.errors import CaptionError

_TIME = r"(?:(\d+):)?([0-5]\d):([0-5]\d)[.,](\d{3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s+-->\s+{_TIME}(?:\s+.*)?$")
_TAG = re.compile(r"<[^>]*>")
_SKIPPED_BLOCKS = ("NOTE", "STYLE", "REGION")


@dataclass(frozen=True)
class Cue:
    """One caption: seconds from the start and its plain text (lines joined by a newline)."""

    start: float
    end: float
    text: str


@dataclass
class VttTrack:
    """What :func:`parse_webvtt` read from one file."""

    cues: list[Cue] = field(default_factory=list)
    encoding: str = "utf-8"  # utf-8 | cp1252 | latin-1 (what decoded the bytes)
    n_skipped: int = 0  # cues dropped as malformed (timing unreadable, end before start)
    n_overlaps: int = 0  # cues starting before the previous one ends (kept)
    n_repeats: int = 0  # rolling-caption cues left empty once repeated lines were dropped
    problems: list[str] = field(default_factory=list)  # the first few malformed cues, with lines

    def reason(self) -> str | None:
        """What was not plain in the file (None when nothing): a track's ``note``."""
        parts = []
        if self.encoding != "utf-8":
            parts.append(f"not UTF-8, read as {self.encoding}")
        if self.n_skipped:
            parts.append(f"{self.n_skipped} malformed cue(s) skipped ({'; '.join(self.problems)})")
        if self.n_overlaps:
            parts.append(f"{self.n_overlaps} overlapping cue(s) kept")
        return "; ".join(parts) or None


def _seconds(h: str | None, m: str, s: str, ms: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def decode(data: bytes) -> tuple[str, str]:
    """The text of a caption file and the encoding that read it (UTF-8 first, BOM dropped)."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def clean(line: str) -> str:
    """A payload line as plain text: tags removed, character references decoded, spaces squeezed."""
    return " ".join(html.unescape(_TAG.sub("", line)).replace("\u200e", "").replace("\u200f", "").split())


def parse_webvtt(data: bytes, where: str = "captions", *, rolling: bool = False) -> VttTrack:
    """Parse the bytes of a WebVTT file (``where``: its name, for messages). See the module doc.

    ``rolling``: drop lines that repeat the previous cue's last line (an automatic track's rolling
    captions); a manual track keeps a line said twice.
    """
    text, encoding = decode(data)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0].strip()):
        first = lines[0][:40] if lines else ""
        raise CaptionError(f"{where}: line 1: not a WebVTT file (starts with {first!r}, not 'WEBVTT')")
    track = VttTrack(encoding=encoding)
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    for number, line in enumerate(lines[1:], start=2):
        if line.strip():
            if not current:
                blocks.append((number, current))
            current.append(line)
        else:
            current = []
    previous_line = ""
    last_end = -1.0
    for i, (number, block) in enumerate(blocks):
        head = block[0].strip()
        if i == 0 and "-->" not in head and not any("-->" in b for b in block):
            continue  # the header's metadata (YouTube's "Kind: captions", "Language: en")
        if head.split(" ")[0].split("\t")[0] in _SKIPPED_BLOCKS:
            continue
        at = next((k for k, b in enumerate(block[:2]) if "-->" in b), None)
        match = _TIMING.match(block[at]) if at is not None else None
        if match is None:
            track.n_skipped += 1
            if len(track.problems) < 3:
                track.problems.append(f"line {number}: no cue timing in {head[:40]!r}")
            continue
        start, end = _seconds(*match.groups()[:4]), _seconds(*match.groups()[4:])
        if end < start:
            track.n_skipped += 1
            if len(track.problems) < 3:
                track.problems.append(
                    f"line {number + at}: ends ({end:.3f} s) before its start ({start:.3f} s)"
                )
            continue
        payload = [clean(b) for b in block[at + 1 :]]
        payload = [p for p in payload if p]
        while rolling and payload and payload[0] == previous_line:
            payload.pop(0)
        if not payload:
            track.n_repeats += 1
            continue
        if start < last_end - 1e-6:
            track.n_overlaps += 1
        last_end = max(last_end, end)
        previous_line = payload[-1]
        track.cues.append(Cue(start, end, "\n".join(payload)))
    return track


def read_webvtt(path: str, *, rolling: bool = False) -> VttTrack:
    """:func:`parse_webvtt` of a file."""
    with open(path, "rb") as f:
        return parse_webvtt(f.read(), where=str(path), rolling=rolling)
