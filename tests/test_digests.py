"""Digests have no main subject (codebook ruling 11): recognised, and scored zero on every theme."""

import json
from pathlib import Path

import numpy as np

from kcna_themes.captures import capture_from_record, classifier_text
from kcna_themes.classifier import ThemeClassifier
from kcna_themes.digests import is_digest

from .conftest import CORPUS, TOPICS, FakeEmbedder

DIGESTS = Path(__file__).parent / "data" / "digests-2024.jsonl"  # a Press Review and a Review of Rodong Sinmun
THEMES = list(TOPICS)


def captures_of(path: Path):
    with open(path, encoding="utf-8") as fh:
        return [capture_from_record(json.loads(line), path, i) for i, line in enumerate(fh, 1)]


def test_kcnas_digests_are_recognised_and_no_other_corpus_article_is_taken_for_one():
    assert [is_digest(c.embed_text) for c in captures_of(DIGESTS)] == [True, True]
    found = [(c.published, c.title) for c in captures_of(CORPUS) if is_digest(c.embed_text)]
    # 440 real articles of 2011, 2015-2017 and 2024: the two digests among them, and nothing else
    assert found == [("2024-08-19", "Review of Rodong Sinmun"), ("2024-08-03", "Press Review")]


def test_a_digest_is_known_by_its_shape_without_kcnas_words():
    items = "\n".join(f"- Item {k} about the new houses and the harvest." for k in range(6))
    assert is_digest(classifier_text(f"Newspapers today:\n{items}", "Today's papers"))
    assert not is_digest(classifier_text(f"Newspapers today:\n{items}", None).replace("- ", "", 3))


def test_a_list_of_one_events_results_is_not_a_digest():
    results = "\n".join(f"- Senior event {k}\nFirst; Player {k} (DPRK)\nSecond; Player {k + 1} (China)"
                        for k in range(6))
    text = classifier_text(f"The tournament closed on Sunday.\nThe following is the results:\n{results}\n"
                           "Medals were awarded.", "Results of the Pyongyang Open")
    assert not is_digest(text)


def digest_about(theme: str) -> str:
    items = "\n".join(f"- {TOPICS[theme]} {k}." for k in range(6))
    return classifier_text(f"Following are major news items and articles in leading newspapers of the DPRK:\n{items}",
                           "Press Review")


def test_a_digest_scores_zero_on_every_theme_unless_the_rule_is_off(fake_labelled, fake_classifier):
    texts, Y = fake_labelled
    digests = [digest_about(t) for t in THEMES]
    unruled = ThemeClassifier(embedder=FakeEmbedder(), themes=THEMES, digest_rule=False).fit(texts, Y)
    assert (fake_classifier.predict_proba(digests) == 0).all() and not fake_classifier.predict(digests).any()
    assert (np.diag(unruled.predict(digests)) == 1).all()  # without the rule, each item's theme is tagged
    assert np.array_equal(fake_classifier.predict_proba(texts), unruled.predict_proba(texts))  # nothing else moves

