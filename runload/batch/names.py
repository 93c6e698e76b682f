"""Where a batch writes a run's report: ``OUTDIR/runs/<local date>_<slug>-<id>.html``.

The name is a pure function of the run (its local start date, its name or file name, and the first six
hex digits of its store ``run_id``), so a worker process can write the report without asking anyone,
two runs never share a name (two ``easy.fit`` from two folders on the same day differ by the id), and
the dashboard finds the report of a stored run from the ``runs`` table alone.  An unchanged re-run
gives the same name, so reports are replaced, never duplicated.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

__all__ = ["RUNS_FOLDER", "CACHE_FOLDER", "PLOTLY_FILE", "PLOTLY_FROM_RUN", "report_name", "slugify", "source_stem"]

RUNS_FOLDER = "runs"
#: A batch's analyses waiting for their reports (pickles, deleted when the batch ends).
CACHE_FOLDER = ".runload-cache"
PLOTLY_FILE = "plotly.min.js"
#: The shared plotly.js as seen from a report in ``OUTDIR/runs/``.
PLOTLY_FROM_RUN = f"../{PLOTLY_FILE}"
_SLUG_MAX = 40
_RUN_SUFFIX = re.compile(r"\.(fit|gpx|tcx)(\.gz)?$", re.IGNORECASE)


def slugify(text: str, default: str = "run") -> str:
    """Lowercase ASCII letters, digits and single ``-``, at most 40 characters.

    Examples
    --------
    >>> slugify("Morning Run <Köln> #3")
    'morning-run-koln-3'
    >>> slugify("???")
    'run'
    """
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:_SLUG_MAX].rstrip("-") or default


def source_stem(source: str) -> str:
    """The file name of a source without folders, archive path and run extension.

    Examples
    --------
    >>> source_stem("export.zip!activities/123.fit.gz")
    '123'
    """
    base = source.replace("\\", "/").rsplit("!", 1)[-1].rsplit("/", 1)[-1]
    return _RUN_SUFFIX.sub("", base)


def report_name(run_id: str, source: str, name: str | None, start_local, session_index: int = 0) -> str:
    """The report file name (inside ``OUTDIR/runs/``) of one stored run.

    Parameters
    ----------
    run_id : str
        The store's run id (:func:`runload.store.run_id`).
    source : str
        Where the file was found.
    name : str or None
        The run's own name (from the file or activities.csv); the file name when missing.
    start_local : datetime-like or None
        The run's local start (wall clock); ``undated`` when unknown.
    session_index : int
        0-based session of the file; ``-run2`` … is added for later sessions.

    Examples
    --------
    >>> report_name("3fa2c1d0e9b8a7f6", "runs/easy.fit", None, "2024-05-06 08:30")
    '2024-05-06_easy-3fa2c1.html'
    """
    if not isinstance(name, str) or not name.strip():  # None, or NaN from a store query
        name = None
    slug = slugify(name or source_stem(source))
    if session_index:
        slug += f"-run{int(session_index) + 1}"
    when = None if start_local is None else pd.Timestamp(start_local)
    date = "undated" if when is None or pd.isna(when) else when.strftime("%Y-%m-%d")
    return f"{date}_{slug}-{run_id[:6]}.html"
