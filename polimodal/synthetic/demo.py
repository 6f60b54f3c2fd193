"""The bundled demo corpus: short real videos made on the spot (espeak-ng speech over
ffmpeg footage), a sample sheet with labels, and one unavailable source.

Two speakers with known voices (the truth behind the report's cross-modal query): speaker ``A``
speaks low (espeak-ng ``-p 35``, about 90 Hz) and raises the pitch of the words in
:data:`EMPHASIS` (SSML prosody, about +30 %); speaker ``B`` speaks higher (``-p 70``, about 125 Hz)
without emphasis. The sheet's ``speaker`` column says who speaks; each class has both speakers
(5 and 4 videos), so the speaker says little about the label.

``python -m polimodal.synthetic.demo resources/demo`` writes ``resources/demo/videos.tsv`` and the
media; ``config/demo.yaml`` points at it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import logging
from pathlib import Path

from polimodal.synthetic.media import SCENES, make_video

log = logging.getLogger(__name__)

# (id, speech, scenes, us_politics, topic)
POLITICAL = [
    "The senate will vote on the federal budget and the new tax bill this week",
    "The president met congress to discuss the budget, immigration reform and border security",
    "Voters in the election will choose a governor who promises lower taxes",
    "Democrats and republicans argue about taxes, health care and the supreme court",
    "The campaign rally focused on jobs, taxes and the economy before the primary",
    "Congress passed a budget law and voting rights after a long debate in the senate",
    "The governor signed the state budget and vetoed the new tax on gasoline",
    "The senator asked voters to support the tax plan of the party in the midterm election",
    "The house committee held a hearing on the budget and federal spending",
]
OTHER = [
    "Today we bake a chocolate cake with butter, sugar, flour and fresh eggs",
    "The football team scored two goals in the second half of the match",
    "This guitar lesson shows three easy chords for beginners to practise",
    "Our trip to the mountains had snow, hiking trails and a quiet lake",
    "The new phone has a bright screen, a fast camera and a long battery life",
    "Feed the puppy twice a day and take it for a walk in the park",
    "Plant the tomato seeds in spring and water the garden every morning",
    "The movie has great music, funny actors and a happy ending",
    "Stretch your legs before you run and drink water after the workout",
]


#: Words speaker A says at raised pitch (SSML ``<prosody pitch="+100%">``, about +30 % in espeak-ng).
EMPHASIS = ("tax", "taxes", "budget")
#: speaker -> (espeak-ng -p, emphasises EMPHASIS)
SPEAKERS = {"A": (35, True), "B": (70, False)}


def speech_ssml(text: str, emphasis: bool) -> str:
    """``text`` as SSML, the words of :data:`EMPHASIS` at raised pitch when ``emphasis``."""
    words = []
    for word in text.split():
        core = word.strip(",.").lower()
        if emphasis and core in EMPHASIS:
            word = f'<prosody pitch="+100%">{word}</prosody>'
        words.append(word)
    return "<speak>" + " ".join(words) + "</speak>"


def make_demo(out_dir: str | Path, *, duration: float = 5.0) -> Path:
    """Write the demo media and ``videos.tsv`` into ``out_dir``; return the sheet path."""
    out = Path(out_dir)
    media = out / "media"
    media.mkdir(parents=True, exist_ok=True)
    rows = []
    items = [(t, "1", "politics") for t in POLITICAL] + [(t, "0", "other") for t in OTHER]
    for i, (speech, label, topic) in enumerate(items):
        vid = f"demo{i:02d}"
        # The footage carries the label too, so image models have something to learn:
        # politics shows "studio" scenes (colour bars, plain backgrounds), other videos show
        # moving patterns. Video 0 is a single colour: near-duplicate removal keeps 1 frame.
        if i == 0:
            scenes = [SCENES[3]]
        elif label == "1":
            scenes = [SCENES[1], SCENES[3 + i % 3]]
        else:
            scenes = [SCENES[0], SCENES[2]]
        speaker = "A" if i % 4 in (0, 3) else "B"  # both say tax/budget (political videos)
        pitch, emphasis = SPEAKERS[speaker]
        ssml = speech_ssml(speech, emphasis)
        # the name carries what the video says and shows: a changed demo is made anew, never stale
        made_of = repr((ssml, pitch, scenes, duration)).encode()
        path = media / f"{vid}_{speaker}_{hashlib.sha1(made_of).hexdigest()[:8]}.mp4"
        if not path.exists():
            make_video(path, duration=duration, scenes=scenes, speech=ssml, pitch=pitch, ssml=True)
        rows.append(
            {
                "video_id": vid,
                "source": str(path.resolve()),
                "us_politics": label,
                "topic": topic,
                "speaker": speaker,
            }
        )
    # a source that cannot be had: recorded as unavailable, never stops the run
    rows.append(
        {
            "video_id": "demo_missing",
            "source": str((media / "deleted.mp4").resolve()),
            "us_politics": "1",
            "topic": "politics",
            "speaker": "A",
        }
    )
    # no CLIP weights exist offline: an untrained tiny random CLIP fills the CLIP slot
    tiny_clip = out / "models" / "tiny-clip"
    if not (tiny_clip / "config.json").exists():
        from polimodal.synthetic.tinymodels import save_tiny_clip

        save_tiny_clip(tiny_clip)
    sheet = out / "videos.tsv"
    with sheet.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)
    log.info("demo corpus: %d videos in %s", len(rows), sheet)
    # the posts corpus of config/demo_posts.yaml (synthetic image + text posts: polimodal.synthetic.posts)
    from polimodal.synthetic.posts import make_demo_posts

    log.info("demo posts: %s", make_demo_posts(out / "posts"))
    return sheet


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out_dir", nargs="?", default="resources/demo")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    print(make_demo(args.out_dir))


if __name__ == "__main__":
    main()
