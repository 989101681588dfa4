"""Upstream hosts and clusters: membership (Envoy's updateDynamicHostList), load balancing and the
transport to a host; health checking and outlier detection are mixins (health.py, outlier.py)."""
import asyncio
import random
import socket

from .fmt import now_iso
from .health import HealthChecker
from .host import F_DEGRADED_EDS, F_FAILED_ACTIVE_HC, F_FAILED_OUTLIER, F_PENDING_ACTIVE_HC, F_PENDING_REMOVAL, Host
from .log import log
from .outlier import OutlierDetector

class Cluster(HealthChecker, OutlierDetector):
    def __init__(self, server, cfg, added_via_api, version=""):
        self.server = server
        self.cfg = cfg
        self.name = cfg["name"]
        self.added_via_api = added_via_api
        self.version = version
        self.hosts = {}  # key -> Host
        self.rr = random.randrange(1 << 16)
        self.eds_inode = None
        self.eds_version = ""
        self.initialized = asyncio.get_event_loop().create_future()
        self.pending_init = set()
        self.od_task = None
        self.last_updated = now_iso()
        self.stopped = False
        self.prefix = f"cluster.{self.name}."
        st = server.stats
        for c in ("upstream_cx_total", "upstream_cx_connect_fail", "upstream_cx_connect_timeout",
                  "upstream_cx_connect_attempts_exceeded", "upstream_cx_none_healthy", "upstream_cx_destroy",
                  "upstream_cx_destroy_local", "upstream_cx_destroy_remote", "upstream_cx_rx_bytes_total",
                  "upstream_cx_tx_bytes_total", "upstream_cx_idle_timeout", "lb_healthy_panic", "membership_change",
                  "update_attempt", "update_success", "update_rejected", "update_failure", "update_empty",
                  "update_no_rebuild",
                  "upstream_cx_overflow", "upstream_rq_total"):
            st.counter(self.prefix + c)
        for g in ("upstream_cx_active", "membership_healthy", "membership_total", "membership_degraded",
                  "membership_excluded", "max_host_weight", "version", "upstream_cx_rx_bytes_buffered",
                  "upstream_cx_tx_bytes_buffered"):
            st.gauge(self.prefix + g)
        st.texts.setdefault(self.prefix + "version_text", "")
        if cfg["hc"]:
            for c in ("attempt", "success", "failure", "network_failure", "passive_failure", "verify_cluster"):
                st.counter(self.prefix + "health_check." + c)
            for g in ("healthy", "degraded"):
                st.gauge(self.prefix + "health_check." + g)
        if cfg["outlier"]:
            for c in ("ejections_enforced_total", "ejections_total", "ejections_overflow",
                      "ejections_enforced_consecutive_5xx", "ejections_detected_consecutive_5xx",
                      "ejections_enforced_consecutive_gateway_failure", "ejections_detected_consecutive_gateway_failure",
                      "ejections_enforced_consecutive_local_origin_failure",
                      "ejections_detected_consecutive_local_origin_failure"):
                st.counter(self.prefix + "outlier_detection." + c)
            st.gauge(self.prefix + "outlier_detection.ejections_active")

    # -- membership -------------------------------------------------------------------------
    def set_hosts(self, host_dicts):
        """Envoy's updateDynamicHostList: keep state of surviving hosts, new hosts start failed HC."""
        hc = self.cfg["hc"]
        new_keys = set()
        changed = False
        for d in host_dicts:
            key = f"{d['address']}:{d['port']}"
            if key in new_keys:
                continue
            new_keys.add(key)
            h = self.hosts.get(key)
            if h is not None:
                h.update(d)
                h.flags.discard(F_PENDING_REMOVAL)
                continue
            h = Host(d)
            changed = True
            if hc:
                if self.cfg["warm_hosts"]:
                    h.flags.add(F_PENDING_ACTIVE_HC)
                else:
                    h.flags.add(F_FAILED_ACTIVE_HC)
                self.pending_init.add(key)
            self.hosts[key] = h
            if hc and self.server.running:
                self.start_hc(h)
        for key in list(self.hosts):
            if key in new_keys:
                continue
            h = self.hosts[key]
            if hc and not self.cfg["ignore_health_on_host_removal"] and F_FAILED_ACTIVE_HC not in h.flags:
                if F_PENDING_REMOVAL not in h.flags:
                    h.flags.add(F_PENDING_REMOVAL)
                    changed = True
                continue
            self.remove_host(key)
            changed = True
        if changed:
            self.server.stats.inc(self.prefix + "membership_change")
        self.refresh_gauges()
        self.check_init()

    def remove_host(self, key):
        h = self.hosts.pop(key, None)
        if h and h.hc_task:
            h.hc_task.cancel()
        self.pending_init.discard(key)

    def refresh_gauges(self):
        st = self.server.stats
        hosts = list(self.hosts.values())
        st.set(self.prefix + "membership_total", len(hosts))
        st.set(self.prefix + "membership_healthy", sum(1 for h in hosts if h.healthy() and not h.excluded()))
        st.set(self.prefix + "membership_excluded", sum(1 for h in hosts if h.excluded()))
        st.set(self.prefix + "membership_degraded", sum(1 for h in hosts if F_DEGRADED_EDS in h.flags))
        st.set(self.prefix + "max_host_weight", max([h.weight for h in hosts] or [0]))
        if self.cfg["hc"]:
            st.set(self.prefix + "health_check.healthy", sum(1 for h in hosts if F_FAILED_ACTIVE_HC not in h.flags))
        if self.cfg["outlier"]:
            st.set(self.prefix + "outlier_detection.ejections_active",
                   sum(1 for h in hosts if F_FAILED_OUTLIER in h.flags))

    def check_init(self):
        if not self.initialized.done() and not self.pending_init and self.eds_ready():
            self.initialized.set_result(True)

    def eds_ready(self):
        return self.cfg["type"] != "EDS" or self.eds_inode is not None or self.cfg["eds_path"] is None

    def start(self):
        if self.cfg["type"] in ("STRICT_DNS", "LOGICAL_DNS"):
            self.server.spawn(self.resolve_dns())
        elif self.cfg["type"] != "EDS":
            self.set_hosts(self.cfg["hosts"])
        for h in self.hosts.values():
            if self.cfg["hc"] and h.hc_task is None:
                self.start_hc(h)
        if self.cfg["outlier"]:
            self.od_task = self.server.spawn(self.outlier_loop())
        self.check_init()

    async def resolve_dns(self):
        loop = asyncio.get_running_loop()
        out = []
        for d in self.cfg["hosts"]:
            try:
                infos = await loop.getaddrinfo(d["address"], d["port"], family=socket.AF_INET, type=socket.SOCK_STREAM)
            except OSError as e:
                log("warning", "dns", "source/extensions/clusters/strict_dns/strict_dns_cluster.cc:184",
                    f"DNS resolution for {d['address']} failed: {e}")
                continue
            ips = sorted({i[4][0] for i in infos})
            if self.cfg["type"] == "LOGICAL_DNS":
                ips = ips[:1]
            for ip in ips:
                out.append(dict(d, address=ip))
        if not self.stopped:
            self.set_hosts(out)
            for h in self.hosts.values():
                if self.cfg["hc"] and h.hc_task is None:
                    self.start_hc(h)

    def stop(self):
        self.stopped = True
        for h in self.hosts.values():
            if h.hc_task:
                h.hc_task.cancel()
        if self.od_task:
            self.od_task.cancel()
        self.server.stats.drop_prefix(self.prefix)

    # -- load balancing ---------------------------------------------------------------------
    def choose(self):
        cands = [h for h in self.hosts.values() if not h.excluded()]
        if not cands:
            return None
        prio = min(h.priority for h in cands)
        cands = [h for h in cands if h.priority == prio]
        healthy = [h for h in cands if h.healthy()]
        # Envoy docs "Panic threshold": below healthy_panic_threshold % of healthy hosts the
        # balancer ignores health and uses every host; 0 disables panic mode (no healthy host →
        # no upstream, UH). Each connection picked in panic counts lb_healthy_panic.
        panic = self.cfg["panic"]
        if panic > 0 and 100.0 * len(healthy) / len(cands) < panic:
            self.server.stats.inc(self.prefix + "lb_healthy_panic")
            pool = cands
        else:
            pool = healthy
        if not pool:
            return None
        pool.sort(key=lambda h: h.key)
        if self.cfg["lb_policy"] in ("RANDOM", "LEAST_REQUEST"):
            if self.cfg["lb_policy"] == "LEAST_REQUEST" and len(pool) > 1:
                a, b = random.sample(pool, 2)
                return a if a.cx_active <= b.cx_active else b
            return random.choice(pool)
        self.rr += 1
        return pool[self.rr % len(pool)]

    def data_transport(self, host):
        for m in self.cfg["tsm"]:
            if all(host.tsm.get(k) == v for k, v in m["match"].items()):
                return m["ts"]
        return self.cfg["transport_socket"]

    def hc_transport(self):
        crit = self.cfg["hc"]["criteria"]
        if crit:
            for m in self.cfg["tsm"]:
                if all(crit.get(k) == v for k, v in m["match"].items()):
                    return m["ts"]
        return self.cfg["transport_socket"]

