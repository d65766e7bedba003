"""The compiled TER edit count is sacrebleu's, value for value (pipeline/metrics/ter_count.py)."""

import random

import pytest
from sacrebleu.metrics.lib_ter import translation_edit_rate

from pipeline.metrics.ter_count import edits


def _random_pairs(n: int, seed: int = 0):
    # Tiny vocabularies make many matching spans: many shifts, many ties between candidates,
    # and long pairs that reach the cap of 1,000 shift candidates.
    rng = random.Random(seed)
    for _ in range(n):
        vocab = rng.choice([2, 3, 5, 20])
        lengths = [rng.choice([0, 1, 3, 10, 25, 40, 80]) for _ in range(2)]
        yield tuple([str(rng.randrange(vocab)) for _ in range(rng.randint(0, k))] for k in lengths)


def test_equals_sacrebleu_on_random_sentences():
    for hyp, ref in _random_pairs(400):
        assert edits(hyp, ref) == translation_edit_rate(hyp, ref)[0], (hyp, ref)


def test_equals_sacrebleu_where_lengths_differ_by_far_and_the_beam_widens():
    # a length ratio above 50 widens sacrebleu's beam; a 200-word hypothesis against 3 words
    rng = random.Random(1)
    for n_h, n_r in [(200, 3), (3, 200), (120, 1), (1, 120), (0, 5), (5, 0)]:
        hyp = [str(rng.randrange(4)) for _ in range(n_h)]
        ref = [str(rng.randrange(4)) for _ in range(n_r)]
        assert edits(hyp, ref) == translation_edit_rate(hyp, ref)[0]


@pytest.mark.parametrize(
    "hyp, ref, expected",
    [
        ("a b c d", "a b e d", 1),  # one substitution
        ("b c a", "a b c", 1),  # one shift of one word
        ("", "a b", 2),  # two insertions
        ("a b", "", 2),  # an empty reference: every hypothesis word
        ("the cat sat", "the cat sat", 0),
    ],
)
def test_counts_by_hand(hyp, ref, expected):
    assert edits(hyp.split(), ref.split()) == expected
