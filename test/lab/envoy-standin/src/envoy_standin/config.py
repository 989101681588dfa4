"""The semantic pass's building blocks: type URLs, the Checker, scalar fields, addresses, files
and config sources."""
import json
import re

from .errors import ConfigError
from .schema import is_ip

try:
    import yaml
except ImportError:  # pragma: no cover - reported at config load
    yaml = None

# ---------------------------------------------------------------------------------------------
# config parsing & validation
# ---------------------------------------------------------------------------------------------
T_LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener"
T_CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
T_CLA = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
T_TCP_PROXY = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"
T_HCM = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
T_ROUTER = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"
T_FILE_LOG = "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog"
T_STDOUT_LOG = "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog"
T_STDERR_LOG = "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog"
T_TLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"

CLUSTER_TYPES = {"STATIC", "STRICT_DNS", "LOGICAL_DNS", "EDS", "ORIGINAL_DST"}
LB_POLICIES = {"ROUND_ROBIN", "LEAST_REQUEST", "RING_HASH", "RANDOM", "MAGLEV", "CLUSTER_PROVIDED",
               "LOAD_BALANCING_POLICY_CONFIG"}
HEALTH_STATUSES = {"UNKNOWN", "HEALTHY", "UNHEALTHY", "DRAINING", "TIMEOUT", "DEGRADED"}


class Checker:
    """The semantic pass over a config dict that ProtoWalk accepted: what Envoy checks in code."""

    def __init__(self, strict, what):
        self.strict = strict
        self.what = what
        self.warnings = []

    def msg(self, obj, typ, path):
        # Field names, types and PGV rules were checked by ProtoWalk before this semantic pass.
        if not isinstance(obj, dict):
            raise ConfigError(f"Unable to parse JSON as proto (INVALID_ARGUMENT:{path}: invalid value "
                              f"{json.dumps(obj)[:80]} for type {typ})")
        return obj

    @staticmethod
    def oneof(obj, name, fields, path, required=False):
        present = [f for f in fields if obj.get(f) is not None]
        if len(present) > 1:
            raise ConfigError(f"Unable to parse JSON as proto (INVALID_ARGUMENT:{path}: oneof field '{name}' "
                              f"is already set. Cannot set '{present[1]}')")
        if required and not present:
            raise ConfigError(f"Proto constraint validation failed ({path}: value is required): oneof {name}")
        return present[0] if present else None


def duration(v, path, default=None):
    if v is None:
        return default
    if isinstance(v, str):
        m = re.fullmatch(r"(-?\d+)(\.\d{1,9})?s", v)
        if m:
            return float(v[:-1])
    raise ConfigError(f"Unable to parse JSON as proto (INVALID_ARGUMENT:{path}: invalid duration: {json.dumps(v)})")


def uint(v, path, default=None, lo=0, hi=2 ** 32 - 1):
    if v is None:
        return default
    if isinstance(v, bool) or not isinstance(v, (int, str)) or not re.fullmatch(r"-?\d+", str(v)):
        raise ConfigError(f"Unable to parse JSON as proto (INVALID_ARGUMENT:{path}: invalid value {json.dumps(v)} "
                          f"for type TYPE_UINT32)")
    n = int(v)
    if n < lo or n > hi:
        raise ConfigError(f"Proto constraint validation failed ({path}: value must be inside range [{lo}, {hi}]): {n}")
    return n


def percent(v, path, default):
    if v is None:
        return default
    if isinstance(v, dict):
        v = v.get("value", 0)
    try:
        return float(v)
    except (TypeError, ValueError):
        raise ConfigError(f"Unable to parse JSON as proto (INVALID_ARGUMENT:{path}: invalid value {json.dumps(v)})")



def parse_address(ck, obj, path, need_ip=True):
    ck.msg(obj, "envoy.config.core.v3.Address", path)
    if "socket_address" not in obj:
        raise ConfigError(f"{path}: only socket_address is supported by this build")
    sa = ck.msg(obj["socket_address"], "envoy.config.core.v3.SocketAddress", path + ".socket_address")
    addr = sa.get("address")
    if not isinstance(addr, str) or not addr:
        raise ConfigError(f"Proto constraint validation failed (SocketAddressValidationError.Address: "
                          f"value length must be at least 1 characters): {path}.socket_address")
    if sa.get("protocol", "TCP") not in ("TCP", "UDP"):
        raise ConfigError(f"{path}.socket_address.protocol: invalid enum value {sa.get('protocol')}")
    if "named_port" in sa:
        raise ConfigError(f"{path}.socket_address: named_port is not supported")
    port = uint(sa.get("port_value", 0), path + ".socket_address.port_value", 0, 0, 65535)
    if need_ip and not is_ip(addr):
        raise ConfigError(f"malformed IP address: {addr}")
    return addr, port


def load_file(path):
    if yaml is None:
        raise ConfigError("PyYAML is not installed (python3-yaml)")
    try:
        with open(path, "r", encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise ConfigError(f"Invalid path: {path}")
    except OSError as e:
        raise ConfigError(f"unable to read file: {path}: {e.strerror}")
    return parse_text(text, path)


def parse_text(text, path):
    try:
        if path.endswith(".json"):
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as e:
        first = str(e).strip().splitlines()
        raise ConfigError(f"Unable to convert YAML as JSON: {' '.join(x.strip() for x in first)}")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"Unable to parse JSON as proto (INVALID_ARGUMENT:Root element must be a message.): {path}")
    return data


def config_source_path(ck, cs, path):
    """Returns the file path of a ConfigSource (path_config_source or legacy path), or None."""
    if cs is None:
        return None
    ck.msg(cs, "envoy.config.core.v3.ConfigSource", path)
    kind = Checker.oneof(cs, "config_source_specifier", ["path", "path_config_source", "api_config_source", "ads", "self"],
                         path, required=True)
    rv = cs.get("resource_api_version", "AUTO")
    if rv not in ("AUTO", "V2", "V3"):
        raise ConfigError(f"{path}.resource_api_version: invalid enum value {rv}")
    if rv == "V2":
        raise ConfigError("V2 (and AUTO) xDS transport protocol versions are deprecated in " + path)
    duration(cs.get("initial_fetch_timeout"), path + ".initial_fetch_timeout")
    if kind == "path":
        return cs["path"]
    if kind == "path_config_source":
        pcs = ck.msg(cs["path_config_source"], "envoy.config.core.v3.PathConfigSource", path + ".path_config_source")
        p = pcs.get("path")
        if not isinstance(p, str) or not p:
            raise ConfigError(f"Proto constraint validation failed (PathConfigSourceValidationError.Path: value "
                              f"length must be at least 1 characters)")
        return p
    raise ConfigError(f"{path}: only filesystem (path_config_source) config sources are supported by this build")

