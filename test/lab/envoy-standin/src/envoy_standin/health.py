"""Active health checking of a cluster's hosts, scheduled as Envoy does it.

Envoy's rules (api/envoy/config/core/v3/health_check.proto; HealthCheckerImplBase in
source/extensions/health_checkers/common/health_checker_base_impl.cc):
- the first check starts at once (after `initial_jitter`); each check is bounded by `timeout`
  (connect, TLS and answer together) and a timeout is a network failure;
- the next check is scheduled `interval` after the previous one *ended* (answer or timeout), so a
  hung host costs timeout + interval per check;
- the pause after a check is chosen by that check's result, not by the host's state: a failure
  that leaves the transition pending waits `unhealthy_edge_interval`, a success that leaves it
  pending waits `healthy_edge_interval`; a failure on an unhealthy host waits `unhealthy_interval`
  (each defaults down to `interval`), plus `interval_jitter` and `interval_jitter_percent`;
- a cluster that has never carried traffic uses `no_traffic_interval` (default 60 s!) instead, or
  `no_traffic_healthy_interval` after a success on a healthy host;
- network failures and timeouts count toward `unhealthy_threshold`; an HTTP status outside the
  expected ones (and not retriable) takes the host out at once; `healthy_threshold` successes
  bring it back, except the very first check, which brings it in at once;
- `reuse_connection` (default true) keeps the connection between checks; a timeout aborts it.
"""
import asyncio
import random
import re
import ssl

from .host import F_ACTIVE_HC_TIMEOUT, F_FAILED_ACTIVE_HC, F_FAILED_OUTLIER, F_PENDING_ACTIVE_HC, F_PENDING_REMOVAL
from .log import log
from .tls import insecure_tls_context


