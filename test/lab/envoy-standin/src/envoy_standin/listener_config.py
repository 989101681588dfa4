"""Listeners as Envoy reads them: address, filter chains, tcp_proxy and its access logs, or an
http_connection_manager (http_config)."""
from .config import (T_FILE_LOG, T_HCM, T_LISTENER, T_STDERR_LOG, T_STDOUT_LOG, T_TCP_PROXY, Checker, duration,
                     parse_address, uint)
from .errors import ConfigError
from .http_config import parse_http_manager


def parse_access_logs(ck, logs, path):
    out = []
    for i, al in enumerate(logs or []):
        p = f"{path}[{i}]"
        if not isinstance(al, dict):
            raise ConfigError(f"{p}: invalid access log")
        tc = al.get("typed_config") or {}
        t = tc.get("@type")
        if t == T_FILE_LOG:
            target = tc.get("path")
            if not isinstance(target, str) or not target:
                raise ConfigError("Proto constraint validation failed (FileAccessLogValidationError.Path: value "
                                  "length must be at least 1 characters)")
        elif t in (T_STDOUT_LOG, T_STDERR_LOG):
            target = "/dev/stdout" if t == T_STDOUT_LOG else "/dev/stderr"
        elif t is None:
            raise ConfigError(f"{p}: Didn't find a registered implementation for '{al.get('name', '')}' with type URL: ''")
        else:
            ck.warnings.append(f"{p}: access logger {t} is not supported by the stand-in; ignored")
            continue
        fmt_kind = Checker.oneof(tc, "access_log_format", ["format", "json_format", "typed_json_format", "log_format"], p)
        fmt = ("text", "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" "
                       "%RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "
                       "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" "
                       "\"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\"\n")
        if fmt_kind == "format":
            fmt = ("text", tc["format"])
        elif fmt_kind == "json_format":
            fmt = ("json_str", tc["json_format"])
        elif fmt_kind == "typed_json_format":
            fmt = ("json", tc["typed_json_format"])
        elif fmt_kind == "log_format":
            lf = tc["log_format"]
            k = Checker.oneof(lf, "format", ["text_format", "json_format", "text_format_source"], p + ".log_format",
                              required=True)
            if k == "text_format":
                fmt = ("text", lf["text_format"])
            elif k == "json_format":
                fmt = ("json", lf["json_format"])
            else:
                src = lf["text_format_source"] or {}
                fmt = ("text", src.get("inline_string", ""))
        if fmt[0] != "text" and not isinstance(fmt[1], dict):
            raise ConfigError(f"{p}: json_format must be a map")
        out.append({"path": target, "format": fmt})
    return out


def parse_listener(ck, l, path):
    ck.msg(l, "envoy.config.listener.v3.Listener", path)
    if l.get("@type") not in (None, T_LISTENER):
        raise ConfigError(f"{path}: unexpected @type {l.get('@type')}")
    name = l.get("name") or ""
    if l.get("address") is None:
        if l.get("api_listener") is None and l.get("internal_listener") is None:
            raise ConfigError(f"error adding listener named '{name}': address is necessary")
        raise ConfigError(f"{path}: api/internal listeners are not supported by this build")
    addr, port = parse_address(ck, l["address"], path + ".address")
    chains = l.get("filter_chains") or []
    if not isinstance(chains, list):
        raise ConfigError(f"{path}.filter_chains: must be a list")
    if not chains and not l.get("default_filter_chain"):
        raise ConfigError(f"error adding listener '{addr}:{port}': no filter chains specified")
    tcp = None
    http = None
    for ci, fc in enumerate(chains):
        ck.msg(fc, "envoy.config.listener.v3.FilterChain", f"{path}.filter_chains[{ci}]")
        for fi, flt in enumerate(fc.get("filters") or []):
            fp = f"{path}.filter_chains[{ci}].filters[{fi}]"
            ck.msg(flt, "envoy.config.listener.v3.Filter", fp)
            if not flt.get("name"):
                raise ConfigError(f"Proto constraint validation failed (FilterValidationError.Name: value length "
                                  f"must be at least 1 characters): {fp}")
            tc = flt.get("typed_config")
            if tc is None:
                raise ConfigError(f"Didn't find a registered implementation for '{flt['name']}' with type URL: ''")
            if tc.get("@type") == T_TCP_PROXY:
                ck.msg(tc, "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", fp + ".typed_config")
                if not tc.get("stat_prefix"):
                    raise ConfigError("Proto constraint validation failed (TcpProxyValidationError.StatPrefix: value "
                                      "length must be at least 1 characters)")
                spec = Checker.oneof(tc, "cluster_specifier", ["cluster", "weighted_clusters", "on_demand"],
                                     fp + ".typed_config", required=True)
                cluster = tc.get("cluster")
                if spec == "weighted_clusters":
                    wcs = (tc["weighted_clusters"] or {}).get("clusters") or []
                    if not wcs:
                        raise ConfigError("Proto constraint validation failed (WeightedClusterValidationError."
                                          "Clusters: value must contain at least 1 item(s))")
                    cluster = wcs[0].get("name")
                if not isinstance(cluster, str) or not cluster:
                    raise ConfigError("Proto constraint validation failed (TcpProxyValidationError.Cluster: value "
                                      "length must be at least 1 characters)")
                if ci == 0 and tcp is None:
                    mca = uint(tc.get("max_connect_attempts"), fp + ".max_connect_attempts", 1, 1)
                    idle = duration(tc.get("idle_timeout"), fp + ".idle_timeout", 3600.0)
                    alo = tc.get("access_log_options") or {}
                    tcp = {"cluster": cluster, "stat_prefix": tc["stat_prefix"], "max_connect_attempts": mca,
                           "idle_timeout": idle,
                           # TcpAccessLogOptions wins over the deprecated top-level field (tcp_proxy.proto)
                           "log_on_connected": bool(alo.get("flush_access_log_on_connected")
                                                    if "access_log_options" in tc
                                                    else tc.get("flush_access_log_on_connected")),
                           "access_logs": parse_access_logs(ck, tc.get("access_log"), fp + ".typed_config.access_log")}
            elif tc.get("@type") == T_HCM:
                if ci == 0 and tcp is None and http is None:
                    http = parse_http_manager(ck, tc, fp + ".typed_config")
            elif not tc.get("@type"):
                raise ConfigError(f"{fp}.typed_config: missing @type")
    lname = name or f"{addr}:{port}"
    return {"name": lname, "address": addr, "port": port, "tcp": tcp, "http": http, "raw": l,
            "stat_prefix": l.get("stat_prefix") or f"{addr}_{port}",
            "traffic_direction": l.get("traffic_direction", "UNSPECIFIED"),
            "bind_to_port": l.get("bind_to_port", True) is not False,
            "socket_options": [(int(o.get("level", 0)), int(o.get("name", 0)), int(o["int_value"]))
                               for o in l.get("socket_options") or [] if "int_value" in o]}

