"""Chapter 13, Seq2seq and Attention: worked solutions to
`lessons.exercises.ch13` (the attention backward is in lessons.solutions.kernels). Hints first!"""
import numpy as np

# scores q . s_i = [2, 0, 1], their softmax
SCORES = np.array([2.0, 0.0, 1.0])
WEIGHTS = np.exp(SCORES) / np.exp(SCORES).sum()

# the weighted sum of s_1 = [1, 1], s_2 = [0, 0], s_3 = [1, 0]
CONTEXT = WEIGHTS @ np.array([[1.0, 1.0], [0.0, 0.0], [1.0, 0.0]])

# START, then the target 4 2 7 without its last symbol
DECODER_INPUT = [10, 4, 2]
