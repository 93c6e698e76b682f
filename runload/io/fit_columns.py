"""The ``record`` messages of a scanned FIT file as columns: one numpy gather per definition message.

Helpers of :mod:`runload.io.fit_columnar` (the scan, the per-message decoding and the hand-over to
fitdecode live there).  For each definition of ``record`` the bytes of all its data messages are gathered
into one ``(messages × bytes)`` array; each field is viewed as a numpy array in the definition's byte
order; the base type's invalid sentinel (fitdecode's) makes a value missing; scale and offset come from
fitdecode's FIT profile; components are expanded as fitdecode expands them (an explicit field wins over
an expanded one; accumulated components continue their count modulo ``2**bits``, reset by every
definition that holds them).  Anything else raises :class:`Decline`.
"""

from __future__ import annotations

import numpy as np

from .fit_decode import DevKey, FitRecords

__all__ = ["RecordColumns", "Decline", "accumulate"]

_MESG_RECORD = 20
_FIELD_TIMESTAMP = 253
_BASE_BYTE = 0x0D
_BASE_STRING = 0x07
#: FIT base type identifier → (numpy type code, invalid sentinel; None: NaN is invalid).  The sentinels are
#: fitdecode's (``fitdecode.types.BASE_TYPES[...].parse``); a test checks them against it.
_NUMPY = {
    0x00: ("u1", 0xFF), 0x01: ("i1", 0x7F), 0x02: ("u1", 0xFF), 0x83: ("i2", 0x7FFF), 0x84: ("u2", 0xFFFF),
    0x85: ("i4", 0x7FFFFFFF), 0x86: ("u4", 0xFFFFFFFF), 0x88: ("f4", None), 0x89: ("f8", None),
    0x0A: ("u1", 0), 0x8B: ("u2", 0), 0x8C: ("u4", 0), 0x8E: ("i8", 0x7FFFFFFFFFFFFFFF),
    0x8F: ("u8", 0xFFFFFFFFFFFFFFFF), 0x90: ("u8", 0),
}


class Decline(Exception):
    """The fast path cannot decode this file with certainty (the reason is the message)."""


def accumulate(raw: int, accumulation: int, bits: int) -> int:
    """fitdecode's FitReader._apply_compressed_accumulation."""
    top = 1 << bits
    mask = top - 1
    value = raw + (accumulation & ~mask)
    if raw < (accumulation & mask):
        value += top
    return value


