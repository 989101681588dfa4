"""The bootstrap: parsed and checked (static resources included), from -c and --config-yaml."""
from .cluster_config import parse_cluster
from .config import Checker, config_source_path, duration, load_file, parse_address, parse_text
from .listener_config import parse_listener
from .errors import ConfigError
from .schema import drop_nulls
from .validate import ProtoWalk


def parse_bootstrap(data, strict=True):
    ck = Checker(strict, "bootstrap")
    walk = ProtoWalk(strict).check("envoy.config.bootstrap.v3.Bootstrap", data)
    walk.raise_first()
    ck.warnings += walk.warnings
    data = drop_nulls(data)
    ck.msg(data, "envoy.config.bootstrap.v3.Bootstrap", "")
    b = {"node": {}, "admin": None, "lds_path": None, "cds_path": None, "static_listeners": [],
         "static_clusters": [], "raw": data}
    node = data.get("node") or {}
    ck.msg(node, "envoy.config.core.v3.Node", "node")
    b["node"] = node
    admin = data.get("admin")
    if admin is not None:
        ck.msg(admin, "envoy.config.bootstrap.v3.Admin", "admin")
        if admin.get("address") is not None:
            b["admin"] = parse_address(ck, admin["address"], "admin.address")
        if admin.get("access_log_path"):
            ck.warnings.append("Using deprecated option 'envoy.config.bootstrap.v3.Admin.access_log_path' from file "
                               "bootstrap.proto. This configuration will be removed from Envoy soon.")
    dyn = data.get("dynamic_resources")
    if dyn is not None:
        ck.msg(dyn, "envoy.config.bootstrap.v3.Bootstrap.DynamicResources", "dynamic_resources")
        b["lds_path"] = config_source_path(ck, dyn.get("lds_config"), "dynamic_resources.lds_config")
        b["cds_path"] = config_source_path(ck, dyn.get("cds_config"), "dynamic_resources.cds_config")
    st = data.get("static_resources")
    if st is not None:
        ck.msg(st, "envoy.config.bootstrap.v3.Bootstrap.StaticResources", "static_resources")
        for i, l in enumerate(st.get("listeners") or []):
            b["static_listeners"].append(parse_listener(ck, l, f"static_resources.listeners[{i}]"))
        for i, c in enumerate(st.get("clusters") or []):
            b["static_clusters"].append(parse_cluster(ck, c, f"static_resources.clusters[{i}]"))
        names = [c["name"] for c in b["static_clusters"]]
        for n in names:
            if names.count(n) > 1:
                raise ConfigError(f"cluster manager: duplicate cluster '{n}'")
        lnames = [l["name"] for l in b["static_listeners"]]
        for n in lnames:
            if lnames.count(n) > 1:
                raise ConfigError(f"error adding listener named '{n}': duplicate listener name")
    duration(data.get("stats_flush_interval"), "stats_flush_interval")
    b["warnings"] = ck.warnings
    return b

# ---------------------------------------------------------------------------------------------
# validate mode
# ---------------------------------------------------------------------------------------------
def load_bootstrap(opts):
    data = {}
    if opts["config_path"]:
        data = load_file(opts["config_path"])
    if opts["config_yaml"]:
        extra = parse_text(opts["config_yaml"], "--config-yaml")
        data = merge(data, extra)
    if not opts["config_path"] and not opts["config_yaml"]:
        raise ConfigError("At least one of --config-path or --config-yaml or Options::configProto() should be non-empty")
    return data


def merge(a, b):
    out = dict(a)
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        elif isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = out[k] + v
        else:
            out[k] = v
    return out

