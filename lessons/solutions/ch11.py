"""Chapter 11, LSTM, GRU and Text Autocompletion: worked solutions to
`lessons.exercises.ch11`. Hints first!"""
import numpy as np


def lstm_parameters(n, m):
    """Four gates, each n units with n + m inputs and a bias."""
    return n * 4 * (n + m + 1)


# Step 1 keeps e (0.5) and a (0.3); step 2's candidates: "e " 0.30, "er" 0.15, "at" 0.21,
# "an" 0.06; the best two:
BEAM_KEPT = {"e ": 0.5 * 0.6, "at": 0.3 * 0.7}

# p^(1/T) at T = 0.5 is p squared, normalised
P_AT_HALF = np.array([0.36, 0.09, 0.01]) / 0.46
