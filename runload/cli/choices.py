"""The choices of command-line options whose library lists live in heavy modules.

``runload analyze --help`` must not import pandas to print ``[metric|imperial]``, so the option lists are
spelled here; the library keeps the authority (it validates every value) and
``tests/cli/test_lazy_cli.py`` fails as soon as a list here differs from the library's.  The FIT decoders
are not copied: their names and default come from :mod:`runload.io.fit_decode`, the one place H1's decoder
switch changes.
"""

from __future__ import annotations

__all__ = ["UNIT_SYSTEMS", "GAIT_SOURCES"]

#: :data:`runload.report.units.UNIT_SYSTEMS`, in its order (``--units``).
UNIT_SYSTEMS = ("metric", "imperial")
#: :data:`runload.gait.GAIT_SOURCES`, in its order (``--gait-source``).
GAIT_SOURCES = ("auto", "device", "model")
