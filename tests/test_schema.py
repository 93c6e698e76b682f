import pandas as pd
import pytest

from runload.errors import MissingColumnError
from runload.schema import COLUMNS, require, validate


def _frame(**cols):
    idx = pd.DatetimeIndex(pd.date_range("2024-05-01 07:00", periods=3, freq="s", tz="UTC"), name="time")
    return pd.DataFrame(cols, index=idx)


def test_every_column_name_carries_a_unit_or_is_a_label():
    for name, col in COLUMNS.items():
        assert col.unit == "" or name.endswith(("_s", "_m", "_mps", "_spm", "_bpm", "_pct", "_deg", "_w", "_c",
                                                "_ms", "_mm")), name


def test_validate_accepts_canonical_and_rejects_others():
    validate(_frame(speed_mps=[1.0, 2.0, 3.0], lap=[0, 0, 1]))
    with pytest.raises(ValueError, match="unknown column 'cad'"):
        validate(_frame(cad=[1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="tz-aware"):
        validate(_frame(speed_mps=[1.0, 2.0, 3.0]).tz_localize(None))
    with pytest.raises(ValueError, match="must be float"):
        validate(_frame(speed_mps=["a", "b", "c"]))


def test_require_names_missing_and_all_nan_columns():
    f = _frame(speed_mps=[1.0, 2.0, 3.0], cadence_spm=[float("nan")] * 3)
    require(f, "speed_mps")
    with pytest.raises(MissingColumnError, match="cadence_spm, heart_rate_bpm"):
        require(f, "cadence_spm", "heart_rate_bpm", path="x.fit")
