"""Sphinx configuration of runload's documentation: ``make docs`` builds it into docs/_build/html.

- API reference: autodoc + numpydoc over ``runload.__all__`` (docs/api.rst; tests/test_public_api.py
  checks every export is listed and documented);
- the three notebooks (docs/notebooks → ../notebooks), rendered by myst-nb and **executed at build time**
  so their plotly figures are in the pages (cached in _build/.jupyter_cache: an unchanged notebook is not
  run again); they read the repository's sample_runs/ and write into a temporary folder removed at exit;
- the Markdown pages (myst-parser), including the README's command-line and methods sections.

No network: no intersphinx, plotly.js is embedded by the notebooks' renderer.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

import runload  # noqa: E402

project = "runload"
author = "runload developers"
copyright = "runload developers"  # noqa: A001
version = release = runload.__version__

extensions = [
    "sphinx.ext.autodoc",
    "numpydoc",
    "myst_nb",  # registers myst_parser for the .md pages as well
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "notebooks/.ipynb_checkpoints", "**/.ipynb_checkpoints"]
root_doc = "index"

# API reference: signatures keep their annotations; numpydoc renders Parameters/Returns; class members are
# documented where docs/api.rst asks for them, not as autosummary tables (they would need stub pages).
autodoc_typehints = "signature"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Notebooks: executed (cache mode), in a temporary folder, an error fails the build.
nb_execution_mode = "cache"
nb_execution_cache_path = str(DOCS / "_build" / ".jupyter_cache")
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_in_temp = True
_out = tempfile.mkdtemp(prefix="runload-docs-")
atexit.register(shutil.rmtree, _out, ignore_errors=True)
os.environ["RUNLOAD_SAMPLE_RUNS"] = str(ROOT / "sample_runs")
os.environ["RUNLOAD_NOTEBOOK_OUT"] = _out

myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
# The README is written for GitHub: its sections start at "##" inside our pages' "#" headings.  plotly's
# notebook output carries its own mimetype (for JupyterLab) beside the HTML the pages use: myst-nb reports
# the former as unknown while it parses, then renders the HTML.
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type"]

html_theme = "alabaster"
html_title = f"runload {release}"
html_static_path: list[str] = []
html_theme_options = {"description": "What a run did to the body, from the files running watches export.",
                      "page_width": "1240px", "fixed_sidebar": False}


# plotly's notebook renderer puts a MathJax <script src> from a CDN before every figure (its HTML output
# hard-codes it); the figures do not use MathJax, and the pages must work offline.  Drop those tags from
# the written pages and fail the build if any other page loads a remote script.
_CDN_MATHJAX = re.compile(r'<script src="https://cdnjs\.cloudflare\.com/ajax/libs/mathjax/[^"]+"></script>')
_REMOTE_SCRIPT = re.compile(r'<script[^>]+src="(?:https?:)?//')


def _offline_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    remote = []
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        cleaned = _CDN_MATHJAX.sub("", text)
        if cleaned != text:
            page.write_text(cleaned, encoding="utf-8")
        if _REMOTE_SCRIPT.search(cleaned):
            remote.append(str(page.relative_to(app.outdir)))
    if remote:
        raise RuntimeError(f"pages load remote scripts (the documentation must work offline): {remote}")


def setup(app):
    app.connect("build-finished", _offline_pages)
