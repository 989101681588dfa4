"""Access logs: Envoy's command operators rendered as text or JSON, buffered and flushed to files."""
import os
import re
import socket
import sys
import time

from .fmt import now_iso
from .log import log


class AccessLogger:
    """Envoy buffers file access logs and flushes every --file-flush-interval-msec, writing to a
    file it opened once (O_APPEND | O_CREAT) and keeps open: after logrotate renames the file,
    Envoy goes on writing to the renamed one until told to reopen (POST /reopen_logs or SIGUSR1;
    Envoy docs, operations/admin: "Triggers reopen of all access logs. Behavior is similar to
    SIGUSR1 handling."). Like AccessLogFileImpl::flushThreadFunc, a reopen closes the file and
    opens the path again before writing what was still buffered."""

    def __init__(self):
        self.buffers = {}
        self.files = {}

    def write(self, path, line):
        self.buffers.setdefault(path, []).append(line)
        if sum(len(x) for x in self.buffers[path]) > 64 * 1024:
            self.flush_one(path)

    def flush_one(self, path):
        lines = self.buffers.pop(path, None)
        if not lines:
            return
        try:
            if path == "/dev/stdout":
                sys.stdout.write("".join(lines))
                sys.stdout.flush()
            elif path == "/dev/stderr":
                sys.stderr.write("".join(lines))
                sys.stderr.flush()
            else:
                fh = self.files.get(path)
                if fh is None:
                    fh = self.files[path] = open(path, "a", encoding="utf-8")
                fh.write("".join(lines))
                fh.flush()
        except OSError as e:
            self.files.pop(path, None)
            log("error", "misc", "source/common/access_log/access_log_manager_impl.cc:100",
                f"unable to write access log {path}: {e}")

    def flush(self):
        for p in list(self.buffers):
            self.flush_one(p)

    def reopen(self):
        for fh in self.files.values():
            try:
                fh.close()
            except OSError:
                pass
        self.files.clear()
        self.flush()


RESPONSE_FLAG_ORDER = ["LH", "UH", "UT", "LR", "UR", "UF", "UC", "UO", "NR", "DI", "FI", "RL", "UAEX", "RLSE",
                       "DC", "URX", "SI", "IH", "DPE", "UMSDR", "RFCF", "NFCF", "DT", "UPE", "NC", "OM", "DF", "DO",
                       "DR"]


def format_operator(op, ctx):
    """Returns (value, present). Values typed like Envoy's typed JSON formatter."""
    if op == "START_TIME" or op.startswith("START_TIME("):
        m = re.fullmatch(r"START_TIME\((.*)\)", op)
        if m:
            fmt = m.group(1).replace("%f", "%06d" % int((ctx["start"] % 1) * 1e6))
            fmt = re.sub(r"%(\d)f", lambda mm: ("%09d" % int((ctx["start"] % 1) * 1e9))[:int(mm.group(1))], fmt)
            return time.strftime(fmt, time.gmtime(ctx["start"])), True
        return now_iso(ctx["start"]), True
    table = {
        "DOWNSTREAM_REMOTE_ADDRESS": ctx.get("downstream_remote"),
        "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT": (ctx.get("downstream_remote") or "").rsplit(":", 1)[0] or None,
        "DOWNSTREAM_DIRECT_REMOTE_ADDRESS": ctx.get("downstream_remote"),
        "DOWNSTREAM_LOCAL_ADDRESS": ctx.get("downstream_local"),
        "DOWNSTREAM_LOCAL_PORT": int(ctx["downstream_local"].rsplit(":", 1)[1]) if ctx.get("downstream_local") else None,
        "UPSTREAM_HOST": ctx.get("upstream_host"),
        "UPSTREAM_REMOTE_ADDRESS": ctx.get("upstream_host"),
        "UPSTREAM_LOCAL_ADDRESS": ctx.get("upstream_local"),
        "UPSTREAM_CLUSTER": ctx.get("cluster"),
        "UPSTREAM_CLUSTER_RAW": ctx.get("cluster"),
        "BYTES_RECEIVED": ctx.get("rx", 0),
        "BYTES_SENT": ctx.get("tx", 0),
        "UPSTREAM_WIRE_BYTES_SENT": ctx.get("rx", 0),
        "UPSTREAM_WIRE_BYTES_RECEIVED": ctx.get("tx", 0),
        "DURATION": ctx.get("duration"),
        "RESPONSE_FLAGS": ",".join(f for f in RESPONSE_FLAG_ORDER if f in ctx.get("flags", ())) or "-",
        "RESPONSE_FLAGS_LONG": ",".join(f for f in RESPONSE_FLAG_ORDER if f in ctx.get("flags", ())) or "-",
        # Envoy replaces spaces with underscores in this operator's output
        "UPSTREAM_TRANSPORT_FAILURE_REASON": (ctx["transport_failure"].replace(" ", "_")
                                              if ctx.get("transport_failure") else None),
        "CONNECTION_TERMINATION_DETAILS": ctx.get("termination_details"),
        "CONNECTION_ID": ctx.get("connection_id"),
        # envoy.data.accesslog.v3.AccessLogType names
        "ACCESS_LOG_TYPE": ctx.get("access_log_type"),
        "UPSTREAM_CONNECTION_ID": ctx.get("upstream_connection_id"),
        "HOSTNAME": socket.gethostname(),
        "PROTOCOL": None,
        "RESPONSE_CODE": 0,
        "RESPONSE_CODE_DETAILS": None,
        "ROUTE_NAME": None,
        "REQUESTED_SERVER_NAME": None,
    }
    if op in table:
        v = table[op]
        return v, v is not None
    if op.startswith("ENVIRONMENT("):
        v = os.environ.get(op[12:-1].split(":")[0])
        return v, v is not None
    return None, False


OP_RE = re.compile(r"%([A-Z_0-9]+(?:\([^)]*\))?(?::\d+)?)%")


def render_text(fmt, ctx, json_string=False):
    def sub(m):
        op = m.group(1)
        op = re.sub(r":\d+$", "", op)
        v, ok = format_operator(op, ctx)
        if not ok:
            return "-"
        return str(v)
    return OP_RE.sub(sub, fmt)


def render_json(tmpl, ctx, typed=True):
    if isinstance(tmpl, dict):
        return {k: render_json(v, ctx, typed) for k, v in tmpl.items()}
    if isinstance(tmpl, str):
        m = OP_RE.fullmatch(tmpl)
        if m and typed:
            v, ok = format_operator(re.sub(r":\d+$", "", m.group(1)), ctx)
            return v if ok else None
        return render_text(tmpl, ctx)
    return tmpl


