"""Strava bulk export: the ``activities.csv`` that names, types and shoes the activity files.

A Strava bulk export ("Download or Delete Your Account" → "Request your archive") is a zip (or the folder
it unpacks to) holding ``activities/<id>.fit.gz|gpx.gz|tcx.gz|…`` and one ``activities.csv`` row per
activity.  :func:`read_activities_csv` turns that csv into per-file metadata that
:func:`runload.io.archive.discover` attaches to each :class:`~runload.io.archive.Source` as ``extra``;
an activity whose type names another sport explicitly (Ride, Walk, Swim, …) gets a ``skip_reason``
before any file is read, so a batch records it as skipped with its sport.

Columns relied on (header names as Strava writes them; the first column of a repeated name is used —
the csv repeats "Elapsed Time", "Distance" and "Max Heart Rate"):

* ``Filename`` — the activity file, relative to the csv's folder (``activities/123.fit.gz``); rows without
  one (manual entries) describe no file and are ignored.  Required.
* ``Activity ID``, ``Activity Date`` (as written, UTC), ``Activity Name``, ``Activity Type`` — optional.
* ``Activity Gear`` (``Gear`` in older exports) — the shoe's name, for shoe mileage; optional.
"""

from __future__ import annotations

import csv
import io
import posixpath
import warnings
from dataclasses import replace

from ..errors import RunloadWarning
from ._track import sport_kind

__all__ = ["STRAVA_CSV", "COLUMNS", "read_activities_csv", "normalize_filename", "enrich"]

#: File name of the activity list in a Strava bulk export (matched case-insensitively).
STRAVA_CSV = "activities.csv"

#: ``extra`` key → csv header names accepted for it (first found wins).
COLUMNS = {
    "activity_id": ("Activity ID",),
    "date": ("Activity Date",),
    "name": ("Activity Name",),
    "type": ("Activity Type",),
    "gear": ("Activity Gear", "Gear"),
}
_FILENAME = "Filename"


def normalize_filename(name: str) -> str:
    """A member or csv file name in one spelling: forward slashes, no ``./``, no leading slash."""
    norm = posixpath.normpath(name.strip().replace("\\", "/"))
    return norm.lstrip("/") if norm != "." else ""


def read_activities_csv(data: bytes, name: str) -> dict[str, dict[str, str | None]]:
    """Per-file metadata from the bytes of a Strava ``activities.csv``.

    Parameters
    ----------
    data : bytes
        The csv (UTF-8, with or without a byte-order mark).
    name : str
        Display name for warnings.

    Returns
    -------
    dict
        :func:`normalize_filename` of the ``Filename`` column → ``{"activity_id", "date", "name", "type",
        "gear"}`` (``None`` where the column is absent or the cell empty).  Empty when the csv cannot be
        used; a :class:`~runload.errors.RunloadWarning` then says why (the runs are still read, only
        without the names, types and shoes).
    """
    try:
        rows = csv.reader(io.StringIO(data.decode("utf-8-sig")))
        header = next(rows, None)
        if header is None or _FILENAME not in header:
            warnings.warn(f"{name}: no {_FILENAME!r} column, so the activity files cannot be matched to its rows; "
                          "runs are read without their Strava names, types and gear", RunloadWarning, stacklevel=3)
            return {}
        where = {key: next((header.index(h) for h in heads if h in header), None) for key, heads in COLUMNS.items()}
        i_file = header.index(_FILENAME)
        out: dict[str, dict[str, str | None]] = {}
        for row in rows:
            if len(row) <= i_file or not row[i_file].strip():
                continue
            out[normalize_filename(row[i_file])] = {
                key: (row[i].strip() or None) if i is not None and i < len(row) else None for key, i in where.items()
            }
        return out
    except (UnicodeDecodeError, csv.Error) as e:
        warnings.warn(f"{name}: cannot read the activity list ({e}); runs are read without their Strava names, "
                      "types and gear", RunloadWarning, stacklevel=3)
        return {}


def enrich(source, extra: dict[str, str | None]):
    """``source`` with the csv row's metadata as ``extra``, and a ``skip_reason`` when the row's type names
    another sport explicitly (:func:`~runload.io._track.sport_kind` is ``"other"``).  A type that says
    nothing clear ("Workout") is left to the reader, which raises NotARunError if no session is a run."""
    sport = extra.get("type")
    skip = f"not a run (sport: {sport}, from {STRAVA_CSV})" if sport_kind(sport) == "other" else None
    return replace(source, extra=dict(extra), skip_reason=source.skip_reason or skip)