class RecordColumns:
    """The record messages of a decoded scan as one :class:`FitRecords` block."""

    def __init__(self, dec, compressed_ts: dict[int, int], messages: np.ndarray):
        """``dec``: the scanning ``fit_columnar._Decoder`` (its buffer, definitions and message arrays)."""
        self.dec = dec
        self.compressed_ts = compressed_ts
        self.messages = messages  # message index of each record, in file order

    def build(self) -> FitRecords:
        dec = self.dec
        positions = self.messages
        n = len(positions)
        rec_ids = dec.ids_arr[positions]
        defs, index_of = [], []
        for d in dec.defs:
            if d.global_num == _MESG_RECORD:
                idx = np.flatnonzero(rec_ids == d.index)
                if len(idx):
                    defs.append(d)
                    index_of.append(idx)
        self.record_resets = sorted(
            (int(np.searchsorted(positions, k)), num)
            for k, d in dec.def_events if d.global_num == _MESG_RECORD for num in d.resets)
        explicit: dict[str, np.ndarray] = {}
        expanded: dict[str, np.ndarray] = {}
        timestamp = np.full(n, -1, dtype=np.int64)
        developer: dict[DevKey, tuple[np.ndarray, np.ndarray]] = {}
        dev_first: dict[DevKey, tuple[int, int]] = {}
        accumulating = []
        for d, idx in zip(defs, index_of, strict=True):
            self._decode_def(d, idx, n, explicit, expanded, timestamp, developer, dev_first, accumulating)
        if accumulating:
            self._accumulate(accumulating, n, expanded)
        columns: dict[str, np.ndarray] = {}
        for name in [*explicit, *(k for k in expanded if k not in explicit)]:
            a, b = explicit.get(name), expanded.get(name)
            if a is None:
                columns[name] = b
            elif b is None:
                columns[name] = a
            elif a.dtype == object or b.dtype == object:
                col = a.copy()
                missing = np.array([v is None for v in col], dtype=bool)
                col[missing] = b[missing]
                columns[name] = col
            else:
                columns[name] = np.where(np.isnan(a), b, a)
        if self.compressed_ts:
            ct = np.array([self.compressed_ts.get(int(p), -1) for p in positions], dtype=np.int64)
            timestamp = np.where(timestamp < 0, ct, timestamp)
        order_keys = sorted(dev_first, key=lambda key: dev_first[key])  # fields never present: none
        return FitRecords(positions, columns, timestamp, {key: developer[key] for key in order_keys})

    def _decode_def(self, d, idx, n, explicit, expanded, timestamp, developer, dev_first, accumulating):
        buf = self.dec.buf
        offs = self.dec.offs_arr[self.messages[idx]]
        rows = buf[offs[:, None] + np.arange(1, d.size + 1)] if d.size else np.zeros((len(offs), 0), np.uint8)
        p = 0
        seen = set()
        for fd in d.field_defs:
            size, base, fld = fd.size, fd.base_type, fd.field
            block = rows[:, p:p + size]
            p += size
            if fld is None:  # unknown field number: fitdecode names it unknown_N; the reader never sees it
                continue
            if fld.name in seen:
                raise Decline(f"record field {fld.name} defined twice")
            seen.add(fld.name)
            if fld.subfields:
                raise Decline(f"record field {fld.name} has subfields")
            ftype = fld.type
            if fd.def_num == _FIELD_TIMESTAMP:
                raw, valid = _numbers(block, base, d.endian)
                if (raw[valid] < 0).any():
                    raise Decline("negative record timestamp")
                timestamp[idx[valid]] = raw[valid].astype(np.int64)
                continue
            is_enum = bool(getattr(ftype, "enum", None))
            if not isinstance(ftype, self.dec.types.BaseType) and not is_enum:
                raise Decline(f"record field {fld.name} of type {ftype.name}")
            scalar = size == base.size and base.identifier not in (_BASE_BYTE, _BASE_STRING)
            if fld.components:
                self._components(d, fld, block, base, scalar, idx, n, expanded, accumulating)
            if is_enum:
                if not scalar or fld.scale or fld.offset:
                    raise Decline(f"enum record field {fld.name} that is an array or scaled")
                raw, valid = _numbers(block, base, d.endian)
                col = explicit.get(fld.name)
                if col is None or col.dtype != object:
                    col = _object_column(n, col)
                    explicit[fld.name] = col
                col[idx[valid]] = _enum_names(raw[valid], ftype.enum)
                continue
            col = explicit.get(fld.name)
            if col is None:
                col = np.full(n, np.nan)
                explicit[fld.name] = col
            elif col.dtype == object:
                raise Decline(f"record field {fld.name} both enum and number")
            if not scalar:
                continue  # arrays, strings and byte fields are no number: missing in a numeric column
            raw, valid = _numbers(block, base, d.endian)
            col[idx[valid]] = _scaled(raw[valid], fld.scale, fld.offset)
        for k, fd in enumerate(d.dev_field_defs):
            size, base, dev = fd.size, fd.base_type, fd.field
            block = rows[:, p:p + size]
            p += size
            if dev.name is None:
                continue
            key = (fd.dev_data_index, dev.name, dev.units)
            present = np.zeros(n, dtype=bool)
            values = np.full(n, np.nan)
            if key in developer:
                present, values = developer[key]
            if base.identifier == _BASE_STRING:
                ok = block[:, 0] != 0
                present[idx[ok]] = True
            elif base.identifier == _BASE_BYTE:
                ok = ~(block == 0xFF).all(axis=1)
                present[idx[ok]] = True
            elif size != base.size:  # an array of numbers: a tuple, present, no number
                present[idx] = True
            else:
                raw, valid = _numbers(block, base, d.endian)
                present[idx[valid]] = True
                values[idx[valid]] = raw[valid].astype(np.float64)
                ok = valid
            if ok.any():
                first = (int(idx[ok].min()), k)
                if key not in dev_first or first < dev_first[key]:
                    dev_first[key] = first
            developer[key] = (present, values)

    def _components(self, d, fld, block, base, scalar, idx, n, expanded, accumulating):
        if scalar:
            raw, valid = _numbers(block, base, d.endian)
            if raw.dtype.kind == "f":
                raise Decline(f"components of a float field {fld.name}")
            raw = raw.astype(np.int64)
        elif base.identifier == _BASE_BYTE and block.shape[1] <= 7:
            valid = ~(block == 0xFF).all(axis=1)
            raw = np.zeros(len(block), dtype=np.int64)
            for j in range(block.shape[1] - 1, -1, -1):
                raw = (raw << 8) + block[:, j].astype(np.int64)
        else:
            raise Decline(f"components of an array field {fld.name}")
        for component in fld.components:
            if not scalar and component.bit_offset and component.bit_offset >= block.shape[1] * 8:
                continue  # fitdecode: ValueError, the component is skipped
            target = d.mesg_type.fields[component.def_num]
            if target.subfields or getattr(target.type, "enum", None) or not isinstance(
                    target.type, self.dec.types.BaseType):
                raise Decline(f"component {component.name} of {fld.name} is not a plain number")
            value = (raw >> (component.bit_offset or 0)) & ((1 << component.bits) - 1)
            if component.accumulate:
                accumulating.append((target.name, component, idx[valid], value[valid]))
                continue
            col = expanded.get(target.name)
            if col is None:
                col = np.full(n, np.nan)
                expanded[target.name] = col
            rows_ = idx[valid]
            free = np.isnan(col[rows_])  # the first component that gives a field wins (setdefault)
            col[rows_[free]] = _scaled(value[valid][free], component.scale, component.offset)

    def _accumulate(self, accumulating, n, expanded):
        """Accumulated components (``compressed_speed_distance`` → distance) in record order.

        fitdecode keeps one accumulator per (message, component field), set to 0 by every definition
        that holds an accumulating component; each value continues the count modulo ``2**bits``.
        """
        resets = self.record_resets
        by_target: dict[int, list] = {}
        for name, component, rows, values in accumulating:
            by_target.setdefault(component.def_num, []).append((name, component, rows, values))
        for num, parts in by_target.items():
            events = []
            for order, (_name, _component, rows, values) in enumerate(parts):
                events.extend((int(r), order, int(v)) for r, v in zip(rows, values, strict=True))
            events.sort()
            reset_at = [r for r, k in resets if k == num]
            acc = 0
            ri = 0
            out = {}
            for r, order, v in events:
                while ri < len(reset_at) and reset_at[ri] <= r:
                    acc = 0
                    ri += 1
                acc = accumulate(v, acc, parts[order][1].bits)
                out.setdefault((r, parts[order][0]), (acc, parts[order][1]))
            for (r, name), (acc_value, component) in out.items():
                col = expanded.get(name)
                if col is None:
                    col = np.full(n, np.nan)
                    expanded[name] = col
                if np.isnan(col[r]):
                    col[r] = _scaled(np.array([acc_value]), component.scale, component.offset)[0]


