"""ProtoWalk: a document checked as a proto message, the way Envoy's JSON loader and PGV do."""
import datetime
import json
import re

from .errors import ConfigError
from .schema import (DURATION_RE, HEADER_LOOSE_RE, HEADER_NAME_RE, HEADER_VALUE_RE, INT_RANGES, T_ANY, T_DURATION,
                     WRAPPERS, _dur_bound, _is_hostname, _list, _num, is_ip, proto_schema)


class ProtoWalk:
    """Problems of a document as a proto message: errors (rejected) and warnings (logged)."""

    def __init__(self, reject_unknown):
        self.reject_unknown = reject_unknown
        self.errors = []
        self.warnings = []
        self.s = proto_schema()

    def check(self, type_name, doc):
        self.message(type_name, doc, "")
        return self

    def raise_first(self):
        if self.errors:
            raise ConfigError(self.errors[0])

    def bad(self, path, what):
        self.errors.append(f"Unable to parse JSON as proto (INVALID_ARGUMENT:{path}: {what})")

    def pgv(self, type_name, path, what):
        self.errors.append(f"Proto constraint validation failed ({type_name.split('.')[-1]}ValidationError "
                           f"at {path}: {what})")

    def message(self, t, v, path):
        """Walks one message value; returns what its field's PGV rules compare (or None)."""
        if t in WRAPPERS:
            return self.scalar(WRAPPERS[t], v, path)
        if t == T_DURATION:
            m = DURATION_RE.fullmatch(v) if isinstance(v, str) else None
            if not m or int(m.group(2)) > 315576000000:
                return self.bad(path, f"invalid duration {json.dumps(v, default=str)}")
            n = int(m.group(2)) * 10 ** 9 + int((m.group(3) or "").ljust(9, "0"))
            return -n if m.group(1) else n
        if t == "google.protobuf.Timestamp":
            if not isinstance(v, (str, datetime.datetime)):
                self.bad(path, "invalid timestamp")
            return None
        if t in ("google.protobuf.Struct", "google.protobuf.Empty") and not isinstance(v, dict):
            return self.bad(path, f"expected an object for {t}")
        if t == "google.protobuf.ListValue" and not isinstance(v, list):
            return self.bad(path, "expected a list for ListValue")
        if t in ("google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue",
                 "google.protobuf.FieldMask", "google.protobuf.Empty"):
            return None
        if t == T_ANY:
            return self.any(v, path)
        if not isinstance(v, dict):
            return self.bad(path, f"invalid value {json.dumps(v, default=str)[:60]} for type TYPE_MESSAGE ({t})")
        self.fields(t, v, path)
        return None

    def any(self, v, path):
        if not isinstance(v, dict) or not isinstance(v.get("@type"), str) or "/" not in v["@type"]:
            return self.bad(path, "Any JSON doesn't have '@type'")
        url = v["@type"]
        name = url.rsplit("/", 1)[1]
        rest = {k: x for k, x in v.items() if k != "@type"}
        if name in WRAPPERS or name == T_DURATION or (name.startswith("google.protobuf.") and name != T_ANY):
            if "value" in rest:
                self.message(name, rest["value"], path + ".value")
            return url
        if name not in self.s["messages"]:
            self.bad(path, f"Invalid type URL, unknown type: {name}")
            return url
        self.fields(name, rest, path)
        return url

    def fields(self, t, obj, path):
        m = self.s["messages"][t]
        seen = {}
        for key, val in obj.items():
            f = m["by"].get(key)
            at = f"{path}.{key}" if path else key
            if f is None:
                reason = f"Protobuf message (type {t} reason INVALID_ARGUMENT:{at}: Cannot find field.) has unknown fields"
                (self.errors if self.reject_unknown else self.warnings).append(
                    reason if self.reject_unknown else "Unknown field: " + reason[len("Protobuf message ("):-len(") has unknown fields")])
                continue
            if f[0] in seen:
                self.bad(at, f"duplicate field {f[0]}")
                continue
            seen[f[0]] = val
            if "d" in f[4] and val is not None:
                self.warnings.append(f"Using deprecated option '{t}.{f[0]}'. This configuration will be removed "
                                     f"from Envoy soon.")
        present = lambda n: n in seen and (seen[n] is not None or m["by"][n][2] == "google.protobuf.Value")  # noqa: E731
        for name, members, required in m["o"]:
            got = [n for n in members if present(n)]
            if len(got) > 1:
                self.bad(path, f"oneof field '{name}' is already set. Cannot set '{got[1]}'")
            elif not got and required and not m["d"]:
                self.pgv(t, path, f"value is required (oneof {name})")
        for f in m["f"]:
            rules = None if m["d"] else f[7]
            at = f"{path}.{f[0]}" if path else f[0]
            if present(f[0]):
                self.field(t, f, seen[f[0]], at, rules)
            elif rules:
                self.absent(t, f, at, rules)

    def field(self, owner, f, v, path, rules):
        if "m" in f[4]:
            if not isinstance(v, dict):
                return self.bad(path, "expected an object (map)")
            for k, item in v.items():
                if item is not None:
                    self.single(owner, f, item, f"{path}[{k}]", (rules or {}).get("map", {}).get("values"))
            return self.count(owner, path, len(v), (rules or {}).get("map"), "pairs")
        if "r" in f[4]:
            if not isinstance(v, list):
                return self.bad(path, "expected a list (repeated field)")
            r = (rules or {}).get("repeated") or {}
            for i, item in enumerate(v):
                if item is None:
                    self.bad(f"{path}[{i}]", "null in a list")
                else:
                    self.single(owner, f, item, f"{path}[{i}]", r.get("items"))
            if r.get("unique") and len({json.dumps(x, sort_keys=True, default=str) for x in v}) < len(v):
                self.pgv(owner, path, "repeated value must contain unique items")
            return self.count(owner, path, len(v), r, "items")
        self.single(owner, f, v, path, rules)

    def count(self, owner, path, n, r, what):
        if not r:
            return
        if n < int(_num(r.get(f"min_{what}", 0)) or 0):
            self.pgv(owner, path, f"value must contain at least {r[f'min_{what}']} {what}")
        if r.get(f"max_{what}") is not None and n > int(_num(r[f"max_{what}"])):
            self.pgv(owner, path, f"value must contain no more than {r[f'max_{what}']} {what}")

    def absent(self, owner, f, path, rules):
        if "m" in f[4]:
            return self.count(owner, path, 0, rules.get("map"), "pairs")
        if "r" in f[4]:
            r = rules.get("repeated")
            return None if not r or r.get("ignore_empty") else self.count(owner, path, 0, r, "items")
        if f[6] or "o" in f[4]:
            return None
        if f[3] == "m":
            req = (rules.get("message") or {}).get("required") or \
                (f[2] == T_DURATION and (rules.get("duration") or {}).get("required")) or \
                (f[2] == T_ANY and (rules.get("any") or {}).get("required")) or \
                (f[2] == "google.protobuf.Timestamp" and (rules.get("timestamp") or {}).get("required"))
            if req:
                self.pgv(owner, path, "value is required")
            return None
        default = 0 if f[3] == "e" else "" if f[2] in ("string", "bytes") else False if f[2] == "bool" else 0
        self.rules(owner, f, rules, default, path)

    def single(self, owner, f, v, path, rules):
        if f[3] == "m":
            norm = self.message(f[2], v, path)
        elif f[3] == "e":
            values = {n: num for n, num, _dep in self.s["enums"][f[2]]}
            if isinstance(v, int) and not isinstance(v, bool):
                norm = v
            elif isinstance(v, str) and v in values:
                norm = values[v]
            else:
                return self.bad(path, f"invalid value {json.dumps(v, default=str)} for type TYPE_ENUM ({f[2]})")
        else:
            norm = self.scalar(f[2], v, path)
        if rules and norm is not None:
            self.rules(owner, f, rules, norm, path)

    def scalar(self, t, v, path):
        if t in INT_RANGES:
            if isinstance(v, bool) or not (isinstance(v, int) or (isinstance(v, str) and re.fullmatch(r"-?\d+", v.strip()))):
                return self.bad(path, f"invalid value {json.dumps(v, default=str)} for type TYPE_{t.upper()}")
            n = int(v)
            lo, hi = INT_RANGES[t]
            return n if lo <= n <= hi else self.bad(path, f"invalid value {n} for type TYPE_{t.upper()}")
        if t in ("double", "float"):
            n = _num(v) if not isinstance(v, str) or v not in ("NaN", "Infinity", "-Infinity") else float(v)
            return n if n is not None else self.bad(path, f"invalid value {json.dumps(v, default=str)} for type TYPE_{t.upper()}")
        if t == "bool":
            return v if isinstance(v, bool) else self.bad(path, f"invalid value {json.dumps(v, default=str)} for type TYPE_BOOL")
        if t == "bytes" and not (isinstance(v, str) and re.fullmatch(r"[A-Za-z0-9+/_-]*={0,2}", v)):
            return self.bad(path, f"invalid value {json.dumps(v, default=str)} for type TYPE_BYTES")
        if not isinstance(v, str):
            return self.bad(path, f"invalid value {json.dumps(v, default=str)} for type TYPE_STRING")
        return v

    def rules(self, owner, f, rules, v, path):
        t = f[2]
        kind = WRAPPERS.get(t, t) if f[3] != "e" else "enum"
        if t == T_DURATION:
            r = rules.get("duration")
            return self.range(owner, path, r, v, _dur_bound, lambda n: f"{n / 1e9:g}s") if r else None
        if t == T_ANY:
            r = rules.get("any") or {}
            if r.get("in") is not None and v not in _list(r["in"]):
                self.pgv(owner, path, f"type URL must be in the list {r['in']}")
            return None
        r = rules.get(kind)
        if not r or (f[3] == "m" and t not in WRAPPERS):
            return None
        if r.get("ignore_empty") and v in ("", 0, False):
            return None
        if kind == "enum":
            if r.get("defined_only") and v not in {num for _n, num, _d in self.s["enums"][t]}:
                self.pgv(owner, path, "value must be one of the defined enum values")
            names = {num: n for n, num, _d in self.s["enums"][t]}
            for bad in _list(r.get("not_in")):
                if v == bad:
                    self.pgv(owner, path, f"value must not be in list [{names.get(bad, bad)}]")
            if r.get("in") is not None and v not in _list(r["in"]):
                self.pgv(owner, path, "value must be in list")
            return None
        if kind == "string":
            return self.string(owner, path, r, v)
        if kind == "bool":
            if r.get("const") is not None and v != r["const"]:
                self.pgv(owner, path, f"value must equal {r['const']}")
            return None
        if kind == "bytes":
            return None
        return self.range(owner, path, r, v, _num, str)

    def range(self, owner, path, r, v, conv, show):
        gt, gte, lt, lte, const = (conv(r.get(k)) if r.get(k) is not None else None for k in ("gt", "gte", "lt", "lte", "const"))
        if const is not None and v != const:
            self.pgv(owner, path, f"value must equal {show(const)}")
        lower, upper = (gt if gt is not None else gte), (lt if lt is not None else lte)
        above = v > gt if gt is not None else v >= gte if gte is not None else True
        below = v < lt if lt is not None else v <= lte if lte is not None else True
        if lower is not None and upper is not None and upper < lower:
            ok = above or below
        else:
            ok = above and below
        if not ok:
            bounds = [b for b in ((f"greater than {show(gt)}" if gt is not None else None),
                                  (f"greater than or equal to {show(gte)}" if gte is not None else None),
                                  (f"less than {show(lt)}" if lt is not None else None),
                                  (f"less than or equal to {show(lte)}" if lte is not None else None)) if b]
            self.pgv(owner, path, f"value must be {' and '.join(bounds)}, got {show(v)}")
        ins = [conv(x) for x in _list(r.get("in"))]
        if ins and v not in ins:
            self.pgv(owner, path, f"value must be in list {ins}")
        if v in [conv(x) for x in _list(r.get("not_in"))]:
            self.pgv(owner, path, f"value must not be in list, got {show(v)}")

    def string(self, owner, path, r, s):
        chars, size = len(s), len(s.encode())
        n = lambda k: int(_num(r[k])) if r.get(k) is not None else None  # noqa: E731
        checks = [
            (r.get("const") is not None and s != r["const"], f"value must equal {r.get('const')}"),
            (n("len") is not None and chars != n("len"), f"value length must be {n('len')} characters"),
            (n("min_len") is not None and chars < n("min_len"), f"value length must be at least {n('min_len')} characters"),
            (n("max_len") is not None and chars > n("max_len"), f"value length must be at most {n('max_len')} characters"),
            (n("min_bytes") is not None and size < n("min_bytes"), f"value length must be at least {n('min_bytes')} bytes"),
            (n("max_bytes") is not None and size > n("max_bytes"), f"value length must be at most {n('max_bytes')} bytes"),
            (r.get("prefix") is not None and not s.startswith(r["prefix"]), f"value does not have prefix {r.get('prefix')!r}"),
            (r.get("suffix") is not None and not s.endswith(r["suffix"]), f"value does not have suffix {r.get('suffix')!r}"),
            (r.get("contains") is not None and r["contains"] not in s, f"value does not contain {r.get('contains')!r}"),
            (r.get("not_contains") is not None and r["not_contains"] in s, f"value contains {r.get('not_contains')!r}"),
            (r.get("in") is not None and s not in _list(r["in"]), f"value must be in list {r.get('in')}"),
            (s in _list(r.get("not_in")), "value must not be in list"),
        ]
        if r.get("pattern") is not None:
            try:
                checks.append((not re.search(r["pattern"], s), f"value does not match regex pattern {r['pattern']!r}"))
            except re.error:
                pass  # RE2 syntax Python cannot read: not checked, like the project's checker
        if s:
            loose = r.get("strict") is False
            wk = r.get("well_known_regex")
            checks += [
                (r.get("hostname") and not _is_hostname(s), "value must be a valid hostname"),
                (r.get("ip") and not is_ip(s), "value must be a valid IP address"),
                (r.get("ipv4") and not (is_ip(s) and ":" not in s), "value must be a valid IPv4 address"),
                (r.get("ipv6") and not (is_ip(s) and ":" in s), "value must be a valid IPv6 address"),
                (r.get("address") and not (is_ip(s) or _is_hostname(s)), "value must be a valid hostname, or ip address"),
                (r.get("uri") and not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", s), "value must be a valid URI"),
                (wk == "HTTP_HEADER_NAME" and not (HEADER_LOOSE_RE if loose else HEADER_NAME_RE).fullmatch(s),
                 "value does not match regex pattern (HTTP header name)"),
                (wk == "HTTP_HEADER_VALUE" and not (HEADER_LOOSE_RE if loose else HEADER_VALUE_RE).fullmatch(s),
                 "value does not match regex pattern (HTTP header value)"),
            ]
        for failed, what in checks:
            if failed:
                self.pgv(owner, path, what)

