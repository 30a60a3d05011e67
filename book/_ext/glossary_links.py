"""Let plain Markdown links reach glossary terms: ``[neuron](#term-neuron)``.

A chapter is read in JupyterLab as well as in the web book, and JupyterLab shows MyST's
``{term}`` role as raw text. A plain link reads naturally in both: in JupyterLab it is a
link, in the web book this extension points it at the glossary entry. The anchor is the
one Sphinx gives the term: ``term-`` and the term with hyphens for spaces and punctuation.
Sphinx keeps the term's capitals in the anchor (``term-ReLU``), while chapters write it in
lower case as the chapter guide says (``#term-relu``), so the match ignores case. A link to
a term the glossary does not define is left to MyST, which warns, so the build (``-n -W``)
fails on it.
"""
from __future__ import annotations

from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.nodes import make_refnode


class GlossaryLinks(SphinxPostTransform):
    default_priority = 5  # before MyST resolves (and warns about) its own links

    def run(self, **kwargs):
        terms = {labelid.lower(): (docname, labelid, name) for (kind, name), (docname, labelid)
                 in self.env.get_domain("std").objects.items() if kind == "term"}
        for node in list(self.document.findall(addnodes.pending_xref)):
            target = node.get("reftarget", "").lower()
            if node.get("reftype") != "myst" or target not in terms:
                continue
            docname, labelid, name = terms[target]
            contnode = node[0].deepcopy() if node.children else None
            node.replace_self(make_refnode(self.app.builder, node.get("refdoc", self.env.docname),
                                           docname, labelid, contnode, name))


def setup(app):
    app.add_post_transform(GlossaryLinks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
