"""Envoy's command line (a subset, strict like TCLAP), validate mode, and the entry point."""
import asyncio
import os
import re
import sys

from . import log as logger
from .bootstrap import load_bootstrap, parse_bootstrap
from .errors import ConfigError
from .log import LEVELS, log
from .server import Server
from .version import HOT_RESTART_VERSION, build_version

# ---------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------
VALUE_FLAGS = {
    "-c": "config_path", "--config-path": "config_path", "--config-yaml": "config_yaml",
    "--mode": "mode", "-l": "log_level", "--log-level": "log_level",
    "--component-log-level": "component_log_level", "--log-format": "log_format",
    "--log-path": "log_path", "--concurrency": "concurrency", "--drain-time-s": "drain_time_s",
    "--parent-shutdown-time-s": "parent_shutdown_time_s", "--drain-strategy": "drain_strategy",
    "--base-id": "base_id", "--base-id-path": "base_id_path", "--restart-epoch": "restart_epoch",
    "--service-cluster": "service_cluster", "--service-node": "service_node",
    "--service-zone": "service_zone", "--local-address-ip-version": "local_address_ip_version",
    "--file-flush-interval-msec": "file_flush_interval_msec", "--admin-address-path": "admin_address_path",
    "--socket-path": "socket_path", "--socket-mode": "socket_mode", "--disable-extensions": "disable_extensions",
    "--stats-tag": "stats_tag", "--bootstrap-version": "bootstrap_version",
}
BOOL_FLAGS = {
    "--version": "version", "-h": "help", "--help": "help", "--hot-restart-version": "hot_restart_version",
    "--disable-hot-restart": "disable_hot_restart", "--use-dynamic-base-id": "use_dynamic_base_id",
    "--allow-unknown-static-fields": "allow_unknown_static_fields",
    "--reject-unknown-dynamic-fields": "reject_unknown_dynamic_fields",
    "--ignore-unknown-dynamic-fields": "ignore_unknown_dynamic_fields",
    "--enable-core-dump": "enable_core_dump", "--cpuset-threads": "cpuset_threads",
    "--enable-mutex-tracing": "enable_mutex_tracing", "--log-format-escaped": "log_format_escaped",
    "--enable-fine-grain-logging": "enable_fine_grain_logging", "--skip-hot-restart-on-no-parent": "skip_hot_restart_on_no_parent",
    "--skip-hot-restart-parent-stats": "skip_hot_restart_parent_stats", "--ignore_rest": "ignore_rest",
    "--mode-validate-skip-files": "x",
}
USAGE = """
USAGE: 

   envoy  [--version] [-h] [-c <string>] [--mode <string>] [-l <string>]
          [--concurrency <uint32_t>] [--drain-time-s <uint32_t>]
          [--parent-shutdown-time-s <uint32_t>] ... (Envoy stand-in subset)
"""


def parse_args(argv):
    opts = {"mode": "serve", "log_level": "info", "drain_time_s": "600", "parent_shutdown_time_s": "900",
            "drain_strategy": "gradual", "file_flush_interval_msec": "10000", "restart_epoch": "0",
            "base_id": "0", "service_cluster": "", "service_node": "", "service_zone": "",
            "config_path": "", "config_yaml": "", "log_path": "", "local_address_ip_version": "v4",
            "component_log_level": "", "admin_address_path": ""}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            break
        name, eq, val = a.partition("=") if a.startswith("--") else (a, "", "")
        if name in BOOL_FLAGS:
            opts[BOOL_FLAGS[name]] = True
        elif name in VALUE_FLAGS:
            if not eq:
                if i + 1 >= len(argv):
                    raise SystemExit(usage_error(f"Argument: {name}\n             Missing a value for this argument!"))
                i += 1
                val = argv[i]
            opts[VALUE_FLAGS[name]] = val
        else:
            raise SystemExit(usage_error(f"Argument: {a}\n             Couldn't find match for argument"))
        i += 1
    for k in ("concurrency", "drain_time_s", "parent_shutdown_time_s", "restart_epoch", "file_flush_interval_msec"):
        if k in opts and not re.fullmatch(r"\d+", str(opts[k])):
            raise SystemExit(usage_error(f"Argument: --{k.replace('_', '-')}\n             Couldn't read argument value from string '{opts[k]}'"))
    if opts["mode"] not in ("serve", "validate", "init_only"):
        sys.stderr.write(f"error: unknown mode '{opts['mode']}'\n")
        raise SystemExit(1)
    if opts["log_level"] not in LEVELS:
        sys.stderr.write(f"error: invalid log level specified '{opts['log_level']}'\n")
        raise SystemExit(1)
    if opts["drain_strategy"] not in ("gradual", "immediate"):
        sys.stderr.write(f"error: unknown drain strategy '{opts['drain_strategy']}'\n")
        raise SystemExit(1)
    return opts


def usage_error(msg):
    sys.stderr.write(f"PARSE ERROR: {msg}\n{USAGE}\nFor complete USAGE and HELP type: \n   envoy --help\n\n")
    return 1

def validate_mode(opts):
    cfg = opts["config_path"] or "<config-yaml>"
    log("info", "main", "source/server/config_validation/server.cc:78", f"initializing epoch 0 (base id=0, "
        f"hot restart version=disabled)")
    try:
        data = load_bootstrap(opts)
        b = parse_bootstrap(data, strict=not opts.get("allow_unknown_static_fields"))
        for w in b["warnings"]:
            log("warning", "misc", "source/common/protobuf/message_validator_impl.cc:23", w)
        for key in ("lds_path", "cds_path"):
            p = b[key]
            if p is not None and not os.path.exists(p):
                raise ConfigError(f"paths must refer to an existing path in the system: '{p}' does not exist")
        for c in b["static_clusters"]:
            if c["eds_path"] and not os.path.exists(c["eds_path"]):
                raise ConfigError(f"paths must refer to an existing path in the system: '{c['eds_path']}' does not exist")
    except ConfigError as e:
        log("critical", "main", "source/server/config_validation/server.cc:66",
            f"error initializing configuration '{cfg}': {e}")
        return 1
    sys.stdout.write(f"configuration '{cfg}' OK\n")
    sys.stdout.flush()
    return 0

def main(argv):
    opts = parse_args(argv)
    if opts.get("help"):
        sys.stdout.write(USAGE)
        return 0
    if opts.get("version"):
        sys.stdout.write(f"\nenvoy  version: {build_version()}\n")
        return 0
    if opts.get("hot_restart_version"):
        sys.stdout.write(HOT_RESTART_VERSION + "\n")
        return 0
    logger.set_level(opts["log_level"])
    if opts.get("log_path"):
        try:
            logger.set_file(open(opts["log_path"], "a", encoding="utf-8"))
        except OSError as e:
            sys.stderr.write(f"error: cannot open log path {opts['log_path']}: {e}\n")
            return 1
    if opts["mode"] == "validate":
        return validate_mode(opts)
    cfg = opts["config_path"] or "<config-yaml>"
    try:
        b = parse_bootstrap(load_bootstrap(opts), strict=not opts.get("allow_unknown_static_fields"))
        for key in ("lds_path", "cds_path"):
            p = b[key]
            if p is not None and not os.path.exists(p):
                raise ConfigError(f"paths must refer to an existing path in the system: '{p}' does not exist")
    except ConfigError as e:
        log("critical", "main", "source/server/server.cc:1012", f"error initializing configuration '{cfg}': {e}")
        log("info", "main", "source/server/server.cc:1057", "exiting")
        return 1
    server = Server(opts, b)
    try:
        return asyncio.run(server.run())
    except KeyboardInterrupt:
        return 0

