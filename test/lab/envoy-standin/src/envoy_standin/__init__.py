# envoy stand-in for the envoy-k8s-proxy test lab
# ===============================================
#
# Real Envoy cannot be installed on the lab machine (no GitHub access), so the lab
# serves this script in its place: it is downloaded, sha256-checked and installed
# exactly like a release binary (/opt/envoy-k8s-proxy/releases/<ver>/envoy).  It
# behaves like Envoy 1.35 wherever the tool looks, and nothing in the tool may know
# that it is fake.  The same e2e suite must pass against a real Envoy binary, so when
# in doubt this script follows what Envoy's source does, not what would be handy.
#
# Requirements: python3 (3.11) + PyYAML (Debian: python3-yaml).  stdlib only otherwise.
#
# Built into one executable file (a zipapp: `#!/usr/bin/env python3` + zip) by
# test/lab/envoy-standin/build.py; the lab builds one per release version it publishes
# (test/lab/standin-build.ts), writing the generated module _build.py (VERSION and the
# embedded proto schema PROTO_SCHEMA_Z) into each build.  Nothing else differs between versions.
#
# CLI (subset of Envoy's; unknown flags are rejected like Envoy's TCLAP parser does):
#   envoy --version
#   envoy --mode validate -c FILE     bootstrap strictly checked (unknown fields, oneofs,
#                                     durations, addresses, static resources); like real
#                                     Envoy (envoy#36289) the lds/cds path_config_source
#                                     files are only checked to EXIST, not parsed.
#   envoy -c FILE [--log-level L] [--concurrency N] [--drain-time-s S]
#                 [--parent-shutdown-time-s S] [--file-flush-interval-msec MS] ...
#
# Serve mode implements: admin HTTP server (/, /ready, /server_info, /clusters[?format=json],
# /listeners[?format=json], /stats[?format=json&filter=RE&usedonly], /config_dump,
# POST /healthcheck/fail|ok, POST /drain_listeners[?graceful][&skip_exit][&inboundonly],
# POST /quitquitquit; mutating endpoints answer 405 to non-POST like Envoy), file-based
# LDS/CDS/EDS (path_config_source) reloaded when the file is REPLACED (inode change, i.e.
# atomic rename; in-place edits are ignored like Envoy's MovedTo watch), tcp_proxy with
# round robin over healthy hosts, panic threshold, connect_timeout, max_connect_attempts,
# idle_timeout, file/stdout access logs (text or json log_format, buffered and flushed every
# --file-flush-interval-msec like Envoy), active TCP/HTTP(S) health checks with Envoy's
# threshold/interval/no_traffic_interval rules, consecutive-failure outlier detection,
# SIGTERM/SIGINT exit 0; HTTP listeners with an inline route table (http_connection_manager +
# router: path/prefix and exact header matches, routes to a cluster, direct_response) and
# GET /stats/prometheus in Envoy's Prometheus text format (http_config, http_proxy, prometheus).
#
# Deliberate Envoy behaviours worth knowing (they surprise people):
#   * with active health checks, new hosts start as /failed_active_hc; one success makes a
#     NEW host healthy, later transitions need healthy_threshold / unhealthy_threshold;
#   * until the cluster carried traffic, checks run every no_traffic_interval (default 60s);
#   * /ready and server_info.state turn DRAINING only after POST /healthcheck/fail;
#     /drain_listeners does not change them;
#   * /drain_listeners?graceful keeps accepting for --drain-time-s (default 600) and then
#     stops the listeners; without ?graceful the listeners stop at once; established
#     connections are never cut by a drain;
#   * a host removed from EDS that still passes active health checks is kept
#     (/pending_dynamic_removal) unless the cluster sets ignore_health_on_host_removal.
#
# Modules: cli (command line, validate mode) -> bootstrap, config, listener_config, cluster_config
# (the semantic pass) over validate + schema (the proto walk); server (boot, drain, shutdown) with
# the mixins xds (file-based LDS/CDS/EDS), proxy (listeners, tcp_proxy), admin + admin_views;
# http_config + http_proxy (http_connection_manager listeners), prometheus (/stats/prometheus);
# cluster + host with health and outlier; access_log, stats, log, fmt, tls, errors, version.
#
# Tests: test/lab/envoy-standin/test/ (vitest, loopback only).
