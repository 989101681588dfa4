"""Timestamps, addresses and durations printed the way Envoy prints them."""
import datetime
import time


def now_iso(ts=None):
    ts = time.time() if ts is None else ts
    d = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)

def fmt_addr(a):
    if not a:
        return None
    host, port = a[0], a[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def fmt_dur(s):
    s = float(s)
    return f"{int(s)}s" if s == int(s) else f"{s:.3f}".rstrip("0") + "s"


def http_date():
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())

