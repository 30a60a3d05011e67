"""Chapter 4 restates "the class you wrote in chapter 2": the two must not drift apart."""
import json
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def cell_defining(notebook: str, start: str) -> str:
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    found = [s for s in sources if start in s]
    assert len(found) == 1, f"{notebook}: expected one code cell containing {start!r}, found {len(found)}"
    return found[0]


def block(source: str, start: str, end: str) -> str:
    """The text from the line that starts with ``start`` up to (not including) ``end``."""
    begin = source.index(start)
    return source[begin:source.index(end, begin)].rstrip()


def test_chapter_4_restates_chapter_2s_class_and_sigmoid_unchanged():
    chapter2 = cell_defining("02_forward_pass.ipynb", "class NeuralNetwork:")
    chapter4 = cell_defining("04_backpropagation.ipynb", "class NeuralNetwork:")
    # __init__ and forward, as written in chapter 2, open the class of chapter 4 word for word.
    assert block(chapter2, "class NeuralNetwork:", "\n\n\n") == block(chapter4, "class NeuralNetwork:", "\n    def loss")
    sigmoid2 = cell_defining("02_forward_pass.ipynb", "def sigmoid(z):")
    assert block(sigmoid2, "def sigmoid(z):", "\n\n\n") == block(chapter4, "def sigmoid(z):", "\n\n\n")
