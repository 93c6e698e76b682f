"""The fast FIT decoder: record messages column by column with numpy, the rest as fitdecode decodes them.

Registered as ``"columnar"`` in :data:`runload.io.fit_decode.DECODERS`.  It gives the same messages and
values as :func:`~runload.io.fit_decode.decode_fitdecode` (the agreement tests compare them on every FIT
file in the shared corpus and on generated files), in a fraction of the time:

1. one pass over the record headers in Python (``_Decoder._scan_body``): FIT headers of chained files,
   definition messages (per-definition byte order, developer field definitions, identical re-definitions
   shared, misaligned field sizes become bytes as fitdecode does, with its warning), and for every data
   message its byte offset and definition;
   ``developer_data_id`` and ``field_description`` are decoded on the spot because later definitions
   depend on them; compressed-timestamp headers are noted;
2. the file CRC (and the header CRC) checked with numpy (:mod:`runload.io.fit_crc`);
3. ``record`` messages: per definition one ``(messages × bytes)`` gather of all its messages, each field
   viewed as a numpy array in the definition's byte order, the base type's invalid sentinel → missing,
   scale and offset from the FIT profile applied column-wise, components expanded (``speed`` →
   ``enhanced_speed``, ``altitude`` → ``enhanced_altitude``, ``compressed_speed_distance`` with the
   accumulated distance), developer fields with their names and units from the ``field_description``
   messages; the result is a :class:`~runload.io.fit_decode.FitRecords` block, no per-record objects;
4. the other messages the reader uses (:data:`READER_MESSAGES`: file_id, session, lap, event,
   device_info, sport, activity, …; every message with :func:`decode_columnar_all`) are decoded one by
   one with fitdecode's profile and data processor, as fitdecode's reader does (``_Decoder._message`` and
   ``_Decoder._decode_message`` port ``FitReader._read_data_message``); ``hr``, ``hrv``, ``gps_metadata``
   and the other messages the reader never reads are skipped, not decoded.

Deviation, by design: a damaged file (truncated, CRC mismatch, bad header, undefined local message) is
not decoded here but handed to fitdecode, whose records-before-the-damage and error messages the reader
already relies on; damaged files are rare, so they cost fitdecode's time, not the fast path's.

Field names, types, scales, offsets, units, components, subfields and enum names all come from
fitdecode's maintained FIT profile (``fitdecode.profile``) at run time.

Whatever this decoder cannot reproduce with certainty — damage of any kind (bad header, CRC mismatch,
truncation, an undefined local message), ``hr`` messages, a developer field without a description, a
field type whose value fitdecode post-processes in the records (other than ``timestamp``), an array
field with components — raises :class:`Decline` inside, and :func:`decode_columnar` decodes the whole
file with fitdecode instead (never a mix); the result names the decoder that ran and the reason.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

from .fit_columns import (
    _BASE_BYTE,
    _BASE_STRING,
    _FIELD_TIMESTAMP,
    _MESG_RECORD,
    _NUMPY,
    Decline,
    RecordColumns,
)
from .fit_columns import accumulate as _accumulate
from .fit_crc import fit_crc
from .fit_decode import FitDecodeResult, FitMessage, _collect, decode_fitdecode

__all__ = ["decode_columnar", "decode_columnar_all", "Decline", "READER_MESSAGES"]

#: Non-record messages the FIT reader uses (:mod:`runload.io.fit`, ``fit_meta``, ``fit_sessions``); the
#: fast path decodes only these (and the records).  ``decode_columnar_all`` decodes every message.
READER_MESSAGES = frozenset({
    "file_id", "file_creator", "device_info", "session", "lap", "event", "activity", "user_profile",
    "sport", "developer_data_id", "field_description",
})
_UNSET = object()


def decode_columnar(data: bytes) -> FitDecodeResult:
    """Decode FIT bytes: records as columns, the messages the reader uses one by one.

    Falls back to :func:`~runload.io.fit_decode.decode_fitdecode` for the whole file when the fast path
    declines or fails (``result.decoder == "fitdecode"``, ``result.fallback`` says why).
    """
    return _decode_or_fall_back(data, READER_MESSAGES)


def decode_columnar_all(data: bytes) -> FitDecodeResult:
    """Like :func:`decode_columnar`, decoding every message the profile knows (for agreement tests)."""
    return _decode_or_fall_back(data, None)


def _decode_or_fall_back(data: bytes, wanted) -> FitDecodeResult:
    try:
        return _Decoder(bytes(data), wanted).run()
    except MemoryError:
        raise
    except Decline as exc:
        reason = str(exc)
    except Exception as exc:  # noqa: BLE001 - any failure of the fast path means "decode with fitdecode"
        reason = f"{type(exc).__name__}: {exc}"
    result = decode_fitdecode(data)
    result.decoder = "fitdecode"
    result.fallback = f"columnar decoder declined ({reason}); decoded with fitdecode"
    return result


# --- definitions --------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Def:
    """One definition message, with what both the columnar and the per-message decoding need."""

    global_num: int
    endian: str
    mesg_type: object  # fitdecode MessageType or None
    field_defs: list  # fitdecode FieldDefinition
    dev_field_defs: list  # fitdecode DevFieldDefinition
    size: int  # bytes of one data message after its header
    misaligned: list  # (field_size, base type name, base type size) as fitdecode warns about them
    resets: list  # component def_nums whose accumulator this definition resets to 0
    unpackers: list = field(default_factory=list)
    index: int = -1  # in _Decoder.defs
    ts_field: tuple | None = None  # (byte position, numpy dtype) of a plain timestamp field
    plan: tuple | None = None  # see _Decoder._plan

    @property
    def all_defs(self) -> list:
        return self.field_defs + self.dev_field_defs

    @property
    def name(self) -> str:
        return self.mesg_type.name if self.mesg_type is not None else f"unknown_{self.global_num}"


class _Decoder:
    def __init__(self, data: bytes, wanted):
        import fitdecode.profile as profile
        import fitdecode.types as types
        from fitdecode.processors import DefaultDataProcessor

        self.data = data
        self.buf = np.frombuffer(data, dtype=np.uint8)
        self.wanted = wanted
        self.profile = profile
        self.types = types
        self.processor = DefaultDataProcessor()
        self.type_methods: dict = {}
        if any(name.startswith(("process_field_", "process_units_", "process_message_"))
               and name != "process_message_hr" for name in dir(self.processor)):
            raise Decline("fitdecode's data processor post-processes more than field types")
        self.warnings: list[str] = []

    # -- pass 1: headers ----------------------------------------------------------------------------

    def run(self) -> FitDecodeResult:
        if not self.data:
            raise Decline("empty file")
        self.defs: list[_Def] = []  # every distinct definition, over all chained FIT files
        self.offs: list[int] = []  # every data message: byte offset of its header …
        self.ids: list[int] = []  # … and the index of its definition in self.defs
        self.compressed: list[tuple[int, int]] = []  # (message index, time offset) of compressed headers
        self.file_first: list[int] = []  # message index where each chained FIT file starts
        self.def_events: list[tuple[int, _Def]] = []  # (messages before it, definition) with accumulators
        self.inline: dict[int, FitMessage] = {}  # developer descriptions, decoded during the scan
        pos = 0
        while pos < len(self.data):
            pos = self._scan_file(pos)
        return self._finish()

    def _scan_file(self, start: int) -> int:
        data = self.data
        if len(data) - start < 12:
            raise Decline(f"truncated FIT header at byte {start}")
        header_size, _proto, _profile, body_size, magic = struct.unpack_from("<2BHI4s", data, start)
        if header_size < 12 or magic != b".FIT":
            raise Decline(f"not a FIT header at byte {start}")
        if header_size not in (12, 14):
            raise Decline(f"unsupported FIT header size {header_size}")
        if header_size == 14:
            if len(data) - start < 14:
                raise Decline("truncated FIT header")
            (hcrc,) = struct.unpack_from("<H", data, start + 12)
            if hcrc and fit_crc(self.buf, start, start + 12) != hcrc:
                raise Decline("header CRC mismatch")
        body = start + header_size
        end = body + body_size
        if end + 2 > len(data):
            raise Decline("file ends early")
        (stored,) = struct.unpack_from("<H", data, end)
        if fit_crc(self.buf, start, end) != stored:
            raise Decline("CRC mismatch")
        self.file_first.append(len(self.offs))
        self._scan_body(body, end)
        return end + 2

    def _scan_body(self, pos: int, end: int) -> None:
        """The tight loop over one FIT file's messages: data messages only note offset and definition."""
        data = self.data
        self.dev_types: dict = {}  # fitdecode's registry of developer types, per FIT file
        self.cache: dict = {}
        slot_id: list = [None] * 16  # local message type → definition index (negative: decode on the spot)
        slot_size = [0] * 16  # local message type → bytes of a data message, header included
        offs_append, ids_append = self.offs.append, self.ids.append
        while pos < end:
            hdr = data[pos]
            if not hdr & 0xC0:  # normal header, data message
                slot = hdr & 0xF
            elif hdr & 0x80:  # compressed-timestamp header, data message
                slot = (hdr >> 5) & 0x3
                self.compressed.append((len(self.offs), hdr & 0x1F))
            else:
                pos = self._definition(pos, end, hdr, slot_id, slot_size)
                continue
            i = slot_id[slot]
            if i is None:
                raise Decline(f"undefined local message at byte {pos}")
            if i < 0:
                i = -i - 1
                self._developer_message(self.defs[i], pos, hdr)
            offs_append(pos)
            ids_append(i)
            pos += slot_size[slot]
        if pos != end:
            raise Decline(f"a data message crosses the end of the FIT file at byte {end}")

    def _developer_message(self, d: _Def, pos: int, hdr: int) -> None:
        """Decode a developer_data_id / field_description at once: later definitions depend on it."""
        if hdr & 0x80:
            raise Decline("compressed timestamp on a developer description")
        fields = self._decode_message(d, pos, None)
        self._register_developer(d.global_num, fields)
        self.inline[len(self.offs)] = _collect(d.name, fields, self.types.DevFieldDefinition)

    def _definition(self, pos: int, end: int, hdr: int, slot_id: list, slot_size: list) -> int:
        data = self.data
        if pos + 6 > end:
            raise Decline("truncated definition message")
        arch = data[pos + 2]
        endian = ">" if arch else "<"
        (global_num,) = struct.unpack_from(endian + "H", data, pos + 3)
        nfields = data[pos + 5]
        p = pos + 6 + 3 * nfields
        dev_bytes = b""
        if hdr & 0x20:
            if p + 1 > end:
                raise Decline("truncated definition message")
            ndev = data[p]
            dev_bytes = data[p + 1:p + 1 + 3 * ndev]
            p = p + 1 + 3 * ndev
        if p > end:
            raise Decline("truncated definition message")
        raw = data[pos + 2:p]
        # the developer field objects themselves (hashed by identity, kept alive by the key): a field
        # description sent again makes a new definition, as in fitdecode
        dev_key = tuple(self.dev_types.get(dev_bytes[i + 2], {}).get("fields", {}).get(dev_bytes[i])
                        for i in range(0, len(dev_bytes), 3)) if dev_bytes else ()
        key = (raw, dev_key)
        d = self.cache.get(key)
        if d is None:
            d = self._make_def(pos, endian, global_num, data[pos + 6:pos + 6 + 3 * nfields], dev_bytes)
            d.index = len(self.defs)
            self.defs.append(d)
            self.cache[key] = d
        for size, name, bsize in d.misaligned:
            self.warnings.append(
                f"invalid field size {size} in definition message @ {pos} for type {name} "
                f"(expected a multiple of {bsize})")
        if d.resets:
            self.def_events.append((len(self.offs), d))
        slot = hdr & 0xF
        special = d.mesg_type is not None and global_num in (206, 207)
        slot_id[slot] = -d.index - 1 if special else d.index
        slot_size[slot] = d.size + 1
        return p

    def _make_def(self, pos, endian, global_num, field_bytes, dev_bytes) -> _Def:
        types = self.types
        mesg_type = self.profile.MESSAGE_TYPES.get(global_num)
        field_defs, dev_defs, misaligned, resets, unpackers = [], [], [], [], []
        size = 0
        ts_field = None
        for i in range(0, len(field_bytes), 3):
            num, fsize, base_num = field_bytes[i], field_bytes[i + 1], field_bytes[i + 2]
            fld = mesg_type.fields.get(num) if mesg_type else None
            base = types.BASE_TYPES.get(base_num, types.BASE_TYPE_BYTE)
            if fsize == 0:
                raise Decline("field of size 0")
            if fsize % base.size:
                misaligned.append((fsize, base.name, base.size))
                base = types.BASE_TYPE_BYTE
            if fld is not None and fld.components:
                resets.extend(c.def_num for c in fld.components if c.accumulate)
            fd = types.FieldDefinition(fld, num, base, fsize)
            field_defs.append(fd)
            unpackers.append((fd, struct.Struct(f"{endian}{fsize // base.size}{base.fmt}")))
            if num == _FIELD_TIMESTAMP:
                if fsize != base.size or base.identifier not in _NUMPY or _NUMPY[base.identifier][1] is None:
                    raise Decline("timestamp field that is not one integer")
                if ts_field is None:
                    ts_field = (size, np.dtype(endian + _NUMPY[base.identifier][0]), base.identifier)
            size += fsize
        for i in range(0, len(dev_bytes), 3):
            num, fsize, index = dev_bytes[i], dev_bytes[i + 1], dev_bytes[i + 2]
            dev_type = self.dev_types.get(index)
            dev_field = dev_type["fields"].get(num) if dev_type else None
            if dev_field is None:
                raise Decline("developer field without a description")
            if num == _FIELD_TIMESTAMP:
                raise Decline("developer field numbered like the timestamp")
            base = dev_field.type
            if fsize == 0 or fsize % base.size:
                raise Decline("developer field size is not a multiple of its type")
            fd = types.DevFieldDefinition(dev_field, index, num, fsize)
            dev_defs.append(fd)
            unpackers.append((fd, struct.Struct(f"{endian}{fsize // base.size}{base.fmt}")))
            size += fsize
        if ts_field is not None and sum(1 for f in field_defs if f.def_num == _FIELD_TIMESTAMP) > 1:
            raise Decline("two timestamp fields in one message")
        return _Def(global_num, endian, mesg_type, field_defs, dev_defs, size, misaligned, resets,
                    unpackers, ts_field=ts_field)

    # -- developer types (fitdecode's _add_dev_data_id / _add_dev_field_description) ---------------

    def _register_developer(self, global_num: int, fields: list) -> None:
        types = self.types

        def raw(name):
            for fd in fields:
                if fd.is_named(name):
                    return fd.raw_value
            raise KeyError(name)

        if global_num == 207:
            try:
                index = int(raw("developer_data_index"))
            except (KeyError, TypeError) as exc:
                raise Decline(f"developer_data_id without an index ({exc})") from None
            try:
                app = raw("application_id")
            except KeyError:
                app = None
            self.dev_types[index] = {"dev_data_index": index, "application_id": app, "fields": {}}
            return
        args = []
        for name in ("developer_data_index", "field_definition_number", "fit_base_type_id", "field_name",
                     "units", "native_field_num"):
            try:
                value = raw(name)
            except KeyError:
                if name in ("developer_data_index", "field_definition_number"):
                    raise Decline(f"field_description without {name}") from None
                value = None
            if name == "developer_data_index":
                value = int(value) if value is not None else None
                if value not in self.dev_types:
                    raise Decline(f"developer_data_index {value} not defined")
            elif name == "fit_base_type_id":
                value = types.BASE_TYPE_BYTE if value is None else types.BASE_TYPES[value]
            args.append(value)
        index, num, base, name, units, native = args
        self.dev_types[index]["fields"][num] = types.DevField(index, name, num, base, units, native)

    # -- one message as fitdecode decodes it (port of FitReader._read_data_message) ----------------

    def _decode_message(self, d: _Def, offset: int, ts_value) -> list:
        types = self.types
        data = self.data
        pos = offset + 1
        raw_values = []
        for fd, unpacker in d.unpackers:
            raw = unpacker.unpack_from(data, pos)
            pos += unpacker.size
            base = fd.base_type
            if base.identifier == _BASE_BYTE:
                raw = base.parse(raw)
            elif len(raw) > 1:
                raw = tuple(base.parse(v) for v in raw)
            else:
                raw = base.parse(raw[0])
            raw_values.append(raw)
        out = []
        for fd, raw in zip([*d.field_defs, *d.dev_field_defs], raw_values, strict=True):
            fld, parent = fd.field, None
            if fld:
                fld, parent = _resolve_subfield(fld, d.field_defs, raw_values)
                for cmp_field, cmp_parent, cmp_raw in self._components(d, fld, raw, raw_values):
                    out.append(types.FieldData(None, cmp_field, cmp_parent, cmp_field.render(cmp_raw), cmp_raw))
                value = _scale_offset(fld, fld.render(raw))
            else:
                value = raw
            out.append(types.FieldData(fd, fld, parent, value, raw))
        if ts_value is not None:
            ts_field = self.profile.FIELD_TYPE_TIMESTAMP
            out.append(types.FieldData(None, ts_field, None, ts_field.render(ts_value), ts_value))
        proc = self.processor
        for fd in out:
            proc.on_process_type(None, fd)
            proc.on_process_field(None, fd)
            proc.on_process_unit(None, fd)
        return out

    def _components(self, d: _Def, fld, raw, raw_values):
        """The components ``fld`` expands ``raw`` into, as fitdecode expands them: ``(field, parent, raw)`` of
        each, accumulated (the decoder's per-message accumulators advance here), scaled and offset."""
        for component in fld.components or ():
            try:
                cmp_raw = component.render(raw)
            except ValueError:
                continue
            if component.accumulate and cmp_raw is not None:
                acc = self.accumulators[d.global_num]
                cmp_raw = _accumulate(cmp_raw, acc[component.def_num], component.bits)
                acc[component.def_num] = cmp_raw
            cmp_raw = _scale_offset(component, cmp_raw)
            cmp_field, cmp_parent = _resolve_subfield(d.mesg_type.fields[component.def_num], d.field_defs,
                                                      raw_values)
            yield cmp_field, cmp_parent, cmp_raw

    def _plan(self, d: _Def) -> tuple:
        """How to cut one data message of ``d`` into fields: one struct for all fields, and per field
        (first item, item count, kind: 0 scalar 1 bytes 2 array 3 string, parse, definition, mode: 0 skip
        1 developer 2 plain number 3 anything else, the developer key or the profile field)."""
        if d.plan is None:
            fmt, parts, k = d.endian, [], 0
            n_plain = len(d.field_defs)
            for i, (fd, _unpacker) in enumerate(d.unpackers):
                count = fd.size // fd.base_type.size
                ident = fd.base_type.identifier
                if ident == _BASE_STRING:
                    fmt += f"{fd.size}s"
                    kind, items = 3, 1
                else:
                    fmt += f"{count}{fd.base_type.fmt}"
                    kind, items = (1 if ident == _BASE_BYTE else 2 if count > 1 else 0), count
                fld = fd.field
                if not fld:
                    mode, extra = 0, None
                elif i >= n_plain:
                    mode, extra = (0, None) if fld.name is None else (1, (fd.dev_data_index, fld.name, fld.units))
                elif (fld.subfields or fld.components or getattr(fld.type, "enum", None)
                      or self._method(fld) is not None):
                    mode, extra = 3, fld
                else:
                    mode, extra = 2, fld
                parts.append((k, items, kind, fd.base_type.parse, fd, mode, extra))
                k += items
            nums = [fd.def_num for fd in d.field_defs]
            d.plan = (struct.Struct(fmt), parts, len(set(nums)) == len(nums))
        return d.plan

    def _message(self, d: _Def, offset: int, ts_value) -> FitMessage:
        """One data message as :func:`~runload.io.fit_decode.decode_fitdecode` gives it.

        The same steps as fitdecode's ``FitReader._read_data_message`` followed by
        :func:`~runload.io.fit_decode._collect`, without building a ``FieldData`` per field: an invalid
        value (fitdecode's ``None``) is left out at once, as ``_collect`` does; the data processor runs
        only for the field types it has a method for (date-times, bools).
        """
        unpacker, parts, unique_nums = self._plan(d)
        flat = unpacker.unpack_from(self.data, offset + 1)
        raw_values = []
        for k, count, kind, parse, _fd, _mode, _extra in parts:
            if kind == 0 or kind == 3:
                raw_values.append(parse(flat[k]))
            elif kind == 1:
                raw_values.append(parse(flat[k:k + count]))
            else:
                raw_values.append(tuple(parse(v) for v in flat[k:k + count]))
        fields: dict = {}
        developer: dict = {}
        expanded = []
        by_num = None
        for (_k, _count, _kind, _parse, fd, mode, extra), raw in zip(parts, raw_values, strict=True):
            if raw is None or mode == 0:
                continue  # invalid (fitdecode: None, left out) or a field the profile does not know
            if mode == 2:  # a plain number: fitdecode's _apply_scale_offset
                t = type(raw)
                if t is int or t is float:
                    if extra.scale:
                        raw = float(raw) / extra.scale
                    if extra.offset:
                        raw = raw - extra.offset
                    fields[extra.name] = raw
                else:
                    fields[extra.name] = _scale_offset(extra, raw)
                continue
            if mode == 1:  # developer field: base type, no scale, no processor
                developer[extra] = raw
                continue
            fld = extra
            if fld.subfields:
                if by_num is None:
                    by_num = dict(zip([f.def_num for f in d.field_defs], raw_values, strict=False)) \
                        if unique_nums else None
                fld = _resolve_subfield(fld, d.field_defs, raw_values, by_num)[0]
            if fld.components:
                for cmp_field, _, cmp_raw in self._components(d, fld, raw, raw_values):
                    value = self._processed(cmp_field, None, cmp_field.render(cmp_raw), cmp_raw)
                    if value is not None:
                        expanded.append((cmp_field.name, value))
            value = self._processed(fld, fd, _scale_offset(fld, fld.render(raw)), raw)
            if value is not None:
                fields[fld.name] = value
        if ts_value is not None:
            ts_field = self.profile.FIELD_TYPE_TIMESTAMP
            expanded.append((ts_field.name, self._processed(ts_field, None, ts_field.render(ts_value), ts_value)))
        for name, value in expanded:
            if value is not None:
                fields.setdefault(name, value)
        return FitMessage(d.name, fields, developer)

    def _method(self, fld):
        """fitdecode's data processor method for the field's type, or None."""
        method = self.type_methods.get(fld.type.name, _UNSET)
        if method is _UNSET:
            method = self.processor._resolve_method(f"process_type_{fld.type.name}")
            self.type_methods[fld.type.name] = method
        return method

    def _processed(self, fld, fd, value, raw):
        """The value after fitdecode's data processor (only its ``process_type_*`` methods exist)."""
        method = self._method(fld)
        if method is None or value is None:
            return value
        data = self.types.FieldData(fd, fld, None, value, raw)
        method(None, data)
        return data.value

    # -- after the scan ----------------------------------------------------------------------------

    def _finish(self) -> FitDecodeResult:
        ids = np.asarray(self.ids, dtype=np.int64)
        offs = np.asarray(self.offs, dtype=np.int64)
        self.ids_arr, self.offs_arr = ids, offs
        compressed_ts = self._compressed_timestamps()
        # what to do with each definition's messages: 0 skip, 1 record (columns), 2 decode one by one
        kind = np.zeros(len(self.defs) + 1, dtype=np.int8)
        for d in self.defs:
            if d.global_num == _MESG_RECORD:
                kind[d.index] = 1
            elif d.mesg_type is not None and d.global_num not in (206, 207) and (
                    self.wanted is None or d.name in self.wanted):
                if d.global_num == 132:
                    raise Decline("hr messages (fitdecode's event_timestamp_12 special case)")
                kind[d.index] = 2
        per_msg = kind[ids] if len(ids) else np.zeros(0, dtype=np.int8)
        messages = list(self.inline.items())
        resets = [(k, d) for k, d in self.def_events if d.global_num != _MESG_RECORD]
        self.accumulators: dict = {}
        r = 0
        for k in np.flatnonzero(per_msg == 2).tolist():
            while r < len(resets) and resets[r][0] <= k:
                d = resets[r][1]
                for num in d.resets:
                    self.accumulators.setdefault(d.global_num, {})[num] = 0
                r += 1
            messages.append((k, self._message(self.defs[ids[k]], int(offs[k]), compressed_ts.get(k))))
        messages.sort(key=lambda x: x[0])
        records = RecordColumns(self, compressed_ts, np.flatnonzero(per_msg == 1)).build()
        result = FitDecodeResult([m for _, m in messages], None, list(dict.fromkeys(self.warnings)))
        result.positions = [k for k, _ in messages]
        result.records = records
        result.decoder = "columnar"
        return result

    def _compressed_timestamps(self) -> dict[int, int]:
        """Message index → timestamp of every message with a compressed-timestamp header (fitdecode's rule).

        The accumulator holds the last timestamp field read (any message, per FIT file); a compressed
        header's 5-bit offset continues it (rolling over every 32 s).
        """
        if not self.compressed:
            return {}
        n = len(self.ids_arr)
        stamp = np.zeros(n, dtype=np.int64)
        has = np.zeros(n, dtype=bool)
        for d in self.defs:
            if d.ts_field is None:
                continue
            at, dtype, ident = d.ts_field
            idx = np.flatnonzero(self.ids_arr == d.index)
            if not len(idx):
                continue
            block = self.buf[self.offs_arr[idx, None] + (1 + at + np.arange(dtype.itemsize))]
            raw = np.ascontiguousarray(block).view(dtype)[:, 0]
            ok = raw != _NUMPY[ident][1]
            stamp[idx[ok]] = raw[ok].astype(np.int64)
            has[idx[ok]] = True
        compressed = dict(self.compressed)
        starts = set(self.file_first)
        out: dict[int, int] = {}
        acc = 0
        stamps, flags = stamp.tolist(), has.tolist()
        for k in range(n):
            if k in starts:
                acc = 0
            if flags[k]:
                acc = stamps[k]
            toff = compressed.get(k)
            if toff is not None:
                acc = _accumulate(toff, acc, 5)
                out[k] = acc
        return out


def _resolve_subfield(fld, field_defs, raw_values, by_num: dict | None = None):
    """fitdecode's FitReader._resolve_subfield: (subfield, field) when a reference field matches.

    ``by_num`` (definition number → raw value, when the numbers are unique) makes the lookup direct.
    """
    if fld.subfields:
        for sub in fld.subfields:
            for ref in sub.ref_fields:
                if by_num is not None:
                    if ref.def_num in by_num and ref.raw_value == by_num[ref.def_num]:
                        return sub, fld
                    continue
                for fd, raw in zip(field_defs, raw_values, strict=False):
                    if fd.def_num == ref.def_num and ref.raw_value == raw:
                        return sub, fld
    return fld, None


def _scale_offset(fld, raw):
    """fitdecode's FitReader._apply_scale_offset."""
    if isinstance(raw, tuple):
        return tuple(_scale_offset(fld, x) for x in raw)
    if isinstance(raw, (int, float)):
        if fld.scale:
            raw = float(raw) / fld.scale
        if fld.offset:
            raw = raw - fld.offset
    return raw

