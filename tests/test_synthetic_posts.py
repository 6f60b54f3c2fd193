"""The synthetic agree posts in four languages: balanced so that only text × image carries the label."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from polimodal.extract.language import LanguageDetector
from polimodal.synthetic.posts import COLOUR_WORDS, COUNTRIES, make_demo_posts, multilingual_agree_posts


def test_each_language_is_balanced_and_texts_are_real_words_of_it():
    posts = multilingual_agree_posts(2, seed=3)
    assert len(posts) == 4 * 12 * 2
    for lang in COLOUR_WORDS:
        mine = [p for p in posts if p["language"] == lang]
        # every text colour and every image colour is as often agree as disagree
        for key in ("text_colour", "image_colour"):
            counts = Counter((p[key], p["label"]) for p in mine)
            assert all(counts[(c, "agree")] == counts[(c, "disagree")] == 4 for c in COLOUR_WORDS["en"])
        for p in mine:
            words = p["text"].split()
            assert len(words) == 7 and words.count(COLOUR_WORDS[lang][p["text_colour"]]) == 1
    detector = LanguageDetector(["en", "es", "da", "de", "sv", "nb", "nl", "it"])
    found = Counter(detector.detect(p["text"]).language == p["language"] for p in posts)
    assert found[True] >= 0.9 * len(posts)  # real frequent words: the detector recognises the language


def test_the_same_seed_gives_the_same_posts():
    assert multilingual_agree_posts(1, seed=5) == multilingual_agree_posts(1, seed=5)
    assert multilingual_agree_posts(1, seed=5) != multilingual_agree_posts(1, seed=6)


def test_the_demo_posts_are_balanced_per_country_with_the_bad_rows(tmp_path):
    sheet = pd.read_csv(make_demo_posts(tmp_path, m=2), sep="\t", keep_default_na=False)
    good = sheet[sheet.post_id.str[:2].isin(list(COUNTRIES))]
    assert len(good) == 4 * 24 and len(sheet) == len(good) + 3
    assert (good.country == good.post_id.str[:2].map(COUNTRIES)).all()
    assert (good.groupby(["country", "agree"]).size() == 12).all()
    assert all(Path(p).exists() for p in good.image)
    bad = sheet.set_index("post_id").loc[["missing_image", "html_image", "text_only"]]
    assert not Path(bad.image.iloc[0]).exists() and bad.image.iloc[2] == ""
