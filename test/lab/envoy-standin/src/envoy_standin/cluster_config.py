"""Clusters as Envoy reads them: discovery type, endpoints, health checks, outlier detection,
transport sockets."""
from .config import (CLUSTER_TYPES, HEALTH_STATUSES, LB_POLICIES, T_CLUSTER, T_TLS, Checker, config_source_path,
                     duration, parse_address, percent, uint)
from .errors import ConfigError


def parse_health_check(ck, hc, path):
    ck.msg(hc, "envoy.config.core.v3.HealthCheck", path)
    for req in ("timeout", "interval", "unhealthy_threshold", "healthy_threshold"):
        if hc.get(req) is None:
            raise ConfigError(f"Proto constraint validation failed (HealthCheckValidationError."
                              f"{''.join(w.capitalize() for w in req.split('_'))}: value is required)")
    kind = Checker.oneof(hc, "health_checker", ["http_health_check", "tcp_health_check", "grpc_health_check",
                                                 "custom_health_check"], path, required=True)
    timeout = duration(hc["timeout"], path + ".timeout")
    interval = duration(hc["interval"], path + ".interval")
    if timeout <= 0 or interval <= 0:
        raise ConfigError("Proto constraint validation failed (HealthCheckValidationError.Timeout: value must be "
                          "greater than 0s)")
    out = {"kind": kind, "timeout": timeout, "interval": interval,
           "unhealthy_threshold": uint(hc["unhealthy_threshold"], path + ".unhealthy_threshold"),
           "healthy_threshold": uint(hc["healthy_threshold"], path + ".healthy_threshold"),
           "initial_jitter": duration(hc.get("initial_jitter"), path + ".initial_jitter", 0.0),
           "interval_jitter": duration(hc.get("interval_jitter"), path + ".interval_jitter", 0.0),
           "interval_jitter_percent": uint(hc.get("interval_jitter_percent"), path, 0),
           "no_traffic_interval": duration(hc.get("no_traffic_interval"), path + ".no_traffic_interval", 60.0),
           "no_traffic_healthy_interval": duration(hc.get("no_traffic_healthy_interval"), path, None),
           "unhealthy_interval": duration(hc.get("unhealthy_interval"), path + ".unhealthy_interval", None),
           "unhealthy_edge_interval": duration(hc.get("unhealthy_edge_interval"), path, None),
           "healthy_edge_interval": duration(hc.get("healthy_edge_interval"), path, None),
           "criteria": hc.get("transport_socket_match_criteria") or {},
           "reuse": hc.get("reuse_connection", True) is not False,
           "alt_port": uint(hc.get("alt_port"), path + ".alt_port", None, 0, 65535)}
    if kind == "http_health_check":
        h = ck.msg(hc["http_health_check"] or {}, "envoy.config.core.v3.HealthCheck.HttpHealthCheck",
                   path + ".http_health_check")
        p = h.get("path")
        if not isinstance(p, str) or not p:
            raise ConfigError("Proto constraint validation failed (HttpHealthCheckValidationError.Path: value length "
                              "must be at least 1 characters)")
        if h.get("codec_client_type", "HTTP1") not in ("HTTP1", "HTTP2", "HTTP3"):
            raise ConfigError(f"{path}.http_health_check.codec_client_type: invalid enum value")
        ranges = []
        for r in h.get("expected_statuses") or []:
            s, e = int(r.get("start", 0)), int(r.get("end", 0))
            if s < 100 or e > 600 or s >= e:
                raise ConfigError(f"Invalid http expected status range: expecting start < end, start >= 100, "
                                  f"end <= 600, but found start={s} and end={e}")
            ranges.append((s, e))
        out["http"] = {"path": p, "host": h.get("host") or "", "method": h.get("method", "GET"),
                       "expected": ranges or [(200, 201)],
                       "retriable": [(int(r.get("start", 0)), int(r.get("end", 0))) for r in h.get("retriable_statuses") or []],
                       "headers": [(x.get("header", {}).get("key"), x.get("header", {}).get("value", ""))
                                   for x in h.get("request_headers_to_add") or []]}
    elif kind == "tcp_health_check":
        t = ck.msg(hc["tcp_health_check"] or {}, "envoy.config.core.v3.HealthCheck.TcpHealthCheck",
                   path + ".tcp_health_check")
        if t.get("send") or t.get("receive"):
            out["tcp_payload"] = True
    else:
        raise ConfigError(f"{path}: {kind} is not supported by this build")
    return out


