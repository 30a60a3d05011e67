"""Static checks of the built site: size budgets and no assets from other hosts."""
import re

import pytest

from ..test_lean_code import lean_code
from .conftest import ROOT, SITE, chapter_pages, html_pages

PAGE_BUDGET = 2_000_000
SITE_BUDGET = 60_000_000
EXTERNAL = re.compile(
    r"""<(?:script|img|source|iframe)\b[^>]*\bsrc=["'](?:https?:)?//"""
    r"""|<link\b(?=[^>]*\brel=["'](?:stylesheet|preload|modulepreload|icon)["'])[^>]*\bhref=["'](?:https?:)?//""",
    re.IGNORECASE)
CSS_EXTERNAL = re.compile(r"""url\(\s*["']?(?:https?:)?//|@import\s+["']?(?:url\()?["']?https?:""", re.IGNORECASE)


def test_every_chapter_is_built(site):
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    built = sorted(p.stem for p in chapter_pages())
    assert built == notebooks


@pytest.mark.parametrize("page", html_pages(), ids=lambda p: str(p.relative_to(SITE)))
def test_page_within_budget_and_self_contained(page):
    assert page.stat().st_size < PAGE_BUDGET, f"{page.name}: {page.stat().st_size / 1e6:.2f} MB"
    text = page.read_text(encoding="utf-8")
    hits = [m.group(0) for m in EXTERNAL.finditer(text)]
    assert not hits, hits[:3]
    assert "cdn.jsdelivr" not in text and "unpkg.com" not in text


def test_stylesheets_load_no_remote_fonts(site):
    offenders = [str(css.relative_to(site)) for css in site.rglob("*.css")
                 if CSS_EXTERNAL.search(css.read_text(encoding="utf-8", errors="replace"))]
    assert not offenders


def test_site_within_budget(site):
    total = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    assert total < SITE_BUDGET, f"site is {total / 1e6:.1f} MB"


def test_chapters_offer_notebook_download_and_launch_buttons(site):
    for page in chapter_pages():
        text = page.read_text(encoding="utf-8")
        assert f"_sources/notebooks/{page.stem}.ipynb" in text, page.name
        assert "colab.research.google.com" in text and "mybinder.org" in text, page.name


def test_figures_have_alt_text(site):
    missing = []
    for page in chapter_pages():
        for tag in re.findall(r"<img\b[^>]*>", page.read_text(encoding="utf-8")):
            if not re.search(r'\balt="[^"]+"', tag):
                missing.append(f"{page.name}: {tag[:120]}")
    assert not missing, missing[:5]


def test_unwrapped_code_tokens_are_coloured_like_plain_code(site):
    """book/_ext/lean_code.py drops the spans of some token classes: the theme must colour them
    exactly like the code block's own text, in light and in dark mode, or colours would be lost."""
    css = (site / "_static" / "pygments.css").read_text(encoding="utf-8")
    for theme in ("light", "dark"):
        base = re.search(r'html\[data-theme="%s"\] \.highlight \{[^}]*color: (#\w+)' % theme, css)
        assert base, f"no base colour for code in the {theme} theme"
        for token in lean_code.PLAIN_TOKENS:
            rule = re.search(r'html\[data-theme="%s"\] \.highlight \.%s \{([^}]*)\}' % (theme, token), css)
            declared = rule.group(1).strip() if rule else ""
            assert declared in ("", f"color: {base.group(1)}"), (theme, token, declared)


def test_code_blocks_carry_no_plain_token_spans(site):
    page = (site / "notebooks" / "08_initialisation_and_regularisation.html").read_text(encoding="utf-8")
    blocks = re.findall(r'<div class="highlight[^"]*"><pre>(.*?)</pre>', page, re.DOTALL)
    assert len(blocks) > 20
    assert not any(re.search(r'<span class="[npw]">', block) for block in blocks)
    assert any('<span class="k">' in block for block in blocks)        # keywords keep their colour
