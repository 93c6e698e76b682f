"""The narrow decoder interface between FIT bytes and the FIT reader.

A decoder turns the bytes of a FIT file (plain or chained) into a list of :class:`FitMessage`: the
message's profile name, a dict of field name → value already scaled to the FIT profile's units
(``position_lat`` stays in semicircles, ``cadence`` in rpm, date-time fields become tz-aware UTC
``datetime`` objects), and the developer fields with their names and units.  Everything FIT-specific
that :mod:`runload.io.fit` builds on goes through this interface, so a faster decoder can slot in by
adding one function to :data:`DECODERS`.

Decoders never raise for damaged bytes: they return the messages read before the damage together with a
:class:`FitDecodeError` that says what went wrong and at which byte offset, and the reader decides what
the damage means for the run (a CRC mismatch is fatal, a truncation keeps the samples before it).

The ``record`` messages may come as a :class:`FitRecords` block (one array per field) instead of
:class:`FitMessage` objects: the columnar decoder gives them so, and :meth:`FitDecodeResult.with_records`
converts the other decoders' message lists into the same block, so that the reader has one path.

Three implementations:

``columnar``
    :mod:`runload.io.fit_columnar`, the default: records decoded column-wise with numpy from fitdecode's
    FIT profile, the same values as fitdecode; any file it cannot decode with certainty (damage, rare
    constructs) is decoded with fitdecode instead, and the result says so (``decoder``, ``fallback``).
``fitdecode``
    polyvertex/fitdecode (MIT).  CRC checked with ``CrcCheck.RAISE``; soft problems (a field size that is
    not a multiple of its type, as COROS writes) are reported as warnings.
``fitparse``
    dtcooper/python-fitparse 2.x, the owner's reference decoder, with ``check_crc=True``.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy is imported where records are built: this module is on `runload --help`'s path
    import numpy as np

__all__ = ["FitMessage", "FitDecodeError", "FitDecodeResult", "FitRecords", "DECODERS", "DEFAULT_FIT_DECODER",
           "DevKey"]

DevKey = tuple  # (developer_data_index: int | None, field_name: str, units: str | None)


@dataclass(slots=True)
class FitMessage:
    """One decoded FIT data message.

    Attributes
    ----------
    name : str
        Profile message name (``record``, ``session``, ``lap``, ``event``, …).
    fields : dict
        Field name → scaled value in the profile's units.  Invalid values (the base type's sentinel) are
        left out.  A field given explicitly wins over the same field expanded from a component.
    developer : dict
        ``(developer_data_index, field_name, units)`` → value, for developer fields with a description.
    """

    name: str
    fields: dict[str, Any]
    developer: dict[DevKey, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FitDecodeError:
    """Why decoding stopped early.

    Attributes
    ----------
    kind : str
        ``"header"`` (not a FIT header), ``"crc"`` (CRC mismatch), ``"truncated"`` (end of file inside a
        message or before the CRC), ``"undefined_message"`` (data message for a local message type that was
        never defined) or ``"parse"`` (anything else the decoder could not read).
    offset : int | None
        Byte offset where the damage was found.
    detail : str
        The decoder's own message.
    """

    kind: str
    offset: int | None
    detail: str


#: [s] FIT time zero (1989-12-31T00:00:00Z) in seconds since the Unix epoch (FIT SDK, type date_time).
FIT_EPOCH_UNIX_S = 631065600
#: FIT date_time values below this are seconds since the device powered up, not since the FIT epoch.
FIT_DATETIME_MIN = 0x10000000


@dataclass
class FitRecords:
    """The ``record`` messages of a file, one array per field, in file order.

    Attributes
    ----------
    positions : numpy.ndarray
        int64, each record's position among the file's messages (comparable with
        :attr:`FitDecodeResult.positions`; only the order matters).
    columns : dict
        Field name → array over the records: float64 (NaN where missing or not a single number) for
        numeric fields, object for others (enum names, the raw number where the profile has none;
        None where missing).  Values are scaled to the profile's units as in :class:`FitMessage`.
    timestamp_s : numpy.ndarray
        int64 FIT seconds (since 1989-12-31 UTC; below :data:`FIT_DATETIME_MIN` since the device powered
        up), −1 where the record has no valid timestamp.
    developer : dict
        ``(developer_data_index, field_name, units)`` → (present: bool array, value: float64 array, NaN
        where not a number), in order of first appearance.
    """

    positions: np.ndarray
    columns: dict[str, np.ndarray]
    timestamp_s: np.ndarray
    developer: dict[DevKey, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.positions)


@dataclass
class FitDecodeResult:
    """Messages decoded before any damage, the damage (if any) and the decoder's soft warnings.

    ``records`` is None when the ``record`` messages are among ``messages``; otherwise ``messages`` holds
    the other messages only, at the file positions ``positions``.  ``decoder`` names the decoder that
    actually ran (None: the one asked for) and ``fallback`` why the asked one handed over.
    """

    messages: list[FitMessage]
    error: FitDecodeError | None = None
    warnings: list[str] = field(default_factory=list)
    records: FitRecords | None = None
    positions: list[int] | None = None
    decoder: str | None = None
    fallback: str | None = None

    def with_records(self) -> FitDecodeResult:
        """This result with the ``record`` messages as a :class:`FitRecords` block (self if already)."""
        if self.records is not None:
            return self
        positions = list(range(len(self.messages))) if self.positions is None else self.positions
        keep, keep_pos, recs, rec_pos = [], [], [], []
        for pos, m in zip(positions, self.messages, strict=True):
            if m.name == "record":
                recs.append(m)
                rec_pos.append(pos)
            else:
                keep.append(m)
                keep_pos.append(pos)
        return FitDecodeResult(keep, self.error, self.warnings, _records_from_messages(recs, rec_pos), keep_pos,
                               self.decoder, self.fallback)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _record_enum_fields() -> frozenset[str]:
    """Record fields whose FIT profile type is an enum (their block column holds names: object dtype)."""
    from fitdecode.profile import MESSAGE_TYPES

    return frozenset(f.name for f in MESSAGE_TYPES[20].fields.values() if getattr(f.type, "enum", None))


def _records_from_messages(records: list[FitMessage], positions: list[int]) -> FitRecords:
    """A :class:`FitRecords` block from record messages (the slow decoders' path)."""
    import numpy as np

    n = len(records)
    names: dict[str, None] = {}
    for r in records:
        names.update(dict.fromkeys(r.fields))
    names.pop("timestamp", None)  # in ``timestamp_s``
    enums = _record_enum_fields()
    columns: dict[str, np.ndarray] = {}
    for name in names:
        values = [r.fields.get(name) for r in records]
        if name not in enums and all(v is None or _is_number(v) for v in values):
            columns[name] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        else:
            col = np.empty(n, dtype=object)
            col[:] = values
            columns[name] = col
    stamps = np.full(n, -1, dtype=np.int64)
    epoch = dt.datetime(1989, 12, 31, tzinfo=dt.timezone.utc)
    for i, r in enumerate(records):
        t = r.fields.get("timestamp")
        if isinstance(t, dt.datetime):
            stamps[i] = int((t - epoch).total_seconds())
        elif _is_number(t) and isinstance(t, int) and 0 <= t < FIT_DATETIME_MIN:
            stamps[i] = t
    developer: dict[DevKey, tuple[np.ndarray, np.ndarray]] = {}
    for i, r in enumerate(records):
        for key, value in r.developer.items():
            if key not in developer:
                developer[key] = (np.zeros(n, dtype=bool), np.full(n, np.nan))
            present, values = developer[key]
            present[i] = True
            if _is_number(value):
                values[i] = value
    return FitRecords(np.asarray(positions, dtype=np.int64), columns, stamps, developer)


def _collect(message_name: str, field_datas, dev_def_type) -> FitMessage:
    """Turn a decoder's FieldData list into a :class:`FitMessage` (both decoders share the layout)."""
    fields: dict[str, Any] = {}
    developer: dict[DevKey, Any] = {}
    components = []
    for fd in field_datas:
        f = fd.field
        if f is None or fd.value is None:
            continue
        if isinstance(fd.field_def, dev_def_type):
            if f.name is not None:
                developer[(fd.field_def.dev_data_index, f.name, fd.units)] = fd.value
        elif fd.field_def is None:
            components.append(fd)
        else:
            fields[f.name] = fd.value
    for fd in components:  # expanded components only fill fields the message did not give explicitly
        fields.setdefault(fd.field.name, fd.value)
    return FitMessage(message_name, fields, developer)


def _classify(exc: Exception, offset: int | None, kinds: dict[type, str]) -> FitDecodeError:
    kind = "parse"
    for typ, name in kinds.items():
        if isinstance(exc, typ):
            kind = name
            break
    detail = str(exc) or type(exc).__name__
    if kind == "parse" and ("not defined" in detail or "invalid local message type" in detail):
        kind = "undefined_message"
    exc_offset = getattr(exc, "offset", None)
    return FitDecodeError(kind, exc_offset if isinstance(exc_offset, int) else offset, detail)


def _run(decode_messages: Callable[[io.BytesIO, list[FitMessage]], None], data: bytes,
         kinds: dict[type, str]) -> FitDecodeResult:
    """Run a decoder loop, catching its damage and its warnings."""
    stream = io.BytesIO(data)
    messages: list[FitMessage] = []
    error = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            decode_messages(stream, messages)
        except MemoryError:
            raise
        except Exception as exc:  # damaged bytes can make a decoder raise anything; report, never leak
            error = _classify(exc, stream.tell(), kinds)
    soft = [str(w.message) for w in caught if not issubclass(w.category, DeprecationWarning)]
    return FitDecodeResult(messages, error, list(dict.fromkeys(soft)))


def decode_fitdecode(data: bytes) -> FitDecodeResult:
    """Decode FIT bytes with fitdecode (CRC mismatches raise; chained files are read entirely)."""
    import fitdecode
    from fitdecode.types import DevFieldDefinition

    kinds = {
        fitdecode.FitHeaderError: "header",
        fitdecode.FitCRCError: "crc",
        fitdecode.FitEOFError: "truncated",
    }

    def loop(stream: io.BytesIO, out: list[FitMessage]) -> None:
        reader = fitdecode.FitReader(
            stream,
            check_crc=fitdecode.CrcCheck.RAISE,
            error_handling=fitdecode.ErrorHandling.WARN,
        )
        data_frame = fitdecode.FIT_FRAME_DATA
        try:
            for frame in reader:
                if frame.frame_type != data_frame:
                    continue
                name = frame.name
                if name.startswith("unknown_"):
                    continue
                out.append(_collect(name, frame.fields, DevFieldDefinition))
        finally:
            reader.close()

    result = _run(loop, data, kinds)
    if result.error is None and not data:  # fitdecode treats empty input as a clean end of stream
        result.error = FitDecodeError("header", 0, "empty file, no FIT header")
    return result


def _fitparse_processor():
    from fitparse.processors import FitFileDataProcessor

    class _UtcProcessor(FitFileDataProcessor):
        """fitparse's processor, but date-time fields stay tz-aware UTC (as fitdecode gives them)."""

        def process_type_date_time(self, field_data):
            super().process_type_date_time(field_data)
            if isinstance(field_data.value, dt.datetime):
                field_data.value = field_data.value.replace(tzinfo=dt.timezone.utc)

        def process_type_local_date_time(self, field_data):
            super().process_type_local_date_time(field_data)
            if isinstance(field_data.value, dt.datetime):
                field_data.value = field_data.value.replace(tzinfo=dt.timezone.utc)

    return _UtcProcessor()


def decode_fitparse(data: bytes) -> FitDecodeResult:
    """Decode FIT bytes with python-fitparse 2.x (``import fitparse``), CRC checked."""
    import fitparse
    from fitparse.records import DevFieldDefinition
    from fitparse.utils import FitCRCError, FitEOFError, FitHeaderError

    kinds = {FitHeaderError: "header", FitCRCError: "crc", FitEOFError: "truncated"}

    def loop(stream: io.BytesIO, out: list[FitMessage]) -> None:
        ff = fitparse.UncachedFitFile(stream, check_crc=True, data_processor=_fitparse_processor())
        for message in ff.get_messages():
            name = message.name
            if name.startswith("unknown_"):
                continue
            out.append(_collect(name, message.fields, DevFieldDefinition))

    return _run(loop, data, kinds)


def decode_columnar(data: bytes) -> FitDecodeResult:
    """The fast path (:func:`runload.io.fit_columnar.decode_columnar`), falling back to fitdecode."""
    from .fit_columnar import decode_columnar as decode

    return decode(data)


#: Decoder name → function(bytes) → :class:`FitDecodeResult`.  The default is :data:`DEFAULT_FIT_DECODER`.
DECODERS: dict[str, Callable[[bytes], FitDecodeResult]] = {
    "columnar": decode_columnar,
    "fitdecode": decode_fitdecode,
    "fitparse": decode_fitparse,
}
#: The decoder every reader, the CLI and ``runload batch`` use unless told otherwise.
DEFAULT_FIT_DECODER = "columnar"
