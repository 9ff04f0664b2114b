"""What chapter 11's tests share: a character model small enough to train in a second."""
import pytest

from lessons.chapters import ch11_text as c


@pytest.fixture(scope="module")
def tiny_run():
    text = c.prepare_text("To be, or not to be, that is the question:\n  Whether 'tis nobler "
                          "in the mind to suffer the slings and arrows ") * 20
    vocab = c.Vocabulary(text)
    ids = vocab.encode(text)
    model, history = c.train_char_lstm(ids, len(vocab), n=8, B=4, T=8, passes=1, seed=0,
                                       every=10)
    return dict(text=text, vocab=vocab, model=model, history=history)