def parse_endpoints(ck, cla, path, cluster_type):
    ck.msg(cla, "envoy.config.endpoint.v3.ClusterLoadAssignment", path)
    hosts = []
    for li, le in enumerate(cla.get("endpoints") or []):
        lp = f"{path}.endpoints[{li}]"
        ck.msg(le, "envoy.config.endpoint.v3.LocalityLbEndpoints", lp)
        prio = uint(le.get("priority"), lp + ".priority", 0)
        for ei, lbe in enumerate(le.get("lb_endpoints") or []):
            ep = f"{lp}.lb_endpoints[{ei}]"
            ck.msg(lbe, "envoy.config.endpoint.v3.LbEndpoint", ep)
            hs = lbe.get("health_status", "UNKNOWN")
            if hs not in HEALTH_STATUSES:
                raise ConfigError(f"{ep}.health_status: invalid enum value {hs}")
            e = lbe.get("endpoint")
            if e is None:
                raise ConfigError(f"{ep}: named endpoints are not supported by this build")
            ck.msg(e, "envoy.config.endpoint.v3.Endpoint", ep + ".endpoint")
            if e.get("address") is None:
                raise ConfigError(f"{ep}.endpoint.address: value is required")
            need_ip = cluster_type in ("STATIC", "EDS")
            addr, port = parse_address(ck, e["address"], ep + ".endpoint.address", need_ip=need_ip)
            if port == 0 and cluster_type != "ORIGINAL_DST":
                raise ConfigError(f"{ep}: endpoint port must not be 0")
            w = uint(lbe.get("load_balancing_weight"), ep + ".load_balancing_weight", 1, 1)
            tsm = ((lbe.get("metadata") or {}).get("filter_metadata") or {}).get("envoy.transport_socket_match") or {}
            hosts.append({"address": addr, "port": port, "weight": w, "priority": prio, "health_status": hs,
                          "hostname": e.get("hostname", ""), "tsm": tsm})
    return hosts


