"""The book's code-block slimming (book/_ext/lean_code.py) keeps the text and the other colours."""
import html
import importlib.util
import re
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "lean_code", Path(__file__).resolve().parents[1] / "book" / "_ext" / "lean_code.py")
lean_code = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lean_code)

BLOCK = ('<p><span class="n">prose</span></p><div class="highlight-ipython3 notranslate"><div class="highlight"><pre>'
         '<span></span><span class="n">x</span><span class="w"> </span><span class="o">=</span>'
         '<span class="w"> </span><span class="n">np</span><span class="o">.</span><span class="n">exp</span>'
         '<span class="p">(</span><span class="o">-</span><span class="mi">1</span><span class="p">)</span>'
         '<span class="w">  </span><span class="c1"># a &lt;comment&gt;</span>\n'
         '<span class="k">for</span><span class="w"> </span><span class="n">i</span></pre></div></div>')


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_text_is_unchanged_and_plain_spans_are_gone():
    lean = lean_code.unwrap_plain_tokens(BLOCK)
    assert text_of(lean) == text_of(BLOCK)
    code = lean.split("<pre>")[1]
    assert not re.search(r'<span class="[npw]">', code)
    for kept in ('<span class="o">=</span>', '<span class="mi">1</span>', '<span class="k">for</span>',
                 '<span class="c1"># a &lt;comment&gt;</span>'):
        assert kept in lean


def test_spans_outside_code_blocks_are_left_alone():
    assert lean_code.unwrap_plain_tokens(BLOCK).startswith('<p><span class="n">prose</span></p>')
