"""Component values between the spec scripts' JSON and the generated bindings' Python.

`wasm-tools json-from-wast` writes a value as `{"type": T, "value": V}`: numbers as decimal
strings (floats as their bit patterns), records as `[[field, value], ...]`, variants as
`{"case", "payload"}`, enums as the case name, flags as a list of names, options as `null` or
the value, results as `{"Ok": v}` / `{"Err": v}`. The generated bindings say what Python type
each parameter and result is through their codecs (the world object's `_sites`), so both
directions walk the codec: `to_python` builds an argument, `to_json` turns a result back into
the JSON form, and `normalize` puts an expected value in that same form to compare.
"""

from __future__ import annotations

import math
import struct
from typing import Any

from witgen.runtime import codecs as c
from witgen.runtime.types import Err, Ok, Some

Json = Any

_FLOAT_FORMATS = {"f32": ("<f", "<I"), "f64": ("<d", "<Q")}


class ValueMismatch(ValueError):
    """A JSON value doesn't fit the type the bindings give the parameter."""


def _expect(value: Json, *types: str) -> Json:
    if not isinstance(value, dict) or value.get("type") not in types:
        raise ValueMismatch(f"expected a {' or '.join(types)} value, got {value!r}")
    return value.get("value")


def _float_from_bits(wit: str, bits: int) -> float:
    fmt, bits_fmt = _FLOAT_FORMATS[wit]
    return float(struct.unpack(fmt, struct.pack(bits_fmt, bits))[0])


def _float_bits(wit: str, value: float) -> int:
    fmt, bits_fmt = _FLOAT_FORMATS[wit]
    return int(struct.unpack(bits_fmt, struct.pack(fmt, value))[0])


def to_python(codec: c.Codec, value: Json) -> Any:
    """The Python value of the generated bindings for JSON `value` of `codec`'s type."""
    if isinstance(codec, c.BoolCodec):
        v = _expect(value, "bool")
        if not isinstance(v, bool):
            raise ValueMismatch(f"bad bool {v!r}")
        return v
    if isinstance(codec, c.IntCodec):
        return int(_expect(value, codec.wit))
    if isinstance(codec, c.FloatCodec):
        text = _expect(value, codec.wit)
        if str(text).startswith("nan"):
            return math.nan
        return _float_from_bits(codec.wit, int(text))
    if isinstance(codec, (c.CharCodec, c.StringCodec)):
        return str(_expect(value, "char" if isinstance(codec, c.CharCodec) else "string"))
    if isinstance(codec, c.BytesCodec):
        return bytes(to_python(c.U8, x) for x in _expect(value, "list"))
    if isinstance(codec, (c.NumberListCodec, c.ListCodec)):
        return [to_python(codec.elem, x) for x in _expect(value, "list")]
    if isinstance(codec, c.TupleCodec):
        items = _expect(value, "tuple")
        if len(items) != len(codec.elems):
            raise ValueMismatch(f"expected {len(codec.elems)} tuple items, got {len(items)}")
        return tuple(to_python(e, x) for e, x in zip(codec.elems, items, strict=True))
    if isinstance(codec, c.RecordCodec):
        given = {name: x for name, x in _expect(value, "record")}
        wanted = [name.decode() for name, _, _ in codec.fields]
        if sorted(given) != sorted(wanted):
            raise ValueMismatch(f"record fields {sorted(given)} != {sorted(wanted)}")
        return codec.cls(**{attr: to_python(f, given[name.decode()]) for name, attr, f in codec.fields})
    if isinstance(codec, c.VariantCodec):
        v = _expect(value, "variant")
        index = codec.by_name.get(str(v["case"]).encode())
        if index is None:
            raise ValueMismatch(f"no case {v['case']!r} in {codec.wit}")
        _, cls, payload = codec.cases[index]
        return cls() if payload is None else cls(to_python(payload, v["payload"]))
    if isinstance(codec, c.EnumCodec):
        member = codec.by_name.get(str(_expect(value, "enum")).encode())
        if member is None:
            raise ValueMismatch(f"no case {value['value']!r} in {codec.wit}")
        return codec.members[member]
    if isinstance(codec, c.FlagsCodec):
        bits = 0
        for name in _expect(value, "flags"):
            bits |= 1 << codec.by_name[str(name).encode()]
        return codec.cls(bits)
    if isinstance(codec, c.OptionCodec):
        v = _expect(value, "option")
        if v is None:
            return None
        inner = to_python(codec.inner, v)
        return Some(inner) if codec.wrapped else inner
    if isinstance(codec, c.ResultCodec):
        v = _expect(value, "result")
        ok = "Ok" in v
        inner_codec = codec.ok if ok else codec.err
        payload = v["Ok" if ok else "Err"]
        inner = None if inner_codec is None or payload is None else to_python(inner_codec, payload)
        return Ok(inner) if ok else Err(inner)
    raise ValueMismatch(f"the runner can't build a {codec.wit} value")