def _numbers(block: np.ndarray, base, endian: str) -> tuple[np.ndarray, np.ndarray]:
    """(values, valid) of a scalar field: the bytes viewed in the definition's byte order."""
    code, sentinel = _NUMPY[base.identifier]
    values = np.ascontiguousarray(block).view(np.dtype(endian + code))[:, 0]
    if sentinel is None:
        valid = ~np.isnan(values)
    else:
        valid = values != sentinel
    return values, valid


def _scaled(raw: np.ndarray, scale, offset) -> np.ndarray:
    """fitdecode's scale and offset (``float(raw) / scale - offset``), column-wise in float64."""
    out = raw.astype(np.float64)
    if scale:
        out = out / float(scale)
    if offset:
        out = out - offset
    return out


def _object_column(n: int, numeric: np.ndarray | None) -> np.ndarray:
    col = np.empty(n, dtype=object)
    col[:] = None
    if numeric is not None:
        raise Decline("record field both number and enum")
    return col


def _enum_names(raw: np.ndarray, enum: dict) -> np.ndarray:
    """Enum names (the raw number where the profile has no name), via the distinct values."""
    uniq, inverse = np.unique(raw, return_inverse=True)
    names = np.empty(len(uniq), dtype=object)
    names[:] = [enum.get(int(u), int(u)) for u in uniq]
    return names[inverse]
