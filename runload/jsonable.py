"""The one JSON cleaner: numpy, pandas, NaN and datetimes → values :func:`json.dumps` writes as strict JSON.

Every JSON runload writes (``inspect --json``, ``analyze --json``, the report's embedded data, the load
table) goes through :func:`jsonable`, so a NaN is always ``null`` and a time is always ISO 8601.
"""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import date, datetime, time, timedelta
from enum import Enum
from pathlib import PurePath

import numpy as np
import pandas as pd

__all__ = ["jsonable", "dumps"]


def jsonable(value):
    """A copy of ``value`` made of dict, list, str, int, float, bool and None only.

    NaN, ±inf, ``pd.NaT`` and ``pd.NA`` → ``None``; numpy scalars → Python scalars; numpy arrays and
    pandas Series → lists; a DataFrame → a list of records; ``datetime``/``pd.Timestamp`` → ISO 8601
    (with its offset when tz-aware); ``timedelta`` → seconds [s]; paths → str; enums → their value;
    dataclasses → dicts; dict keys → str.  Anything else is returned unchanged (``json.dumps`` then
    says what it cannot write).

    Examples
    --------
    >>> jsonable({"pace_s_per_km": np.float64("nan"), "n": np.int64(3), "t": pd.Timestamp("2021-03-22T10:48Z")})
    {'pace_s_per_km': None, 'n': 3, 't': '2021-03-22T10:48:00+00:00'}
    >>> jsonable([1.5, float("inf"), pd.NaT])
    [1.5, None, None]
    """
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return [jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, (pd.Series, pd.Index, np.ndarray)):
        return [jsonable(v) for v in value.tolist()]
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        if isinstance(value, (np.datetime64, np.timedelta64)):
            return jsonable(pd.Timestamp(value) if isinstance(value, np.datetime64) else pd.Timedelta(value))
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Enum):
        return jsonable(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    return value


def dumps(value, **kwargs) -> str:
    """``json.dumps(jsonable(value))`` as strict JSON (``allow_nan=False``: no ``NaN`` ever written).

    Examples
    --------
    >>> dumps({"distance_m": float("nan")})
    '{"distance_m": null}'
    """
    return json.dumps(jsonable(value), allow_nan=False, **kwargs)
