"""Chapter 11, LSTM, GRU and Text: beam search (Ekman, Chapter 11), for any model that gives
the log-probabilities of the next symbol.

Keep the `beam_width` most probable partial sequences; at each step extend every one by its
`beam_width` most probable next symbols, score each candidate by the *sum* of log-probabilities
(a product of probabilities underflows; Ekman L5811), and keep the best `beam_width` of all
candidates. A width-limited breadth-first search: greedy, with no guarantee of finding the
most probable sequence, but far better than taking the single best symbol at each step
(beam width 1).

Python, not a kernel: the work is the model's, and a beam is a handful of candidates.
Ties are broken by the symbols (the smaller index first), so a search is reproducible.
"""
from dataclasses import dataclass

import numpy as np

from lessons.kernels import checks


@dataclass(frozen=True)
class Candidate:
    """One extension at one step: the beam it extends (an index into the previous step's
    kept beams), its symbol, the sequence's total log-probability, and whether it was kept."""

    parent: int
    token: int
    logp: float
    kept: bool


@dataclass(frozen=True)
class BeamResult:
    """beams: the final (log-probability, symbols) pairs, best first; levels: for every step,
    all candidates considered (kept or pruned), for drawing the search tree."""

    beams: tuple
    levels: tuple


def beam_search(step, start_state, beam_width, steps, temperature=1.0):
    """Beam search from one start.

    step(states, tokens) -> (logp[k, V], new_states): the model's log-probabilities of the next
    symbol for k beams, given each beam's state (a list; start_state for the first step) and the
    last symbol each appended (None at the first step); new_states[i] is beam i's state after
    that step. temperature rescales the log-probabilities (log softmax(logp / temperature)).
    """
    f = "beam_search"
    if not callable(step):
        raise TypeError(f"{f}: step must be a function (states, tokens) -> (logp, states)")
    beam_width = checks.number(f, "beam_width", beam_width, low=1, high=64, integer=True)
    steps = checks.number(f, "steps", steps, low=1, high=1000, integer=True)
    temperature = checks.number(f, "temperature", temperature, low=0.0, low_open=True)
    beams = [(0.0, (), start_state)]
    tokens = [None]
    levels = []
    for _ in range(steps):
        logp, states = step([s for _, _, s in beams], tokens)
        logp = checks.array(f, "step's logp", logp, ndim=2, shape="[k, V]", finite=False)
        if logp.shape[0] != len(beams):
            raise ValueError(f"{f}: step returned {logp.shape[0]} rows of log-probabilities "
                             f"for {len(beams)} beams")
        z = logp / temperature
        z = z - z.max(axis=1, keepdims=True)
        z = z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # log softmax, rows sum to 1
        candidates = []
        for i, (total, seq, _) in enumerate(beams):
            best = sorted(range(z.shape[1]), key=lambda j: (-z[i, j], j))[:beam_width]
            candidates += [(total + float(z[i, j]), i, j) for j in best]
        order = sorted(range(len(candidates)),
                       key=lambda c: (-candidates[c][0], beams[candidates[c][1]][1]
                                      + (candidates[c][2],)))
        keep = set(order[:beam_width])
        levels.append(tuple(Candidate(i, j, total, c in keep)
                            for c, (total, i, j) in enumerate(candidates)))
        beams = [(candidates[c][0], beams[candidates[c][1]][1] + (candidates[c][2],),
                  states[candidates[c][1]]) for c in order[:beam_width]]
        tokens = [seq[-1] for _, seq, _ in beams]
    return BeamResult(tuple((total, seq) for total, seq, _ in beams), tuple(levels))
