"""envoy.filters.http.health_check, non-pass-through mode, as Envoy implements it
(source/extensions/filters/http/health_check/health_check.cc; docs: configuration/http/
http_filters/health_check_filter): a request whose headers match is answered by the filter
itself with an empty body — 503 while the server's health check is failed (admin
POST /healthcheck/fail until /healthcheck/ok), 503 when a cluster of cluster_min_healthy_percentages
is missing, empty with a non-zero minimum, or has fewer healthy hosts than the minimum percentage
(truncated to an integer, health_check.proto), else 200; health-check replies carry
x-envoy-upstream-healthchecked-cluster (the node's cluster). Other requests go on to the router
and, while failed, get x-envoy-immediate-health-check-fail: true."""
from .errors import ConfigError

T_HEALTH_CHECK = "type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck"


def parse_health_check(tc, path):
    ptm = tc.get("pass_through_mode")
    if ptm is None:
        raise ConfigError("Proto constraint validation failed (HealthCheckValidationError.PassThroughMode: "
                          "value is required)")
    if isinstance(ptm, dict):
        ptm = ptm.get("value", False)
    if ptm:
        raise ConfigError(f"{path}.pass_through_mode: pass-through mode is not supported by this build")
    headers = []
    for i, h in enumerate(tc.get("headers") or []):
        sm = h.get("string_match") or {}
        if set(sm) - {"exact"} or "exact" not in sm or h.get("invert_match"):
            raise ConfigError(f"{path}.headers[{i}]: only exact string_match is supported by this build")
        headers.append((h["name"].lower(), sm["exact"]))
    mins = {}
    for name, pct in (tc.get("cluster_min_healthy_percentages") or {}).items():
        mins[name] = int(float((pct or {}).get("value", 0)))  # Envoy truncates: 12.5 % acts as 12 %
    return {"headers": headers, "min_healthy": mins}


def matches(hc, method, target, headers):
    values = dict(headers, **{":method": method, ":path": target})
    return all(values.get(n) == v for n, v in hc["headers"])


def health_status(server, hc):
    """The filter's answer for a matching request: (status, reason for the log)."""
    if server.hc_failed:
        return 503, "failed local health check"
    for name, pct in hc["min_healthy"].items():
        cl = server.clusters.get(name)
        if cl is None:
            return 503, f"cluster {name} not found"
        hosts = list(cl.hosts.values())
        total = len(hosts)
        if total == 0:
            if pct == 0:
                continue
            return 503, f"cluster {name} is empty"
        healthy = sum(1 for h in hosts if h.healthy() and not h.excluded())
        if 100 * healthy < total * pct:
            return 503, f"cluster {name}: {healthy}/{total} healthy, below {pct}%"
    return 200, "ok"
