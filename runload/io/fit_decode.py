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

Two implementations:

``fitdecode``
    polyvertex/fitdecode (MIT), the default.  CRC checked with ``CrcCheck.RAISE``; soft problems (a
    field size that is not a multiple of its type, as COROS writes) are reported as warnings.
``fitparse``
    dtcooper/python-fitparse 2.x, the owner's reference decoder, with ``check_crc=True``.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FitMessage", "FitDecodeError", "FitDecodeResult", "DECODERS", "DEFAULT_FIT_DECODER", "DevKey"]

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


@dataclass
class FitDecodeResult:
    """Messages decoded before any damage, the damage (if any) and the decoder's soft warnings."""

    messages: list[FitMessage]
    error: FitDecodeError | None = None
    warnings: list[str] = field(default_factory=list)


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


#: Decoder name → function(bytes) → :class:`FitDecodeResult`.  ``fitdecode`` is the default.
DECODERS: dict[str, Callable[[bytes], FitDecodeResult]] = {
    "fitdecode": decode_fitdecode,
    "fitparse": decode_fitparse,
}
#: The decoder every reader, the CLI and ``runload batch`` use unless told otherwise.
DEFAULT_FIT_DECODER = "fitdecode"
