"""sacrebleu's TER edit count, compiled: ``edits(hyp_words, ref_words)`` returns what
``sacrebleu.metrics.lib_ter.translation_edit_rate`` returns, 20-100x faster.

Why: sacrebleu's pure-Python shift search took 99 of the 126 s that scoring DART's 5,097 lines
cost here. This is the same algorithm step for step — a beam-limited Levenshtein with Tercom's
operation preferences, greedy shifts ranked (gain, longest, earliest start, earliest target),
at most 1,000 shift candidates per sentence pair — on integer word ids under numba.
sacrebleu's prefix cache is left out: every call within one pair has the same hypothesis length,
hence the same beam, so the cache saves time and never changes a value. Equality with sacrebleu
is a test (random sentences over tiny vocabularies, which maximise shifts and ties).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# sacrebleu.metrics.lib_ter's limits (Tercom's, plus sacrebleu's candidate cap).
MAX_SHIFT_SIZE = 10
MAX_SHIFT_DIST = 50
BEAM_WIDTH = 25
MAX_SHIFT_CANDIDATES = 1000
INF = 10**16

NOP, SUB, INS, DEL, UNDEF = 0, 1, 2, 3, 4


@njit(cache=True)
def _edit_distance(hyp, ref):
    """Beam-limited Levenshtein of hyp (rows) into ref (columns): (distance, trace of ops)."""
    n_h, n_r = hyp.shape[0], ref.shape[0]
    dist = np.full((n_h + 1, n_r + 1), INF, dtype=np.int64)
    op = np.full((n_h + 1, n_r + 1), UNDEF, dtype=np.int8)
    for j in range(n_r + 1):
        dist[0, j] = j
        op[0, j] = INS
    ratio = n_r / n_h if n_h > 0 else 1.0
    beam = BEAM_WIDTH
    if BEAM_WIDTH < ratio / 2:
        beam = math.ceil(ratio / 2 + BEAM_WIDTH)
    for i in range(1, n_h + 1):
        diag = math.floor(i * ratio)
        lo = max(0, diag - beam)
        hi = min(n_r + 1, diag + beam)
        if i == n_h:
            hi = n_r + 1
        for j in range(lo, hi):
            if j == 0:
                dist[i, 0] = dist[i - 1, 0] + 1
                op[i, 0] = DEL
                continue
            # Tercom's preference on ties: no-op/substitution, then deletion, then insertion
            # (sacrebleu's order; the trace is flipped before alignment).
            c = dist[i - 1, j - 1] + (0 if hyp[i - 1] == ref[j - 1] else 1)
            if dist[i, j] > c:
                dist[i, j] = c
                op[i, j] = NOP if hyp[i - 1] == ref[j - 1] else SUB
            c = dist[i - 1, j] + 1
            if dist[i, j] > c:
                dist[i, j] = c
                op[i, j] = DEL
            c = dist[i, j - 1] + 1
            if dist[i, j] > c:
                dist[i, j] = c
                op[i, j] = INS
    trace = np.empty(n_h + n_r, dtype=np.int8)
    k = n_h + n_r
    i, j = n_h, n_r
    while i > 0 or j > 0:
        o = op[i, j]
        k -= 1
        trace[k] = o
        if o == NOP or o == SUB:
            i -= 1
            j -= 1
        elif o == INS:
            j -= 1
        elif o == DEL:
            i -= 1
        else:
            raise ValueError("TER: undefined edit operation on the trace")
    return dist[n_h, n_r], trace[k:]


@njit(cache=True)
def _perform_shift(words, start, length, target):
    """Move words[start:start+length] before position target (sacrebleu's three cases)."""
    if target < start:
        parts = (
            words[:target],
            words[start : start + length],
            words[target:start],
            words[start + length :],
        )
    elif target > start + length:
        parts = (
            words[:start],
            words[start + length : target],
            words[start : start + length],
            words[target:],
        )
    else:
        parts = (
            words[:start],
            words[start + length : length + target],
            words[start : start + length],
            words[length + target :],
        )
    return np.concatenate(parts)


@njit(cache=True)
def _best_shift(hyp, ref, checked):
    """One round of the shift search: (gain, shifted hyp, candidates checked so far)."""
    n_h, n_r = hyp.shape[0], ref.shape[0]
    pre_score, inv_trace = _edit_distance(hyp, ref)
    # Alignment from the flipped trace (reference rewritten into hypothesis).
    align = np.full(n_r, -1, dtype=np.int64)
    ref_err = np.zeros(n_r, dtype=np.int64)
    hyp_err = np.zeros(n_h, dtype=np.int64)
    p_h, p_r = -1, -1
    for o in inv_trace:
        if o == NOP or o == SUB:
            p_h += 1
            p_r += 1
            align[p_r] = p_h
            if o == SUB:
                hyp_err[p_h] = 1
                ref_err[p_r] = 1
        elif o == DEL:  # flipped: an insertion into the hypothesis
            p_h += 1
            hyp_err[p_h] = 1
        else:  # INS flipped: a deletion from the reference
            p_r += 1
            align[p_r] = p_h
            ref_err[p_r] = 1

    found = False
    b_score, b_len, b_start, b_idx = 0, 0, 0, 0
    best = hyp
    for start_h in range(n_h):
        for start_r in range(n_r):
            if abs(start_r - start_h) > MAX_SHIFT_DIST:
                continue
            length = 0
            while length < MAX_SHIFT_SIZE and hyp[start_h + length] == ref[start_r + length]:
                length += 1
                # Candidate (start_h, start_r, length), filtered as sacrebleu does.
                if (
                    hyp_err[start_h : start_h + length].sum() != 0
                    and ref_err[start_r : start_r + length].sum() != 0
                    and not (start_h <= align[start_r] < start_h + length)
                ):
                    prev_idx = -1
                    for offset in range(-1, length):
                        if start_r + offset == -1:
                            idx = 0
                        elif start_r + offset < n_r:
                            idx = align[start_r + offset] + 1
                        else:
                            break
                        if idx == prev_idx:
                            continue
                        prev_idx = idx
                        shifted = _perform_shift(hyp, start_h, length, idx)
                        score = pre_score - _edit_distance(shifted, ref)[0]
                        checked += 1
                        # Ranking: gain, then longest, earliest start, earliest target.
                        better = not found
                        if found:
                            if score != b_score:
                                better = score > b_score
                            elif length != b_len:
                                better = length > b_len
                            elif start_h != b_start:
                                better = start_h < b_start
                            else:
                                better = idx < b_idx
                        if better:
                            found = True
                            b_score, b_len, b_start, b_idx = score, length, start_h, idx
                            best = shifted
                    if checked >= MAX_SHIFT_CANDIDATES:
                        return (b_score if found else 0), best, checked
                if n_h == start_h + length or n_r == start_r + length:
                    break
    return (b_score if found else 0), best, checked


@njit(cache=True)
def _edits(hyp, ref):
    if ref.shape[0] == 0:
        return hyp.shape[0]
    shifts = 0
    checked = 0
    words = hyp
    while True:
        gain, shifted, checked = _best_shift(words, ref, checked)
        if checked >= MAX_SHIFT_CANDIDATES or gain <= 0:
            break
        shifts += 1
        words = shifted
    return shifts + _edit_distance(words, ref)[0]


def edits(hyp_words: list[str], ref_words: list[str]) -> int:
    """Number of TER edits (shifts + Levenshtein after shifting) turning hyp into ref."""
    ids: dict[str, int] = {}
    as_ids = [
        np.array([ids.setdefault(w, len(ids)) for w in ws], dtype=np.int64)
        for ws in (hyp_words, ref_words)
    ]
    return int(_edits(*as_ids))
