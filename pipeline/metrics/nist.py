"""NIST (Doddington 2002) as the E2E kit computes it: n = 5, mteval-v13a tokenisation,
case-insensitive, information weights from the references of the whole evaluated set.

    info(w1..wn) = log2( count(w1..wn-1) / count(w1..wn) ),  count() = total reference words
    NIST = BP * sum_n [ sum over hypothesis n-gram hits of info / number of hypothesis n-grams ]
    BP   = exp(-beta * log(min(1, sys_len / ref_len))^2),  beta = -ln 0.5 / ln(1.5)^2

A hit is a hypothesis n-gram clipped by its largest count in any single reference. The two
protocols differ only in ``ref_len`` (docs/metrics.md):
- ``perl`` (mteval-v13a.pl, the official kit's default): total reference words divided by the
  mean number of references per instance;
- ``python`` (the kit's ``-p`` port, which the paper's code used): the sum over instances of
  each instance's mean reference length.
"""

from __future__ import annotations

import math
from collections import Counter

from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

BETA = -math.log(0.5) / math.log(1.5) ** 2
_tok13a = Tokenizer13a()


def tokenize(text: str) -> list[str]:
    return _tok13a(text.lower()).split()


def _ngrams(tokens: list[str], n: int) -> Counter:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def corpus_nist(
    hypotheses: list[str], references: list[list[str]], max_n: int = 5, protocol: str = "perl"
) -> float:
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses for {len(references)} reference sets")
    hyps = [tokenize(h) for h in hypotheses]
    refs = [[tokenize(r) for r in rs] for rs in references]

    # Reference n-gram counts over the whole set; the empty 0-gram counts reference words.
    ref_counts: Counter = Counter()
    n_ref_words = n_refs = 0
    per_instance_mean = 0.0
    for rs in refs:
        for r in rs:
            for n in range(1, max_n + 1):
                ref_counts.update(_ngrams(r, n))
        lengths = [len(r) for r in rs]
        n_ref_words += sum(lengths)
        n_refs += len(rs)
        per_instance_mean += sum(lengths) / len(rs)
    ref_counts[()] = n_ref_words

    def info(ngram: tuple) -> float:
        return math.log2(ref_counts[ngram[:-1]] / ref_counts[ngram])

    gain = [0.0] * (max_n + 1)
    hyp_ngrams = [0] * (max_n + 1)
    for h, rs in zip(hyps, refs):
        for n in range(1, max_n + 1):
            h_counts = _ngrams(h, n)
            hyp_ngrams[n] += sum(h_counts.values())
            max_ref: Counter = Counter()
            for r in rs:
                max_ref |= _ngrams(r, n)
            for ngram, c in h_counts.items():
                hits = min(c, max_ref[ngram])
                if hits:
                    gain[n] += hits * info(ngram)
    score = sum(gain[n] / hyp_ngrams[n] for n in range(1, max_n + 1) if hyp_ngrams[n])

    if protocol == "perl":
        ref_len = n_ref_words / (n_refs / len(refs))
    elif protocol == "python":
        ref_len = per_instance_mean
    else:
        raise ValueError(f"unknown NIST protocol {protocol!r} (perl | python)")
    ratio = sum(len(h) for h in hyps) / ref_len
    bp = 1.0 if ratio >= 1 else (0.0 if ratio <= 0 else math.exp(-BETA * math.log(ratio) ** 2))
    return bp * score
