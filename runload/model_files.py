"""The versioned model files shipped in ``runload/models/`` (``load_v1.toml``, ``muscles_v1.toml``, …).

One reader for every model family: :func:`available_models` lists the versions of a family and
:func:`read_model_file` parses one, so each family's loader only turns the parsed data into its own
dataclass.

Examples
--------
>>> "load_v1" in available_models("load")
True
>>> read_model_file("load_v1", "load")[0]["version"]
'load_v1'
"""

from __future__ import annotations

import sys
from importlib import resources

from .errors import InvalidMethodError, RunloadError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["available_models", "read_model_file"]


def available_models(family: str) -> list[str]:
    """Versions of model ``family`` shipped with runload, e.g. ``["load_v1"]`` for ``"load"``."""
    folder = resources.files("runload") / "models"
    prefix = f"{family}_"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.startswith(prefix) and p.name.endswith(".toml"))


def read_model_file(version: str, family: str) -> tuple[dict, str]:
    """The parsed TOML of model ``version`` of ``family`` and its path for messages.

    Raises
    ------
    InvalidMethodError
        ``version`` is not a shipped version of ``family``.
    RunloadError
        The file is not valid TOML (the message names the file).
    """
    choices = available_models(family)
    if version not in choices:
        raise InvalidMethodError("version", version, choices)
    resource = resources.files("runload") / "models" / f"{version}.toml"
    where = f"runload/models/{version}.toml"
    try:
        return tomllib.loads(resource.read_text(encoding="utf-8")), where
    except tomllib.TOMLDecodeError as e:
        raise RunloadError(where, f"not valid TOML: {e}") from e
