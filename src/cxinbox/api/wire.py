"""JSON on the socket: the API's value types and errors, encoded generically.

Why generic: the socket transport must carry whatever the `InboxAPI` methods take and
return, and adding a dataclass or a method should need no code here. So a value is walked
once and anything JSON cannot say exactly is tagged with a `"$"` key:

    dataclass   {"$": "cxinbox.contract.types:Event", "f": {field: value, ...}}
    enum        {"$": "module:Qualname", "e": value}
    tuple       {"$": "t", "v": [...]}         set / frozenset  "s" / "fs"
    bytes       {"$": "b", "v": base64}        datetime / date  "dt" / "d" (ISO 8601)
    mapping     {"$": "m", "v": [[k, v], ...]} (keys that are not strings, or a "$" key)

so a decoded value is equal to the one encoded, tuples stay tuples and a dict that happens
to hold a "$" key is not mistaken for a tag. Classes are found by module and name, and only
in cxinbox's own api/contract/service/domain modules: a peer can never make us import anything else.

Errors travel as `{"type": "module:Qualname", "message": ..., "exit_code": ..., "attrs":
{...}}` and come back as the same `ApiError` subclass with the same exit code.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import importlib
import json
from datetime import date, datetime
from typing import Any, Final

from cxinbox.contract.errors import ApiError
from cxinbox.domain.sanitize import clean_line

VALUE_MODULE_PREFIXES: Final = ("cxinbox.api.", "cxinbox.contract.", "cxinbox.service.",
                                 "cxinbox.domain.")
"""Where classes named on the wire may come from."""

_FIELDS: dict[type, tuple[str, ...]] = {}
_NAMES: dict[type, str] = {}
_CLASSES: dict[str, type] = {}


class WireError(ValueError):
    """A frame we cannot decode: a protocol error, not a user error."""


def type_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _fields_of(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls) if f.init)
        _NAMES[cls] = type_name(cls)  # first: `_encode` takes a class in _FIELDS as named
        _FIELDS[cls] = names
    return names


_PLAIN: Final = frozenset({str, int, float, bool, type(None)})


def _encode(value: Any) -> Any:
    cls = type(value)
    if cls in _PLAIN:  # the common case first: a bulk result is ~10^5 of these
        return value
    if cls is list:
        return [v if type(v) in _PLAIN else _encode(v) for v in value]
    if cls is dict and "$" not in value and all(type(k) is str for k in value):
        return {k: v if type(v) in _PLAIN else _encode(v) for k, v in value.items()}
    names = _FIELDS.get(cls)
    if names is not None:  # a dataclass seen before
        return {"$": _NAMES[cls], "f": {n: _encode(getattr(value, n)) for n in names}}
    if isinstance(value, enum.Enum):
        return {"$": type_name(cls), "e": _encode(value.value)}
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$": "t", "v": [_encode(v) for v in value]}
    if isinstance(value, dict):
        if "$" not in value and all(type(k) is str for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {"$": "m", "v": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        _NAMES[cls] = type_name(cls)
        return {"$": _NAMES[cls],
                "f": {name: _encode(getattr(value, name)) for name in _fields_of(cls)}}
    if isinstance(value, enum.Enum):
        return {"$": type_name(cls), "e": _encode(value.value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$": "b", "v": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        return {"$": "dt", "v": value.isoformat()}
    if isinstance(value, date):
        return {"$": "d", "v": value.isoformat()}
    if isinstance(value, frozenset):
        return {"$": "fs", "v": [_encode(v) for v in value]}
    if isinstance(value, set):
        return {"$": "s", "v": [_encode(v) for v in value]}
    raise TypeError(f"cannot send a {cls.__qualname__} over the socket")


def _class_named(name: str) -> type:
    cls = _CLASSES.get(name)
    if cls is not None:
        return cls
    module_name, _, qualname = name.partition(":")
    if not module_name.startswith(VALUE_MODULE_PREFIXES) or not qualname:
        raise WireError(f"refusing to decode a value of type {name!r}")
    try:
        found: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        raise WireError(f"unknown value type {name!r}") from None
    if not isinstance(found, type) or not (dataclasses.is_dataclass(found)
                                           or issubclass(found, enum.Enum)):
        raise WireError(f"{name!r} is not a value type")
    _CLASSES[name] = found
    return found


def _hook(obj: dict[str, Any]) -> Any:
    return _decode(obj, lenient=False)


def _hook_lenient(obj: dict[str, Any]) -> Any:
    return _decode(obj, lenient=True)


def _decode(obj: dict[str, Any], *, lenient: bool) -> Any:
    tag = obj.get("$")
    if tag is None:
        return obj
    if not isinstance(tag, str):
        raise WireError("bad type tag")
    v = obj.get("v")
    if tag == "t":
        return tuple(v or ())
    if tag == "m":
        return {_freeze(k): val for k, val in (v or ())}
    if tag == "b":
        return base64.b64decode(v or "")
    if tag == "dt":
        return datetime.fromisoformat(str(v))
    if tag == "d":
        return date.fromisoformat(str(v))
    if tag == "fs":
        return frozenset(_freeze(x) for x in v or ())
    if tag == "s":
        return {_freeze(x) for x in v or ()}
    try:
        cls = _class_named(tag)
    except WireError:
        if lenient and tag.startswith(VALUE_MODULE_PREFIXES):
            return None  # a newer server's new value type: its field is dropped above it
        raise
    if "e" in obj:
        try:
            return cls(obj["e"])
        except ValueError:
            if lenient:
                return None  # a newer server's new member of a known enum
            raise WireError(f"{tag}: no member {obj['e']!r}") from None
    fields = obj.get("f")
    if not isinstance(fields, dict):
        raise WireError(f"{tag}: no fields")
    if lenient:
        # A newer server's value may carry fields this client does not know yet.
        known = _fields_of(cls) if dataclasses.is_dataclass(cls) else ()
        if known:
            fields = {name: value for name, value in fields.items() if name in known}
    try:
        return cls(**fields)
    except TypeError as exc:
        raise WireError(f"{tag}: {exc}") from None


def _freeze(value: Any) -> Any:
    """Set members and mapping keys must be hashable; JSON gave us lists."""
    return tuple(_freeze(v) for v in value) if isinstance(value, list) else value


def dumps(frame: dict[str, Any]) -> bytes:
    """One frame as one line of UTF-8 JSON, newline-terminated."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def loads(line: bytes, *, from_server: bool = False) -> dict[str, Any]:
    """One frame. The server decodes what clients send strictly: a value with a field its
    class does not have is refused. A client (`from_server`) drops fields it does not
    know, so a TUI or CLI left running while the package is upgraded and the server
    restarted keeps reading the roster and the teams, which gain fields over time."""
    try:
        frame = json.loads(line, object_hook=_hook_lenient if from_server else _hook)
    except (ValueError, TypeError, RecursionError) as exc:
        # TypeError: an unhashable set member or mapping key; RecursionError: nesting
        # deeper than the parser's stack.
        raise WireError(f"malformed frame: {clean_line(str(exc), max_len=120)}") from None
    if not isinstance(frame, dict):
        raise WireError("a frame must be a JSON object")
    return frame