def to_json(codec: c.Codec | None, value: Any) -> Json:
    """The JSON form (as `normalize` spells it) of Python `value` of `codec`'s type."""
    if codec is None:
        return None
    if isinstance(codec, c.BoolCodec):
        return {"type": "bool", "value": value}
    if isinstance(codec, c.IntCodec):
        return {"type": codec.wit, "value": str(value)}
    if isinstance(codec, c.FloatCodec):
        pattern = "nan" if math.isnan(value) else str(_float_bits(codec.wit, value))
        return {"type": codec.wit, "value": pattern}
    if isinstance(codec, c.CharCodec):
        return {"type": "char", "value": value}
    if isinstance(codec, c.StringCodec):
        return {"type": "string", "value": value}
    if isinstance(codec, c.BytesCodec):
        return {"type": "list", "value": [{"type": "u8", "value": str(b)} for b in value]}
    if isinstance(codec, (c.NumberListCodec, c.ListCodec)):
        return {"type": "list", "value": [to_json(codec.elem, x) for x in value]}
    if isinstance(codec, c.TupleCodec):
        return {"type": "tuple", "value": [to_json(e, x) for e, x in zip(codec.elems, value, strict=True)]}
    if isinstance(codec, c.RecordCodec):
        fields = [[name.decode(), to_json(f, getattr(value, attr))] for name, attr, f in codec.fields]
        return {"type": "record", "value": fields}
    if isinstance(codec, c.VariantCodec):
        name, _, payload = codec.cases[codec.by_class[type(value)]]
        inner = None if payload is None else to_json(payload, value.value)
        return {"type": "variant", "value": {"case": name.decode(), "payload": inner}}
    if isinstance(codec, c.EnumCodec):
        return {"type": "enum", "value": codec.names[codec.index[value]].decode()}
    if isinstance(codec, c.FlagsCodec):
        bits = int(value.value)
        return {
            "type": "flags",
            "value": sorted(n.decode() for i, n in enumerate(codec.names) if bits >> i & 1),
        }
    if isinstance(codec, c.OptionCodec):
        if value is None:
            return {"type": "option", "value": None}
        return {"type": "option", "value": to_json(codec.inner, value.value if codec.wrapped else value)}
    if isinstance(codec, c.ResultCodec):
        ok = isinstance(value, Ok)
        payload_codec = codec.ok if ok else codec.err
        return {"type": "result", "value": {"Ok" if ok else "Err": to_json(payload_codec, value.value)}}
    raise ValueMismatch(f"the runner can't read a {codec.wit} value")


def normalize(value: Json) -> Json:
    """An expected JSON value in `to_json`'s spelling: canonical integers, `"nan"` for any NaN."""
    if not isinstance(value, dict) or "type" not in value:
        return value
    t: str = value["type"]
    v: Any = value.get("value")
    if t in _FLOAT_FORMATS:
        nan = str(v).startswith("nan") or math.isnan(_float_from_bits(t, int(v)))
        return {"type": t, "value": "nan" if nan else str(int(v))}
    if t[0] in "us" and t[1:].isdigit():
        return {"type": t, "value": str(int(v))}
    if t in ("list", "tuple"):
        return {"type": t, "value": [normalize(x) for x in v]}
    if t == "record":
        return {"type": t, "value": [[name, normalize(x)] for name, x in v]}
    if t == "variant":
        return {"type": t, "value": {"case": v["case"], "payload": normalize(v.get("payload"))}}
    if t == "option":
        return {"type": t, "value": None if v is None else normalize(v)}
    if t == "result":
        return {"type": t, "value": {k: normalize(x) for k, x in v.items()}}
    if t == "flags":
        return {"type": t, "value": sorted(v)}
    return {"type": t, "value": v}


def show(value: Json) -> str:
    """A JSON value, compactly (`u32 1`, `record{a: u32 1}`, `ok(string "x")`...) for messages."""
    if value is None:
        return "-"
    if not isinstance(value, dict):
        return repr(value)
    t: str = value["type"]
    v: Any = value.get("value")
    if t in ("list", "tuple"):
        return f"{t}[{', '.join(show(x) for x in v)}]"
    if t == "record":
        return "record{" + ", ".join(f"{name}: {show(x)}" for name, x in v) + "}"
    if t == "variant":
        return f"{v['case']}({show(v.get('payload'))})"
    if t == "option":
        return "none" if v is None else f"some({show(v)})"
    if t == "result":
        return ", ".join(f"{k.lower()}({show(x)})" for k, x in v.items())
    if t in ("string", "char"):
        return f"{t} {v!r}"
    return f"{t} {v}"
