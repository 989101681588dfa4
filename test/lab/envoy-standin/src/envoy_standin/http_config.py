"""http_connection_manager listeners as Envoy reads them: just enough for a small inline route table
(the tool's metrics and health listeners): routes matched on `path` or `prefix` plus exact header matches, to a
cluster or a direct_response. Envoy docs: "HTTP route matching", route.proto."""
from .config import T_ROUTER, Checker, duration, uint
from .errors import ConfigError
from .health_filter import T_HEALTH_CHECK, parse_health_check


def parse_http_manager(ck, tc, path):
    ck.msg(tc, "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager", path)
    if not tc.get("stat_prefix"):
        raise ConfigError("Proto constraint validation failed (HttpConnectionManagerValidationError.StatPrefix: "
                          "value length must be at least 1 characters)")
    kind = Checker.oneof(tc, "route_specifier", ["rds", "route_config", "scoped_routes"], path, required=True)
    if kind != "route_config":
        raise ConfigError(f"{path}: only an inline route_config is supported by this build")
    filters = tc.get("http_filters") or []
    health = None
    for i, f in enumerate(filters):
        t = (f.get("typed_config") or {}).get("@type")
        if t == T_HEALTH_CHECK and i < len(filters) - 1 and health is None:
            health = parse_health_check(f["typed_config"], f"{path}.http_filters[{i}].typed_config")
        elif t != T_ROUTER or i != len(filters) - 1:
            raise ConfigError(f"{path}.http_filters[{i}]: HTTP filter {f.get('name')} ({t}) is not supported by this build "
                              "here (one health_check, then the router last)")
    if not filters:
        raise ConfigError(f"{path}.http_filters: the stand-in needs envoy.filters.http.router as the last HTTP filter")
    vhosts = []
    for vi, vh in enumerate(tc["route_config"].get("virtual_hosts") or []):
        vp = f"{path}.route_config.virtual_hosts[{vi}]"
        routes = []
        for ri, r in enumerate(vh.get("routes") or []):
            rp = f"{vp}.routes[{ri}]"
            m = r.get("match") or {}
            spec = Checker.oneof(m, "path_specifier", ["prefix", "path", "safe_regex", "connect_matcher",
                                                       "path_separated_prefix", "path_match_policy"], rp + ".match",
                                 required=True)
            if spec not in ("prefix", "path"):
                raise ConfigError(f"{rp}.match: {spec} is not supported by this build")
            headers = []
            for h in m.get("headers") or []:
                sm = h.get("string_match") or {}
                if set(sm) - {"exact", "ignore_case"} or "exact" not in sm or h.get("invert_match"):
                    raise ConfigError(f"{rp}.match.headers: only exact string_match is supported by this build")
                headers.append((h["name"].lower(), sm["exact"]))
            action = Checker.oneof(r, "action", ["route", "redirect", "direct_response", "filter_action",
                                                 "non_forwarding_action"], rp, required=True)
            out = {"kind": spec, "value": m[spec], "headers": headers}
            if action == "route":
                ra = r["route"] or {}
                if not isinstance(ra.get("cluster"), str) or not ra["cluster"]:
                    raise ConfigError(f"{rp}.route: only a named cluster is supported by this build")
                out["cluster"] = ra["cluster"]
                out["timeout"] = duration(ra.get("timeout"), rp + ".route.timeout", 15.0)
            elif action == "direct_response":
                dr = r["direct_response"] or {}
                out["status"] = uint(dr.get("status"), rp + ".direct_response.status", None, 200, 599)
                out["body"] = ((dr.get("body") or {}).get("inline_string") or "").encode()
            else:
                raise ConfigError(f"{rp}: {action} is not supported by this build")
            routes.append(out)
        vhosts.append({"domains": [d.lower() for d in vh.get("domains") or []], "routes": routes})
    return {"stat_prefix": tc["stat_prefix"], "vhosts": vhosts, "health_check": health,
            "headers_timeout": duration(tc.get("request_headers_timeout"), path + ".request_headers_timeout", 0.0),
            "idle_timeout": duration(tc.get("stream_idle_timeout"), path + ".stream_idle_timeout", 300.0)}
