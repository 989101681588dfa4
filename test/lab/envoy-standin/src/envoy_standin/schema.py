"""Envoy's API protos as the lab embeds them (_build.PROTO_SCHEMA_Z), and the value helpers the
proto walk and the semantic pass share."""
import json
import re
import socket

from ._build import PROTO_SCHEMA_Z
from .errors import ConfigError

# ---------------------------------------------------------------------------------------------
# proto schema walk: what Envoy's JSON->proto loader and PGV validation reject
# ---------------------------------------------------------------------------------------------
# Real Envoy parses every config into its API protos (MessageUtil::loadFromJson, unknown fields
# handled by the ValidationVisitor: an error for the bootstrap unless --allow-unknown-static-fields,
# for dynamic xDS resources a warning unless --reject-unknown-dynamic-fields), then runs the
# protoc-gen-validate rules (MessageUtil::validate), typed configs included.  References: Envoy
# docs "Command line options" (--reject-unknown-dynamic-fields, --allow-unknown-static-fields:
# envoyproxy.io/docs/envoy/latest/operations/cli) and "xDS subscription statistics" (a rejected
# update counts update_rejected and keeps the previous config; an accepted one update_success:
# envoyproxy.io/docs/envoy/latest/configuration/overview/mgmt_server); source:
# source/common/protobuf/message_validator_impl.cc (unknown fields: warn or throw per visitor).  The schema below is
# Envoy's API protos as the project reflects them (test/lab/standin-schema.ts); the lab's release
# publisher embeds it as _build.PROTO_SCHEMA_Z (build.py).  Deprecated fields warn, as in Envoy.
_SCHEMA = None
DURATION_RE = re.compile(r"(-?)(\d+)(?:\.(\d{1,9}))?s")
INT_RANGES = {"int32": (-2 ** 31, 2 ** 31 - 1), "sint32": (-2 ** 31, 2 ** 31 - 1), "sfixed32": (-2 ** 31, 2 ** 31 - 1),
              "uint32": (0, 2 ** 32 - 1), "fixed32": (0, 2 ** 32 - 1), "int64": (-2 ** 63, 2 ** 63 - 1),
              "sint64": (-2 ** 63, 2 ** 63 - 1), "sfixed64": (-2 ** 63, 2 ** 63 - 1), "uint64": (0, 2 ** 64 - 1),
              "fixed64": (0, 2 ** 64 - 1)}
WRAPPERS = {"google.protobuf." + k + "Value": v for k, v in (("Double", "double"), ("Float", "float"), ("Int64", "int64"),
            ("UInt64", "uint64"), ("Int32", "int32"), ("UInt32", "uint32"), ("Bool", "bool"), ("String", "string"),
            ("Bytes", "bytes"))}
T_ANY, T_DURATION = "google.protobuf.Any", "google.protobuf.Duration"
HEADER_NAME_RE = re.compile(r":?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+")
HEADER_VALUE_RE = re.compile(r"[^\x00-\x08\x0a-\x1f\x7f]*")
HEADER_LOOSE_RE = re.compile(r"[^\x00\x0a\x0d]*")


def drop_nulls(v):
    """proto3 JSON: a null field is an unset field (the semantic pass then sees its default)."""
    if isinstance(v, dict):
        return {k: drop_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [drop_nulls(x) for x in v]
    return v


def proto_schema():
    global _SCHEMA
    if _SCHEMA is None:
        if PROTO_SCHEMA_Z is None:
            raise ConfigError("this stand-in was not built with its proto schema (publish it with test/lab/release.ts)")
        import base64
        import zlib
        _SCHEMA = json.loads(zlib.decompress(base64.b64decode(PROTO_SCHEMA_Z)))
        for m in _SCHEMA["messages"].values():
            m["by"] = {}
            for f in m["f"]:
                m["by"][f[0]] = f
                m["by"][f[1]] = f
    return _SCHEMA


def _is_hostname(s):
    h = s[:-1] if s.endswith(".") else s
    return 0 < len(h) <= 253 and all(re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?", p) for p in h.split("."))


def _num(x):
    if isinstance(x, bool) or x is None:
        return None
    if isinstance(x, (int, float)):
        return x
    try:
        return int(x) if re.fullmatch(r"-?\d+", str(x)) else float(x)
    except (TypeError, ValueError):
        return None


def _list(x):
    """PGV `in` / `not_in` as the schema holds them: one value or a list."""
    return [] if x is None else x if isinstance(x, list) else [x]


def _dur_bound(x):
    if not isinstance(x, dict):
        return None
    return int(_num(x.get("seconds", 0)) or 0) * 10 ** 9 + int(_num(x.get("nanos", 0)) or 0)
def is_ip(s):
    try:
        socket.inet_pton(socket.AF_INET, s)
        return True
    except OSError:
        pass
    try:
        socket.inet_pton(socket.AF_INET6, s)
        return True
    except OSError:
        return False

