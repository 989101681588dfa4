"""The admin API's HTTP server and routes (Envoy docs, operations/admin)."""
import asyncio
import json
import urllib.parse

from . import log as logger
from .fmt import fmt_addr, http_date
from .log import LEVELS, log
from .version import HOT_RESTART_VERSION


class AdminApi:
    """Server mixin: answers admin requests; the bodies it serves are rendered by AdminViews."""

    # -- admin ------------------------------------------------------------------------------
    async def admin_handle(self, reader, writer):
        try:
            while True:
                line = await asyncio.wait_for(reader.readline(), 30)
                if not line:
                    return
                parts = line.decode("latin-1").strip().split()
                if len(parts) < 2:
                    return
                method, target = parts[0], parts[1]
                headers = {}
                while True:
                    h = await reader.readline()
                    if not h or h in (b"\r\n", b"\n"):
                        break
                    k, _, v = h.decode("latin-1").partition(":")
                    headers[k.strip().lower()] = v.strip()
                n = int(headers.get("content-length") or 0)
                if n:
                    await reader.readexactly(n)
                code, ctype, body, after = self.admin_route(method, target)
                if isinstance(body, str):
                    body = body.encode()
                reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
                          503: "Service Unavailable"}.get(code, "OK")
                keep = headers.get("connection", "").lower() != "close" and parts[-1] == "HTTP/1.1"
                hdr = (f"HTTP/1.1 {code} {reason}\r\ncontent-type: {ctype}\r\ncache-control: no-cache, max-age=0\r\n"
                       f"x-content-type-options: nosniff\r\ndate: {http_date()}\r\nserver: envoy\r\n"
                       f"content-length: {len(body)}\r\n{'' if keep else 'connection: close' + chr(13) + chr(10)}\r\n")
                writer.write(hdr.encode() + (b"" if method == "HEAD" else body))
                await writer.drain()
                if after:
                    after()
                if not keep:
                    return
        except (asyncio.TimeoutError, OSError, ValueError, asyncio.IncompleteReadError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass

    def admin_route(self, method, target):
        u = urllib.parse.urlsplit(target)
        path = u.path
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        fmt = (q.get("format") or [""])[0]
        TEXT = "text/plain; charset=UTF-8"
        JSON = "application/json"
        mutating = {"/healthcheck/fail", "/healthcheck/ok", "/drain_listeners", "/quitquitquit", "/logging",
                    "/reset_counters", "/cpuprofiler", "/heapprofiler", "/runtime_modify", "/reopen_logs",
                    "/memory/tcmalloc", "/tap"}
        known = mutating | {"/", "/ready", "/server_info", "/clusters", "/listeners", "/stats", "/config_dump",
                            "/help", "/certs", "/memory", "/runtime", "/stats/prometheus", "/hot_restart_version",
                            "/contention", "/init_dump", "/stats/recentlookups"}
        if path not in known:
            return 404, TEXT, "invalid path. admin commands are:\n" + self.help_text(), None
        if path in mutating and method != "POST":
            log("error", "admin", "source/server/admin/admin_filter.cc:85",
                f"admin path \"{path}\" mutates state, method={method} rather than POST")
            return 405, TEXT, f"Method {method} not allowed, POST required.", None
        self.update_server_gauges()
        if path == "/":
            return 200, "text/html; charset=UTF-8", self.index_html(), None
        if path == "/help":
            return 200, TEXT, "admin commands are:\n" + self.help_text(), None
        if path == "/ready":
            s = self.server_state()
            return (200 if s == "LIVE" else 503), TEXT, s + "\n", None
        if path == "/server_info":
            return 200, JSON, json.dumps(self.server_info(), indent=1) + "\n", None
        if path == "/hot_restart_version":
            return 200, TEXT, HOT_RESTART_VERSION, None
        if path == "/clusters":
            if fmt == "json":
                return 200, JSON, json.dumps(self.clusters_json(), indent=1) + "\n", None
            return 200, TEXT, self.clusters_text(), None
        if path == "/listeners":
            if fmt == "json":
                return 200, JSON, json.dumps({"listener_statuses": [
                    {"name": l.name, "local_address": {"socket_address": {
                        "address": l.cfg["address"], "port_value": (l.bound or (0, l.cfg["port"]))[1]}}}
                    for l in self.listeners.values()]}, indent=1) + "\n", None
            return 200, TEXT, "".join(f"{l.name}::{fmt_addr((l.cfg['address'], (l.bound or (0, l.cfg['port']))[1]))}\n"
                                      for l in self.listeners.values()), None
        if path == "/stats":
            return self.stats_response(q, fmt)
        if path == "/stats/prometheus":
            return 200, "text/plain; charset=UTF-8", self.prometheus(), None
        if path == "/config_dump":
            return 200, JSON, json.dumps(self.config_dump(), indent=1) + "\n", None
        if path == "/certs":
            return 200, JSON, json.dumps({"certificates": []}, indent=1) + "\n", None
        if path == "/memory":
            return 200, JSON, json.dumps({"allocated": "0", "heap_size": "0"}, indent=1) + "\n", None
        if path == "/runtime":
            return 200, JSON, json.dumps({"layers": [], "entries": {}}, indent=1) + "\n", None
        if path == "/init_dump":
            return 200, JSON, json.dumps({"unready_targets_dumps": []}, indent=1) + "\n", None
        if path == "/healthcheck/fail":
            self.hc_failed = True
            self.update_server_gauges()
            return 200, TEXT, "OK\n", None
        if path == "/healthcheck/ok":
            self.hc_failed = False
            self.update_server_gauges()
            return 200, TEXT, "OK\n", None
        if path == "/drain_listeners":
            graceful = "graceful" in q
            skip_exit = "skip_exit" in q
            inbound = "inboundonly" in q
            if skip_exit and not graceful:
                return 400, TEXT, "skip_exit requires graceful\n", None
            if graceful:
                if not self.draining:
                    self.draining = True
                    self.spawn(self.drain_then_stop(inbound, skip_exit))
            else:
                self.stop_listeners(inbound)
            return 200, TEXT, "OK\n", None
        if path == "/quitquitquit":
            return 200, TEXT, "OK\n", lambda: self.stop_event.set()
        if path == "/reset_counters":
            for k in self.stats.counters:
                self.stats.counters[k] = 0
            return 200, TEXT, "OK\n", None
        if path == "/reopen_logs":
            self.access.reopen()
            return 200, TEXT, "OK\n", None
        if path == "/logging":
            lv = (q.get("level") or [None])[0]
            if lv is not None:
                if lv not in LEVELS:
                    return 404, TEXT, "error: unknown logger level\n", None
                logger.set_level(lv)
            return 200, TEXT, f"active loggers:\n  main: {logger.level_name()}\n", None
        return 200, TEXT, "OK\n", None

    def help_text(self):
        items = [("/", "Admin home page"), ("/certs", "print certs on machine"), ("/clusters", "upstream cluster status"),
                 ("/config_dump", "dump current Envoy configs (experimental)"),
                 ("/drain_listeners", "drain listeners (POST)"), ("/healthcheck/fail", "cause the server to fail "
                 "health checks (POST)"), ("/healthcheck/ok", "cause the server to pass health checks (POST)"),
                 ("/help", "print out list of admin commands"), ("/hot_restart_version", "print the hot restart "
                 "compatibility version"), ("/listeners", "print listener info"), ("/logging", "query/change "
                 "logging levels (POST)"), ("/memory", "print current allocation/heap usage"),
                 ("/quitquitquit", "exit the server (POST)"), ("/ready", "print server state, return 200 if LIVE, "
                 "otherwise return 503"), ("/reopen_logs", "reopen access logs (POST)"), ("/reset_counters", "reset "
                 "all counters to zero (POST)"), ("/runtime", "print runtime values"), ("/server_info", "print "
                 "server version/status information"), ("/stats", "print server stats"), ("/stats/prometheus",
                 "print server stats in prometheus format")]
        return "".join(f"  {p}: {d}\n" for p, d in items)

    def index_html(self):
        rows = "".join(f"<tr><td><a href='{p}'>{p[1:] or 'home'}</a></td></tr>\n" for p in
                       ("/", "/clusters", "/config_dump", "/listeners", "/ready", "/server_info", "/stats"))
        return f"<!DOCTYPE html><html lang='en'><head><title>Envoy Admin</title></head><body>\n<table class='home-table'>\n{rows}</table>\n</body></html>\n"

