"""Shared fixtures: the real run files in ../shared/data and their catalogue.

Tests that need the shared data skip with a clear reason when it is absent, except under ``CI=true``,
where its absence fails the run (CI always has ../shared beside the clone).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
SHARED_DATA_DIR = Path(os.environ.get("RUNLOAD_SHARED_DATA", PROJECT_DIR.parent / "shared" / "data"))
SAMPLE_RUNS_DIR = PROJECT_DIR / "sample_runs"


def _catalog() -> dict | None:
    path = SHARED_DATA_DIR / "catalog.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text())


CATALOG = _catalog()


def require_shared_data() -> dict:
    """Return the catalogue, or skip (fail under CI) when ../shared/data is missing."""
    if CATALOG is None:
        reason = f"real run files not found at {SHARED_DATA_DIR} (set RUNLOAD_SHARED_DATA)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + "; under CI=true they are required")
        pytest.skip(reason)
    return CATALOG


def catalog_entries(**match) -> list[dict]:
    """Catalogue entries whose keys equal ``match`` (empty when the data is absent)."""
    if CATALOG is None:
        return []
    return [e for e in CATALOG["files"] if all(e.get(k) == v for k, v in match.items())]


def entry_id(entry: dict) -> str:
    return entry["path"].split("/", 1)[1] if "/" in entry["path"] else entry["path"]


def shared_params(entries: list[dict]):
    """pytest params over catalogue entries; one placeholder that skips/fails when the data is absent."""
    if not entries:
        return [pytest.param(None, id="shared-data-missing")]
    return [pytest.param(e, id=entry_id(e)) for e in entries]


@pytest.fixture
def shared_data() -> Path:
    require_shared_data()
    return SHARED_DATA_DIR


@pytest.fixture
def catalog() -> dict:
    return require_shared_data()


def entry_path(entry: dict | None) -> Path:
    """Path of a catalogue entry; skips (or fails under CI) when the data is absent."""
    if entry is None:
        require_shared_data()
        pytest.fail("catalogue present but the parametrised entry list was empty")
    return SHARED_DATA_DIR / entry["path"]


# Debian's Chromium, driven by playwright, for every test that opens a page (reports, dashboard).  The
# flags keep it off the network: this machine has none but the package registries.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + "; under CI=true the browser tests are required")
        pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()
