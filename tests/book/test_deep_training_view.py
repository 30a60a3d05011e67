"""Chapter 5's deep-training explorer, as the browser draws it: every panel shows its data.

The view once drew an empty loss panel for every network: it read the (starts, epochs) array
of losses as one flat array, but an array that small reaches the page as nested lists, so every
value was undefined. The other tests only see that the figure changes when a control moves.
"""
from __future__ import annotations

import pytest

from .test_explorers_web import CHAPTERS, explorer_specs, wait_for_explorers

PAGE = next((relative for relative in CHAPTERS if relative.endswith("05_relu_vs_sigmoid.html")), None)

LINES_OF_PANEL = """([figure, title]) => {
  // The drawn line marks of the panel whose title starts with `title`: how many points each has.
  const panel = Array.from(figure.querySelectorAll('.nnlib-panel'))
    .find(p => p.querySelector('.nnlib-panel-title').textContent.startsWith(title));
  if (!panel) return null;
  return Array.from(panel.querySelectorAll('g[aria-label="line"] path'))
    .map(path => (path.getAttribute('d') || '').includes('NaN') ? -1
                 : ((path.getAttribute('d') || '').match(/[ML]/g) || []).length);
}"""


@pytest.mark.skipif(PAGE is None, reason="chapter 5 is not in the built book")
def test_every_network_draws_its_loss_curve_and_learning_speeds(open_page):
    specs = explorer_specs(PAGE)
    index = next(k for k, spec in enumerate(specs) if spec["view"] == "depth-training")
    page, watch = open_page(PAGE)
    wait_for_explorers(page)
    explorer = page.query_selector_all("figure.nnlib-explorer")[index]
    explorer.scroll_into_view_if_needed()
    figure = explorer.query_selector(".nnlib-figure")
    select = explorer.query_selector("select")          # the first control: the network
    networks = select.evaluate("el => Array.from(el.options).map(o => o.value)")
    epochs = len(next(c for c in specs[index]["controls"] if c["name"] == "epoch")["values"])
    for network in networks:
        before = figure.inner_html()
        if select.evaluate("el => el.value") != network:
            select.select_option(network)
            page.wait_for_function("([f, html]) => f.innerHTML !== html", arg=[figure, before], timeout=10000)
        loss = page.evaluate(LINES_OF_PANEL, [figure, "loss on the 200"])
        speeds = page.evaluate(LINES_OF_PANEL, [figure, "learning speed"])
        assert loss == [epochs], f"{network}: loss panel draws {loss} points, expected one line of {epochs}"
        assert speeds and all(points >= epochs for points in speeds), f"{network}: learning speeds {speeds}"
    assert not watch.errors, watch.errors
