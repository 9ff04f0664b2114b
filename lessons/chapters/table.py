"""The course's chapters: one table of numbers and titles.

Every "Chapter NN, Title" tag in lessons/ and widgets/ and every row of the README's chapter
table is checked against it (tests/infrastructure/test_chapter_table.py). A chapter's code sits
beside it: lessons/chapters/chNN_*.py, lessons/exercises/chNN.py, lessons/solutions/chNN.py,
notebooks/NN_*.ipynb and tests/chapters/chNN/ (pytest marker chNN).
"""
CHAPTERS = {
    1: "The Perceptron",
    2: "Gradient-Based Learning",
    3: "Sigmoid Neurons and Backpropagation",
    4: "Multiclass Classification",
    5: "Toward Deep Learning",
    6: "Regression and Regularization",
    7: "Convolution",
    8: "Training CNNs",
    9: "Deeper CNNs",
    10: "RNNs",
    11: "LSTM, GRU and Text",
    12: "Language Models and Embeddings",
    13: "Seq2seq and Attention",
    14: "The Transformer",
}


def tag(number):
    """The tag a module of chapter `number` starts its docstring with: 'Chapter 07, Convolution'."""
    return f"Chapter {number:02d}, {CHAPTERS[number]}"


def marker(number):
    """The pytest marker of chapter `number`'s tests: 'ch07'."""
    return f"ch{number:02d}"