def parse_cluster(ck, c, path):
    ck.msg(c, "envoy.config.cluster.v3.Cluster", path)
    if c.get("@type") not in (None, T_CLUSTER):
        raise ConfigError(f"{path}: unexpected @type {c.get('@type')}")
    name = c.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError("Proto constraint validation failed (ClusterValidationError.Name: value length must be at "
                          "least 1 characters)")
    Checker.oneof(c, "cluster_discovery_type", ["type", "cluster_type"], path)
    ctype = c.get("type", "STATIC")
    if c.get("cluster_type") is not None:
        raise ConfigError(f"{path}: custom cluster_type is not supported by this build")
    if ctype not in CLUSTER_TYPES:
        raise ConfigError(f"Unable to parse JSON as proto (INVALID_ARGUMENT:{path}.type: invalid value "
                          f"\"{ctype}\" for type envoy.config.cluster.v3.Cluster.DiscoveryType)")
    lbp = c.get("lb_policy", "ROUND_ROBIN")
    if lbp not in LB_POLICIES:
        raise ConfigError(f"Unable to parse JSON as proto (INVALID_ARGUMENT:{path}.lb_policy: invalid value "
                          f"\"{lbp}\" for type envoy.config.cluster.v3.Cluster.LbPolicy)")
    ct = duration(c.get("connect_timeout"), path + ".connect_timeout", 5.0)
    if ct <= 0:
        raise ConfigError("Proto constraint validation failed (ClusterValidationError.ConnectTimeout: value must be "
                          "greater than 0s)")
    out = {"name": name, "type": ctype, "connect_timeout": ct, "lb_policy": lbp, "raw": c, "eds_path": None,
           "service_name": name, "hosts": [], "hc": None, "outlier": None, "tsm": [], "transport_socket": None,
           "panic": 50.0, "ignore_health_on_host_removal": bool(c.get("ignore_health_on_host_removal", False)),
           "warm_hosts": False}
    if ctype == "EDS":
        ecc = c.get("eds_cluster_config")
        if ecc is None:
            raise ConfigError(f"cannot create an EDS cluster without an EDS config")
        ck.msg(ecc, "envoy.config.cluster.v3.Cluster.EdsClusterConfig", path + ".eds_cluster_config")
        out["service_name"] = ecc.get("service_name") or name
        out["eds_path"] = config_source_path(ck, ecc.get("eds_config"), path + ".eds_cluster_config.eds_config")
        if c.get("load_assignment"):
            ck.warnings.append(f"{path}: load_assignment is ignored for EDS clusters")
    else:
        if c.get("eds_cluster_config") is not None:
            raise ConfigError(f"eds_cluster_config set in a non-EDS cluster: '{name}'")
        la = c.get("load_assignment")
        if la is not None:
            out["hosts"] = parse_endpoints(ck, la, path + ".load_assignment", ctype)
    hcs = c.get("health_checks") or []
    if not isinstance(hcs, list):
        raise ConfigError(f"{path}.health_checks must be a list")
    parsed_hcs = [parse_health_check(ck, h, f"{path}.health_checks[{i}]") for i, h in enumerate(hcs)]
    if parsed_hcs:
        out["hc"] = parsed_hcs[0]
        if len(parsed_hcs) > 1:
            ck.warnings.append(f"{path}: only the first health check is run by the stand-in")
    od = c.get("outlier_detection")
    if od is not None:
        ck.msg(od, "envoy.config.cluster.v3.OutlierDetection", path + ".outlier_detection")
        g = lambda k, d: uint(od.get(k), f"{path}.outlier_detection.{k}", d)  # noqa: E731
        out["outlier"] = {
            "split": bool(od.get("split_external_local_origin_errors", False)),
            "consecutive_5xx": g("consecutive_5xx", 5), "enforcing_consecutive_5xx": g("enforcing_consecutive_5xx", 100),
            "consecutive_gateway_failure": g("consecutive_gateway_failure", 5),
            "enforcing_consecutive_gateway_failure": g("enforcing_consecutive_gateway_failure", 0),
            "consecutive_local_origin_failure": g("consecutive_local_origin_failure", 5),
            "enforcing_consecutive_local_origin_failure": g("enforcing_consecutive_local_origin_failure", 100),
            "interval": duration(od.get("interval"), path + ".outlier_detection.interval", 10.0),
            "base_ejection_time": duration(od.get("base_ejection_time"), path + ".outlier_detection.base_ejection_time", 30.0),
            "max_ejection_time": duration(od.get("max_ejection_time"), path + ".outlier_detection.max_ejection_time", 300.0),
            "max_ejection_percent": g("max_ejection_percent", 10),
            "always_eject_one_host": bool(od.get("always_eject_one_host", False)),
            "uneject_on_hc": od.get("successful_active_health_check_uneject_host", True) is not False,
        }
    for i, m in enumerate(c.get("transport_socket_matches") or []):
        ck.msg(m, "envoy.config.cluster.v3.Cluster.TransportSocketMatch", f"{path}.transport_socket_matches[{i}]")
        if not m.get("name"):
            raise ConfigError("Proto constraint validation failed (TransportSocketMatchValidationError.Name: value "
                              "length must be at least 1 characters)")
        out["tsm"].append({"name": m["name"], "match": m.get("match") or {},
                           "ts": parse_transport_socket(m.get("transport_socket"))})
    out["transport_socket"] = parse_transport_socket(c.get("transport_socket"))
    clc = c.get("common_lb_config") or {}
    out["panic"] = percent(clc.get("healthy_panic_threshold"), path + ".common_lb_config.healthy_panic_threshold", 50.0)
    out["warm_hosts"] = bool(clc.get("ignore_new_hosts_until_first_hc", False))
    return out


def parse_transport_socket(ts):
    if not ts:
        return None
    tc = ts.get("typed_config") or {}
    t = tc.get("@type", "")
    if t == T_TLS:
        return {"tls": True, "sni": tc.get("sni") or None}
    if t.endswith("RawBuffer") or ts.get("name") == "envoy.transport_sockets.raw_buffer":
        return None
    return {"tls": False, "other": t}

