"""Frames with known on-screen text, drawn by ffmpeg's ``drawtext`` (the OCR tests and bench).

The font is DejaVu Sans, as matplotlib ships it (or the system's, from fontconfig); the texts
carry accents (French, German, Spanish) so that recognition of Latin-script languages is tested.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from polimodal.synthetic.media import _need

#: Lines with accents, by language: the known truth of the OCR tests and bench.
TEXTS = {
    "fr": ("élection présidentielle", "Débat télévisé à Paris"),
    "de": ("Bundestagswahl Größe", "Für die Zukunft Europas"),
    "es": ("campaña electoral", "Elecciones en España"),
}


def font_file() -> Path:
    """A TrueType font with Latin accents: matplotlib's DejaVu Sans, else fontconfig's."""
    try:
        import matplotlib

        path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
        if path.exists():
            return path
    except ImportError:
        pass
    out = subprocess.run(
        ["fc-match", "-f", "%{file}", "DejaVu Sans"], capture_output=True, text=True, check=False
    )
    if out.returncode or not out.stdout:
        raise RuntimeError("no TrueType font found (pip install matplotlib, or apt-get install fonts-dejavu)")
    return Path(out.stdout)


def _escape(text: str) -> str:
    """``text`` as a drawtext option value (its own escaping, then the filter graph's)."""
    for ch in ("\\", ":", "'", "%"):
        text = text.replace(ch, "\\" + ch)
    return text


def text_frame(
    out: str | Path,
    lines: Sequence[str],
    *,
    size: tuple[int, int] = (640, 360),
    background: str = "color=c=navy",
    fontsize: int = 32,
    color: str = "white",
) -> Path:
    """A JPEG of ``size`` with ``lines`` drawn one under the other (none: the background only).

    ``background``: an ffmpeg lavfi source without its size (``color=c=navy``, ``testsrc2``,
    ``mandelbrot``), so that the same text can be shown over different pictures.
    """
    out = Path(out)
    font = font_file()
    draws = [
        f"drawtext=fontfile='{font}':text='{_escape(line)}':fontcolor={color}:fontsize={fontsize}"
        f":x=30:y={30 + i * int(fontsize * 1.8)}:box=1:boxcolor=black@0.6:boxborderw=6"
        for i, line in enumerate(lines)
    ]
    cmd = [_need("ffmpeg"), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"]
    sep = ":" if "=" in background else "="
    cmd += ["-i", f"{background}{sep}s={size[0]}x{size[1]}"]
    cmd += ["-vf", ",".join(draws)] if draws else []
    cmd += ["-frames:v", "1", "-q:v", "3", str(out)]
    subprocess.run(cmd, check=True, capture_output=True)
    return out


def text_scene(lines: Sequence[str], background: str = "color=c=navy", fontsize: int = 20) -> str:
    """A lavfi source template of :func:`polimodal.synthetic.media.make_video` (``{w}``, ``{h}``,
    ``{fps}``) showing ``lines`` over ``background``, as a chyron over footage."""
    font = font_file()
    sep = ":" if "=" in background else "="
    draws = [
        f"drawtext=fontfile='{font}':text='{_escape(line)}':fontcolor=white:fontsize={fontsize}"
        f":x=10:y={10 + i * int(fontsize * 1.8)}:box=1:boxcolor=black@0.6:boxborderw=4"
        for i, line in enumerate(lines)
    ]
    body = ",".join([f"{background}{sep}size=WxH:rate=FPS", *draws])
    return body.replace("{", "{{").replace("}", "}}").replace("WxH", "{w}x{h}").replace("FPS", "{fps}")