class HealthChecker:
    """Cluster mixin (cluster.py): one check loop per host."""

    def start_hc(self, h):
        h.hc_task = self.server.spawn(self.hc_loop(h))

    def had_traffic(self):
        c = self.server.stats.counters
        return any(c.get(self.prefix + k, 0) > 0
                   for k in ("upstream_cx_total", "upstream_cx_tx_bytes_total", "upstream_cx_rx_bytes_total"))

    def hc_interval(self, passed, pending):
        """Envoy's HealthCheckerImplBase::interval(state of this check's result, transition)."""
        hc = self.cfg["hc"]
        unhealthy = hc["unhealthy_interval"] or hc["interval"]
        if self.had_traffic():
            if passed:
                base = (hc["healthy_edge_interval"] or hc["interval"]) if pending else hc["interval"]
            else:
                base = (hc["unhealthy_edge_interval"] or unhealthy) if pending else unhealthy
        elif passed and not pending:
            base = hc["no_traffic_healthy_interval"] or hc["no_traffic_interval"]
        else:
            base = hc["no_traffic_interval"]
        jitter = 0.0
        if hc["interval_jitter_percent"]:
            jitter += random.random() * base * hc["interval_jitter_percent"] / 100.0
        if hc["interval_jitter"]:
            jitter += random.random() * hc["interval_jitter"]
        return base + jitter

    async def hc_loop(self, h):
        hc = self.cfg["hc"]
        try:
            if hc["initial_jitter"]:
                await asyncio.sleep(random.random() * hc["initial_jitter"])
            while True:
                self.server.stats.inc(self.prefix + "health_check.attempt")
                try:
                    result = await asyncio.wait_for(self.hc_once(h), hc["timeout"])
                except asyncio.TimeoutError:
                    # onTimeout: the connection (kept or half-open) is aborted, the next check reconnects
                    self.hc_close(h)
                    result = ("timeout", "timeout")
                passed, pending = self.hc_result(h, result)
                await asyncio.sleep(self.hc_interval(passed, pending))
        except asyncio.CancelledError:
            pass
        finally:
            self.hc_close(h)

    def hc_close(self, h):
        conn, h.hc_conn = h.hc_conn, None
        if conn:
            try:
                conn[1].close()
            except Exception:
                pass

    async def hc_connect(self, h):
        conn = h.hc_conn
        if conn and not conn[0].at_eof() and not conn[1].is_closing():
            return conn
        self.hc_close(h)
        hc = self.cfg["hc"]
        ts = self.hc_transport()
        ctx = insecure_tls_context() if ts and ts.get("tls") else None
        r, w = await asyncio.open_connection(h.address, hc["alt_port"] or h.port, ssl=ctx,
                                             server_hostname=ts.get("sni") if ctx else None)
        h.hc_conn = (r, w)
        return h.hc_conn

    async def hc_once(self, h):
        hc = self.cfg["hc"]
        try:
            r, w = await self.hc_connect(h)
        except (OSError, ssl.SSLError) as e:
            return ("network", str(e))
        if hc["kind"] == "tcp_health_check":
            # connect-only check: Envoy closes the connection right after it is made
            self.hc_close(h)
            return ("ok", "")
        try:
            code, keep = await self.hc_exchange(r, w)
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError, ValueError) as e:
            self.hc_close(h)
            return ("network", str(e))
        if not (keep and hc["reuse"]):
            self.hc_close(h)
        http = hc["http"]
        if any(s <= code < e for s, e in http["expected"]):
            return ("ok", "")
        retriable = any(s <= code < e for s, e in http["retriable"])
        return ("active_retriable" if retriable else "active", f"status {code}")

    async def hc_exchange(self, r, w):
        """One HTTP/1.1 request; returns (status, whether the connection can carry the next one)."""
        http = self.cfg["hc"]["http"]
        req = f"{http['method']} {http['path']} HTTP/1.1\r\nhost: {http['host'] or self.name}\r\nuser-agent: Envoy/HC\r\n"
        req += "".join(f"{k}: {v}\r\n" for k, v in http["headers"] if k)
        w.write((req + "\r\n").encode())
        await w.drain()
        m = re.match(rb"HTTP/(\d(?:\.\d)?) (\d{3})", await r.readline())
        if not m:
            raise ValueError("bad response")
        headers = {}
        while (line := await r.readline()) not in (b"\r\n", b"\n", b""):
            k, _, v = line.decode("latin-1").partition(":")
            headers[k.strip().lower()] = v.strip().lower()
        keep = m.group(1) == b"1.1" and headers.get("connection") != "close"
        if "content-length" in headers:
            await r.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            while (size := int((await r.readline()).split(b";")[0], 16)) > 0:
                await r.readexactly(size + 2)
            await r.readline()
        else:
            await r.read()
            keep = False
        return int(m.group(2)), keep

    def hc_result(self, h, result):
        """Envoy's handleSuccess / handleFailure. Returns (check passed, transition pending)."""
        hc = self.cfg["hc"]
        st = self.server.stats
        kind, detail = result
        pending = False
        was_healthy = h.healthy()
        if kind == "ok":
            st.inc(self.prefix + "health_check.success")
            h.num_unhealthy = 0
            if F_FAILED_ACTIVE_HC in h.flags:
                h.num_healthy += 1
                if h.first_check or h.num_healthy >= hc["healthy_threshold"]:
                    h.flags.discard(F_FAILED_ACTIVE_HC)
                    h.flags.discard(F_ACTIVE_HC_TIMEOUT)
                    h.num_healthy = 0
                else:
                    pending = True
            od = self.cfg["outlier"]
            if od and od["uneject_on_hc"] and F_FAILED_OUTLIER in h.flags:
                self.uneject(h)
        else:
            st.inc(self.prefix + "health_check.failure")
            if kind in ("network", "timeout"):
                st.inc(self.prefix + "health_check.network_failure")
            h.num_healthy = 0
            if F_FAILED_ACTIVE_HC not in h.flags:
                h.num_unhealthy += 1
                if kind == "active" or h.num_unhealthy >= hc["unhealthy_threshold"]:
                    h.flags.add(F_FAILED_ACTIVE_HC)
                    h.num_unhealthy = 0
                    if F_PENDING_REMOVAL in h.flags:
                        self.remove_host(h.key)
                else:
                    pending = True
            elif F_PENDING_REMOVAL in h.flags:
                self.remove_host(h.key)
            # set only on a host already out: a first timeout leaves it healthy and unflagged
            if kind == "timeout" and F_FAILED_ACTIVE_HC in h.flags:
                h.flags.add(F_ACTIVE_HC_TIMEOUT)
            else:
                h.flags.discard(F_ACTIVE_HC_TIMEOUT)
        h.first_check = False
        if F_PENDING_ACTIVE_HC in h.flags:
            # clearPendingFlag: a warming host's first result counts as a change
            h.flags.discard(F_PENDING_ACTIVE_HC)
            pending = False
        if was_healthy != h.healthy():
            log("debug", "hc", "source/extensions/health_checkers/common/health_checker_base_impl.cc:348",
                f"hc: {self.name} host {h.key} is now {'healthy' if h.healthy() else 'unhealthy'} ({detail or kind})")
        self.pending_init.discard(h.key)
        self.refresh_gauges()
        self.check_init()
        return kind == "ok", pending
