"""Active health checking of a cluster's hosts, with Envoy's threshold and interval rules."""
import asyncio
import random
import re
import ssl

from .host import F_ACTIVE_HC_TIMEOUT, F_FAILED_ACTIVE_HC, F_FAILED_OUTLIER, F_PENDING_ACTIVE_HC, F_PENDING_REMOVAL
from .log import log
from .tls import insecure_tls_context


class HealthChecker:
    """Cluster mixin (cluster.py): one check loop per host."""

    # -- health checking --------------------------------------------------------------------
    def start_hc(self, h):
        h.hc_task = self.server.spawn(self.hc_loop(h))

    def hc_interval(self, h, pending):
        hc = self.cfg["hc"]
        if self.server.stats.counters.get(self.prefix + "upstream_cx_total", 0) > 0:
            if F_FAILED_ACTIVE_HC in h.flags:
                base = (hc["unhealthy_edge_interval"] if pending else hc["unhealthy_interval"]) or hc["interval"]
            else:
                base = (hc["healthy_edge_interval"] if pending else None) or hc["interval"]
        else:
            base = hc["no_traffic_interval"]
            if F_FAILED_ACTIVE_HC not in h.flags and hc["no_traffic_healthy_interval"]:
                base = hc["no_traffic_healthy_interval"]
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
                st = self.server.stats
                st.inc(self.prefix + "health_check.attempt")
                try:
                    result = await asyncio.wait_for(self.hc_once(h), hc["timeout"])
                except asyncio.TimeoutError:
                    result = ("timeout", "timeout")
                pending = self.hc_result(h, result)
                await asyncio.sleep(self.hc_interval(h, pending))
        except asyncio.CancelledError:
            pass

    async def hc_once(self, h):
        hc = self.cfg["hc"]
        port = hc["alt_port"] or h.port
        ts = self.hc_transport()
        ctx = None
        sni = None
        if ts and ts.get("tls"):
            ctx = insecure_tls_context()
            sni = ts.get("sni")
        try:
            r, w = await asyncio.open_connection(h.address, port, ssl=ctx, server_hostname=sni if ctx else None)
        except (OSError, ssl.SSLError) as e:
            return ("network", str(e))
        try:
            if hc["kind"] == "tcp_health_check":
                return ("ok", "")
            http = hc["http"]
            host_hdr = http["host"] or self.name
            req = f"{http['method']} {http['path']} HTTP/1.1\r\nhost: {host_hdr}\r\nuser-agent: Envoy/HC\r\n"
            for k, v in http["headers"]:
                if k:
                    req += f"{k}: {v}\r\n"
            req += "connection: close\r\n\r\n"
            w.write(req.encode())
            await w.drain()
            line = await r.readline()
            m = re.match(rb"HTTP/\d(?:\.\d)? (\d{3})", line)
            if not m:
                return ("network", "bad response")
            code = int(m.group(1))
            if any(s <= code < e for s, e in http["expected"]):
                return ("ok", "")
            retriable = any(s <= code < e for s, e in http["retriable"])
            return ("active_retriable" if retriable else "active", f"status {code}")
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError) as e:
            return ("network", str(e))
        finally:
            try:
                w.close()
            except Exception:
                pass

    def hc_result(self, h, result):
        """Envoy's handleSuccess / handleFailure. Returns True when a transition is pending."""
        hc = self.cfg["hc"]
        st = self.server.stats
        kind, detail = result
        pending = False
        was_healthy = h.healthy()
        if kind == "ok":
            st.inc(self.prefix + "health_check.success")
            h.num_unhealthy = 0
            h.flags.discard(F_ACTIVE_HC_TIMEOUT)
            if F_FAILED_ACTIVE_HC in h.flags:
                h.num_healthy += 1
                if h.first_check or h.num_healthy >= hc["healthy_threshold"]:
                    h.flags.discard(F_FAILED_ACTIVE_HC)
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
            if kind == "timeout":
                h.flags.add(F_ACTIVE_HC_TIMEOUT)
            else:
                h.flags.discard(F_ACTIVE_HC_TIMEOUT)
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
        h.first_check = False
        h.flags.discard(F_PENDING_ACTIVE_HC)
        if was_healthy != h.healthy():
            log("debug", "hc", "source/extensions/health_checkers/common/health_checker_base_impl.cc:348",
                f"hc: {self.name} host {h.key} is now {'healthy' if h.healthy() else 'unhealthy'} ({detail or kind})")
        self.pending_init.discard(h.key)
        self.refresh_gauges()
        self.check_init()
        return pending

