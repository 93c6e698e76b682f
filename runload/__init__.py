"""runload: what a run did to the body, from the files running watches export.

Public API (imported lazily, so ``import runload`` stays fast and plotly loads only for reports)::

    run = runload.read_run("morning.fit")
    analysis = runload.analyze_run(run, profile=runload.AthleteProfile(height_m=1.80))
    runload.write_report(analysis, "morning.html")
"""

from __future__ import annotations

from .lazy import lazy_attributes

__version__ = "0.1.0"

_EXPORTS = {
    "read_run": "runload.io",
    "read_runs": "runload.io",
    "Run": "runload.run",
    "RunMeta": "runload.run",
    "WatchTotals": "runload.run",
    "summarize_run": "runload.summary",
    "AthleteProfile": "runload.profile",
    "load_profile": "runload.profile",
    "save_profile": "runload.profile",
    "Analysis": "runload.analysis",
    "analyze_run": "runload.pipeline",
    "analyze_file": "runload.pipeline",
    "calibrate_profile": "runload.calibrate",
    "write_report": "runload.report",
    "write_reports": "runload.report",
    "process_log": "runload.batch",
    "open_log": "runload.store",
    "export_parquet": "runload.store",
    "simulate_run": "runload.simulate",
    "write_sample_runs": "runload.simulate",
    "RunloadError": "runload.errors",
    "UnsupportedFormatError": "runload.errors",
    "CorruptFileError": "runload.errors",
    "NotARunError": "runload.errors",
    "EmptyRunError": "runload.errors",
    "TooManyRunsError": "runload.errors",
    "ArchiveError": "runload.errors",
    "MissingColumnError": "runload.errors",
    "InvalidMethodError": "runload.errors",
    "StoreError": "runload.errors",
    "StoreLockedError": "runload.errors",
    "RunloadWarning": "runload.errors",
    "TruncatedFileWarning": "runload.errors",
}

__all__ = ["__version__", *_EXPORTS]


__getattr__, __dir__ = lazy_attributes(globals(), _EXPORTS)
