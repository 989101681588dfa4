"""What the admin API shows: server_info, clusters, stats (text, JSON, prometheus), config_dump."""
import json
import re
import time

from .host import F_ACTIVE_HC_TIMEOUT, F_FAILED_ACTIVE_HC, F_FAILED_OUTLIER, F_PENDING_ACTIVE_HC, F_PENDING_REMOVAL
from .config import T_CLA, T_CLUSTER, T_LISTENER
from .fmt import fmt_dur, now_iso
from .prometheus import prometheus_text
from .version import HOT_RESTART_VERSION, REVISION, VERSION, build_version


class AdminViews:
    """Server mixin: the admin API's bodies, read from the server's state."""

    def server_info(self):
        o = self.opts
        up = int(time.monotonic() - self.start_mono)
        node = self.b["node"]
        major, minor, patch = (VERSION.split(".") + ["0", "0"])[:3]
        return {
            "version": build_version(),
            "state": self.server_state(),
            "hot_restart_version": HOT_RESTART_VERSION,
            "command_line_options": {
                "base_id": str(o.get("base_id", "0")), "use_dynamic_base_id": bool(o.get("use_dynamic_base_id")),
                "base_id_path": o.get("base_id_path", ""), "concurrency": self.concurrency,
                "config_path": o["config_path"], "config_yaml": o["config_yaml"],
                "allow_unknown_static_fields": bool(o.get("allow_unknown_static_fields")),
                "reject_unknown_dynamic_fields": bool(o.get("reject_unknown_dynamic_fields")),
                "ignore_unknown_dynamic_fields": bool(o.get("ignore_unknown_dynamic_fields")),
                "admin_address_path": o.get("admin_address_path", ""),
                "local_address_ip_version": o.get("local_address_ip_version", "v4"),
                "log_level": o["log_level"], "component_log_level": o.get("component_log_level", ""),
                "log_format": o.get("log_format", "[%Y-%m-%d %T.%e][%t][%l][%n] [%g:%#] %v"),
                "log_format_escaped": bool(o.get("log_format_escaped")), "log_path": o.get("log_path", ""),
                "service_cluster": o.get("service_cluster", ""), "service_node": o.get("service_node", ""),
                "service_zone": o.get("service_zone", ""), "drain_strategy": o["drain_strategy"].capitalize(),
                "mode": "Serve" if o["mode"] == "serve" else "InitOnly",
                "disable_hot_restart": bool(o.get("disable_hot_restart")),
                "enable_mutex_tracing": bool(o.get("enable_mutex_tracing")),
                "restart_epoch": int(o.get("restart_epoch", 0)), "cpuset_threads": bool(o.get("cpuset_threads")),
                "disabled_extensions": [], "enable_fine_grain_logging": bool(o.get("enable_fine_grain_logging")),
                "socket_path": o.get("socket_path", "@envoy_domain_socket"), "socket_mode": 0,
                "enable_core_dump": bool(o.get("enable_core_dump")), "stats_tag": [],
                "file_flush_interval": fmt_dur(int(o["file_flush_interval_msec"]) / 1000.0),
                "drain_time": fmt_dur(int(o["drain_time_s"])),
                "parent_shutdown_time": fmt_dur(int(o["parent_shutdown_time_s"])),
            },
            "node": {
                "id": node.get("id", o.get("service_node", "")), "cluster": node.get("cluster", o.get("service_cluster", "")),
                "metadata": node.get("metadata", {}), "locality": node.get("locality", {}),
                "user_agent_name": "envoy",
                "user_agent_build_version": {
                    "version": {"major_number": int(major), "minor_number": int(minor), "patch": int(patch)},
                    "metadata": {"revision.sha": REVISION, "revision.status": "Clean", "build.type": "RELEASE",
                                 "ssl.version": "BoringSSL"}},
                "extensions": [], "client_features": ["envoy.lb.does_not_support_overprovisioning",
                                                      "xds.config.supports-resource-ttl", "xds.config.resource-in-sotw"],
            },
            "uptime_current_epoch": f"{up}s",
            "uptime_all_epochs": f"{int(time.time() - self.original_start_time)}s",
        }

    def clusters_text(self):
        out = []
        for cl in sorted(self.clusters.values(), key=lambda c: c.name):
            n = cl.name
            out.append(f"{n}::observability_name::{cl.cfg['raw'].get('alt_stat_name') or n}\n")
            if cl.cfg["outlier"]:
                for k in ("success_rate_average", "success_rate_ejection_threshold",
                          "local_origin_success_rate_average", "local_origin_success_rate_ejection_threshold"):
                    out.append(f"{n}::outlier::{k}::-1\n")
            for prio in ("default_priority", "high_priority"):
                cb = circuit_breakers(cl.cfg["raw"], "HIGH" if prio == "high_priority" else "DEFAULT")
                for k in ("max_connections", "max_pending_requests", "max_requests", "max_retries"):
                    out.append(f"{n}::{prio}::{k}::{cb[k]}\n")
            out.append(f"{n}::added_via_api::{'true' if cl.added_via_api else 'false'}\n")
            if cl.cfg["type"] == "EDS" and cl.cfg["raw"].get("eds_cluster_config", {}).get("service_name"):
                out.append(f"{n}::eds_service_name::{cl.cfg['service_name']}\n")
            for h in cl.hosts.values():
                p = f"{n}::{h.key}::"
                stats = {"cx_active": h.cx_active, "cx_connect_fail": h.cx_connect_fail, "cx_total": h.cx_total,
                         "rq_active": 0, "rq_error": 0, "rq_success": 0, "rq_timeout": 0, "rq_total": 0}
                for k in sorted(stats):
                    out.append(f"{p}{k}::{stats[k]}\n")
                out.append(f"{p}hostname::{h.hostname}\n")
                out.append(f"{p}health_flags::{h.flags_str()}\n")
                out.append(f"{p}weight::{h.weight}\n")
                out.append(f"{p}region::\n{p}zone::\n{p}sub_zone::\n{p}canary::false\n")
                out.append(f"{p}priority::{h.priority}\n")
                out.append(f"{p}success_rate::-1\n{p}local_origin_success_rate::-1\n")
        return "".join(out)

    def clusters_json(self):
        res = []
        for cl in sorted(self.clusters.values(), key=lambda c: c.name):
            hs = []
            for h in cl.hosts.values():
                stats = []
                for k, v in (("cx_connect_fail", h.cx_connect_fail), ("cx_total", h.cx_total), ("rq_error", 0),
                             ("rq_success", 0), ("rq_timeout", 0), ("rq_total", 0)):
                    stats.append({"name": k, "value": str(v)} if v else {"name": k})
                for k, v in (("cx_active", h.cx_active), ("rq_active", 0)):
                    d = {"name": k, "type": "GAUGE"}
                    if v:
                        d["value"] = str(v)
                    stats.append(d)
                health = {"eds_health_status": "HEALTHY" if h.eds_health == "UNKNOWN" else h.eds_health}
                for flag, field in ((F_FAILED_ACTIVE_HC, "failed_active_health_check"),
                                    (F_FAILED_OUTLIER, "failed_outlier_check"),
                                    (F_PENDING_REMOVAL, "pending_dynamic_removal"),
                                    (F_PENDING_ACTIVE_HC, "pending_active_hc"),
                                    (F_ACTIVE_HC_TIMEOUT, "active_hc_timeout")):
                    if flag in h.flags:
                        health[field] = True
                d = {"address": {"socket_address": {"address": h.address, "port_value": h.port}},
                     "stats": stats, "health_status": health, "weight": h.weight, "locality": {}}
                if h.hostname:
                    d["hostname"] = h.hostname
                if h.priority:
                    d["priority"] = h.priority
                hs.append(d)
            cbs = []
            for prio in ("DEFAULT", "HIGH"):
                cb = circuit_breakers(cl.cfg["raw"], prio)
                t = {k: cb[k] for k in ("max_connections", "max_pending_requests", "max_requests", "max_retries")}
                if prio == "HIGH":
                    t = {"priority": "HIGH", **t}
                cbs.append(t)
            d = {"name": cl.name}
            if cl.added_via_api:
                d["added_via_api"] = True
            d["host_statuses"] = hs
            d["circuit_breakers"] = {"thresholds": cbs}
            d["observability_name"] = cl.cfg["raw"].get("alt_stat_name") or cl.name
            if cl.cfg["type"] == "EDS" and cl.cfg["raw"].get("eds_cluster_config", {}).get("service_name"):
                d["eds_service_name"] = cl.cfg["service_name"]
            res.append(d)
        return {"cluster_statuses": res}

    def all_stats(self):
        self.update_server_gauges()
        items = dict(self.stats.counters)
        items.update(self.stats.gauges)
        return items

    def stats_response(self, q, fmt):
        # text readouts (version_text) show in the text and JSON formats, quoted, as Envoy's
        # StatsTextRender / StatsJsonRender print them; Prometheus output leaves them out
        items = {**self.all_stats(), **self.stats.texts}
        flt = (q.get("filter") or [""])[0]
        if flt:
            try:
                rx = re.compile(flt)
            except re.error as e:
                return 400, "text/plain; charset=UTF-8", f"Invalid re2 regex: {e}\n", None
            items = {k: v for k, v in items.items() if rx.search(k)}
        if "usedonly" in q:
            items = {k: v for k, v in items.items() if k in self.stats.used}
        names = sorted(items)
        if fmt == "json":
            body = {"stats": [{"name": n, "value": items[n]} for n in names] + [{"histograms": {
                "supported_quantiles": [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100], "computed_quantiles": []}}]}
            return 200, "application/json", json.dumps(body, indent=1) + "\n", None
        if fmt == "prometheus":
            return 200, "text/plain; charset=UTF-8", self.prometheus(), None
        return 200, "text/plain; charset=UTF-8", "".join(
            f'{n}: "{items[n]}"\n' if isinstance(items[n], str) else f"{n}: {items[n]}\n" for n in names), None

    def prometheus(self):
        return prometheus_text(self.all_stats(), self.stats.counters)

    def config_dump(self):
        dyn_clusters = []
        static_clusters = []
        for cl in self.clusters.values():
            raw = dict(cl.cfg["raw"])
            raw.setdefault("@type", T_CLUSTER)
            e = {"cluster": raw, "last_updated": cl.last_updated}
            if cl.added_via_api:
                e["version_info"] = cl.version
                dyn_clusters.append(e)
            else:
                static_clusters.append(e)
        dyn_listeners = []
        static_listeners = []
        for l in self.listeners.values():
            raw = dict(l.cfg["raw"])
            raw.setdefault("@type", T_LISTENER)
            if l.added_via_api:
                dyn_listeners.append({"name": l.name, "active_state": {"version_info": l.version, "listener": raw,
                                                                        "last_updated": l.last_updated}})
            else:
                static_listeners.append({"listener": raw, "last_updated": l.last_updated})
        eps = []
        for cl in self.clusters.values():
            if cl.cfg["type"] != "EDS":
                continue
            eps.append({"version_info": cl.eds_version, "endpoint_config": {
                "@type": T_CLA, "cluster_name": cl.cfg["service_name"],
                "endpoints": [{"lb_endpoints": [{"endpoint": {"address": {"socket_address": {
                    "address": h.address, "port_value": h.port}}}, "health_status": h.eds_health}
                    for h in cl.hosts.values()]}]}})
        return {"configs": [
            {"@type": "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump", "bootstrap": self.b["raw"],
             "last_updated": now_iso(self.start_time)},
            {"@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump", "version_info": self.cds_version,
             "static_clusters": static_clusters, "dynamic_active_clusters": dyn_clusters},
            {"@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump", "version_info": self.lds_version,
             "static_listeners": static_listeners, "dynamic_listeners": dyn_listeners},
            {"@type": "type.googleapis.com/envoy.admin.v3.EndpointsConfigDump", "dynamic_endpoint_configs": eps},
        ]}


def circuit_breakers(raw, prio):
    d = {"max_connections": 1024, "max_pending_requests": 1024, "max_requests": 1024, "max_retries": 3}
    for t in ((raw.get("circuit_breakers") or {}).get("thresholds") or []):
        if t.get("priority", "DEFAULT") == prio:
            for k in d:
                if t.get(k) is not None:
                    d[k] = int(t[k])
    return d


