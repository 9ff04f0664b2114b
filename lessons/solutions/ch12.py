"""Chapter 12, Language Models and Embeddings: worked solutions to `lessons.exercises.ch12`.
Hints first!"""
import numpy as np

# "the" is followed by cat, mat, cat: two of its three continuations are "cat"
P_CAT_GIVEN_THE = 2 / 3


def sgns_grad_v(v, U, labels):
    """dL/dv = sum over targets of (sigmoid(u_t . v) - label_t) u_t."""
    return (1 / (1 + np.exp(-(U @ v))) - labels) @ U


# {the, king, is, dead} and {long, live, the, king}: 2 shared of 6 distinct
JACCARD = 2 / 6