def encode(value: Any) -> Any:
    """A value as JSON-ready data (tagged where plain JSON would lose something)."""
    return _encode(value)


# -- errors --------------------------------------------------------------------------------


def encode_error(exc: ApiError) -> dict[str, Any]:
    attrs = {k: v for k, v in vars(exc).items() if not k.startswith("_")}
    return {"type": type_name(type(exc)), "message": str(exc), "exit_code": exc.exit_code,
            "attrs": _encode(attrs)}


def _error_classes(root: type[ApiError] = ApiError) -> dict[str, type[ApiError]]:
    found = {type_name(root): root}
    for sub in root.__subclasses__():
        found.update(_error_classes(sub))
    return found


def decode_error(data: Any) -> ApiError:
    """The same ApiError subclass the server raised; an unknown one keeps its exit code."""
    if not isinstance(data, dict):
        return ApiError("the server sent a malformed error")
    name = str(data.get("type", ""))
    message = str(data.get("message", "server error"))
    module_name = name.partition(":")[0]
    if name not in _error_classes() and module_name.startswith(("cxinbox.api.",
                                                                 "cxinbox.contract.",
                                                                 "cxinbox.service.")):
        try:
            importlib.import_module(module_name)
        except ImportError:
            pass
    cls = _error_classes().get(name)
    if cls is None:
        exc = ApiError(message)
        exc.exit_code = int(data.get("exit_code", ApiError.exit_code))
        return exc
    exc = cls.__new__(cls)
    Exception.__init__(exc, message)
    attrs = data.get("attrs")
    if isinstance(attrs, dict):
        for key, value in attrs.items():
            setattr(exc, key, value)
    return exc
