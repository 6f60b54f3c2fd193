"""Benchmark: the captions stage's CPU per hour of video, without network waits.

Two parts: reading an hour of WebVTT (a manual track of 1,200 cues of 3 s; YouTube's rolling
automatic track of 2,400 cues, each repeating the line before it) with
:func:`polimodal.extract.webvtt.parse_webvtt`, and one yt-dlp page request for the tracks of a
video (:func:`polimodal.extract.captions.fetch_captions`) on loopback: a page with ``<video>`` and
two ``<track>`` files, served by a local HTTP server (CPU of yt-dlp's generic extractor; a real
site adds its latency, which costs no CPU).

    .venv/bin/python bench/bench_captions.py
"""

from __future__ import annotations

import functools
import http.server
import tempfile
import threading
import time
from pathlib import Path

from polimodal.extract.captions import CaptionOptions, fetch_captions
from polimodal.extract.ingest import IngestOptions
from polimodal.extract.webvtt import parse_webvtt


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def stamp(t: float) -> str:
    return f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}:{t % 60:06.3f}"


def manual_hour() -> bytes:
    cues = [
        f"{stamp(i * 3)} --> {stamp(i * 3 + 3)}\nwords spoken in cue number {i} of the debate"
        for i in range(1200)
    ]
    return ("WEBVTT\n\n" + "\n\n".join(cues) + "\n").encode()


def rolling_hour() -> bytes:
    cues = []
    for i in range(1200):
        t = i * 3.0
        line = f"line<{stamp(t + 1)}><c> number</c><{stamp(t + 2)}><c> {i}</c>"
        cues.append(f"{stamp(t)} --> {stamp(t + 2.99)} align:start position:0%\nline number {i - 1}\n{line}")
        cues.append(f"{stamp(t + 2.99)} --> {stamp(t + 3)} align:start position:0%\nline number {i}\n ")
    return ("WEBVTT\nKind: captions\nLanguage: en\n\n" + "\n\n".join(cues) + "\n").encode()


def best_of(n: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def main() -> None:
    manual, rolling = manual_hour(), rolling_hour()
    t_manual = best_of(5, lambda: parse_webvtt(manual))
    t_rolling = best_of(5, lambda: parse_webvtt(rolling, rolling=True))
    print(
        f"parse an hour, manual track (1,200 cues, {len(manual) / 1e3:.0f} kB): {t_manual * 1e3:.1f} ms CPU"
    )
    print(f"parse an hour, rolling automatic track (2,400 cues): {t_rolling * 1e3:.1f} ms CPU")
    with tempfile.TemporaryDirectory() as d:
        www = Path(d)
        (www / "en.vtt").write_bytes(manual)
        (www / "de.vtt").write_bytes(manual)
        tracks = "".join(
            f'<track kind="captions" srclang="{lang}" src="{lang}.vtt">' for lang in ("en", "de")
        )
        (www / "page.html").write_text(f'<html><body><video src="v.mp4">{tracks}</video></body></html>')
        handler = functools.partial(Quiet, directory=d)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/page.html"
        opts = IngestOptions(retries=0, sleep_interval=0, socket_timeout=5)
        fetch_captions("warm", url, CaptionOptions(), opts)  # imports, extractor list
        n = 10
        t0, w0 = time.process_time(), time.perf_counter()
        for i in range(n):
            fetch_captions(f"v{i}", url, CaptionOptions(), opts)
        cpu, wall = (time.process_time() - t0) / n, (time.perf_counter() - w0) / n
        server.shutdown()
    print(
        f"fetch a page's two tracks of an hour each on loopback: {cpu:.2f} s CPU, {wall:.2f} s wall per video"
    )
    print(f"per hour of video (one video an hour long): {cpu + 2 * t_manual:.2f} core-s")


if __name__ == "__main__":
    main()
