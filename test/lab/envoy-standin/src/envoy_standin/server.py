"""The server: boot in Envoy's order, state, signals, flush, drain and shutdown. Its other
concerns are mixins: file-based xDS (xds.py), tcp_proxy (proxy.py), the admin API (admin.py,
admin_views.py)."""
import asyncio
import os
import signal
import time

from .access_log import AccessLogger
from .admin import AdminApi
from .admin_views import AdminViews
from .cluster import Cluster
from .errors import ConfigError
from .hot_restart import HotRestart, HotRestartError
from .log import log
from .proxy import TcpProxy
from .stats import Stats
from .version import HOT_RESTART_VERSION, REVISION
from .xds import XdsFiles


# ---------------------------------------------------------------------------------------------
# server
# ---------------------------------------------------------------------------------------------
class Server(XdsFiles, TcpProxy, AdminApi, AdminViews):
    def __init__(self, opts, bootstrap):
        self.opts = opts
        self.b = bootstrap
        self.stats = Stats()
        self.clusters = {}
        self.static_cluster_names = set()
        self.listeners = {}
        self.tasks = set()
        self.running = False
        self.state = "PRE_INITIALIZING"
        self.hc_failed = False
        self.listeners_stopped = False
        self.draining = False
        self.start_time = time.time()
        self.original_start_time = self.start_time  # of epoch 0, handed down by hot restart
        self.hot_restart = None
        self.start_mono = time.monotonic()
        self.exit_code = 0
        self.stop_event = None
        self.access = AccessLogger()
        self.conn_id = 0
        self.watch = {}  # kind -> inode
        self.lds_version = ""
        self.cds_version = ""
        self.lds_updated = None
        self.cds_updated = None
        self.admin_srv = None
        self.concurrency = int(opts.get("concurrency") or os.cpu_count() or 1)
        for c in ("lds", "cds"):
            for s in ("update_attempt", "update_success", "update_rejected", "update_failure", "update_empty"):
                self.stats.counter(f"{'listener_manager' if c == 'lds' else 'cluster_manager'}.{c}.{s}")
            self.stats.gauge(f"{'listener_manager' if c == 'lds' else 'cluster_manager'}.{c}.version")
            self.stats.texts[f"{'listener_manager' if c == 'lds' else 'cluster_manager'}.{c}.version_text"] = ""
        for c in ("listener_manager.listener_added", "listener_manager.listener_removed",
                  "listener_manager.listener_modified", "listener_manager.listener_create_success",
                  "listener_manager.listener_create_failure", "listener_manager.listener_stopped",
                  "listener_manager.listener_in_place_updated", "cluster_manager.cluster_added",
                  "cluster_manager.cluster_modified", "cluster_manager.cluster_removed",
                  "cluster_manager.cluster_updated", "server.dynamic_unknown_fields",
                  "server.static_unknown_fields", "server.debug_assertion_failures", "server.envoy_bug_failures",
                  "server.main_thread.watchdog_miss", "server.main_thread.watchdog_mega_miss"):
            self.stats.counter(c)
        for g in ("listener_manager.total_listeners_active", "listener_manager.total_listeners_warming",
                  "listener_manager.total_listeners_draining", "listener_manager.workers_started",
                  "cluster_manager.active_clusters", "cluster_manager.warming_clusters",
                  "server.total_connections", "server.parent_connections", "server.hot_restart_epoch",
                  "server.days_until_first_cert_expiring", "server.seconds_until_first_ocsp_response_expiring",
                  "server.memory_allocated", "server.memory_heap_size", "server.memory_physical_size",
                  "server.stats_recent_lookups", "server.initialization_time_ms"):
            self.stats.gauge(g)
        self.stats.set("server.concurrency", self.concurrency)
        self.stats.set("server.version", int(REVISION[:6], 16))
        self.stats.set("server.hot_restart_generation", 1)
        self.update_server_gauges()

    def spawn(self, coro):
        t = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(t)
        t.add_done_callback(self.tasks.discard)
        return t

    # -- state ------------------------------------------------------------------------------
    def server_state(self):
        if self.state != "LIVE":
            return self.state
        return "DRAINING" if self.hc_failed else "LIVE"

    def update_server_gauges(self):
        st = self.stats
        state = self.server_state()
        st.set("server.state", {"LIVE": 0, "DRAINING": 1, "PRE_INITIALIZING": 2, "INITIALIZING": 3}[state])
        st.set("server.live", 1 if (self.state == "LIVE" and not self.hc_failed) else 0)
        st.set("server.uptime", int(time.monotonic() - self.start_mono))
        st.set("listener_manager.total_listeners_active", len(self.listeners))
        st.set("cluster_manager.active_clusters", len(self.clusters))
        st.set("server.total_connections", sum(st.gauges.get(f"listener.{l.cfg['stat_prefix']}.downstream_cx_active", 0)
                                               for l in self.listeners.values()))

    def on_sigusr1(self):
        log("info", "main", "source/server/server.cc:850", "caught SIGUSR1. Reopening access logs.")
        self.access.reopen()

    # -- boot -------------------------------------------------------------------------------
    async def run(self):
        loop = asyncio.get_running_loop()
        self.stop_event = asyncio.Event()
        for sig, name in ((signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "SIGINT")):
            loop.add_signal_handler(sig, self.on_signal, name)
        loop.add_signal_handler(signal.SIGHUP, lambda: log("warning", "main", "source/server/server.cc:1009",
                                                           "caught and eating SIGHUP. See documentation for how to "
                                                           "hot restart."))
        loop.add_signal_handler(signal.SIGUSR1, self.on_sigusr1)
        src = "source/server/server.cc"
        log("info", "main", f"{src}:436", f"initializing epoch {self.opts['restart_epoch']} (base id=0, hot restart "
            f"version={HOT_RESTART_VERSION})")
        log("info", "main", f"{src}:438", "statically linked extensions: (stand-in subset) "
            "envoy.filters.network: envoy.filters.network.tcp_proxy, envoy.filters.network.http_connection_manager; "
            "envoy.filters.http: envoy.filters.http.router, envoy.filters.http.health_check; envoy.access_loggers: envoy.access_loggers.file, "
            "envoy.access_loggers.stdout; envoy.transport_sockets.upstream: envoy.transport_sockets.tls, "
            "envoy.transport_sockets.raw_buffer")
        for w in self.b["warnings"]:
            log("warning", "misc", "source/common/protobuf/message_validator_impl.cc:23", w)
        if not self.opts.get("disable_hot_restart") and self.opts["mode"] == "serve":
            try:
                self.hot_restart = HotRestart(self, self.opts)
                self.hot_restart.serve(loop)
                epoch = self.hot_restart.epoch
                self.stats.set("server.hot_restart_epoch", epoch)
                self.stats.set("server.hot_restart_generation", epoch + 1)
                if epoch > 0:
                    # the parent lets go of the admin address first (hot_restarting_child.cc)
                    self.original_start_time = self.hot_restart.shutdown_parent_admin() or self.start_time
            except (HotRestartError, OSError) as e:
                log("critical", "main", "source/exe/main_common.cc:99", f"error initializing hot restart: {e}")
                return 1
        if self.b["admin"]:
            try:
                self.admin_srv = await asyncio.start_server(self.admin_handle, self.b["admin"][0], self.b["admin"][1],
                                                            reuse_address=True)
            except OSError as e:
                log("critical", "main", f"{src}:1012", f"error initializing config '{self.opts['config_path']}': "
                    f"cannot bind '{self.b['admin'][0]}:{self.b['admin'][1]}': {e.strerror}")
                return 1
            a = self.admin_srv.sockets[0].getsockname()
            log("info", "admin", "source/server/admin/admin.cc:67", f"admin address: {a[0]}:{a[1]}")
            if self.opts.get("admin_address_path"):
                with open(self.opts["admin_address_path"], "w") as fh:
                    fh.write(f"{a[0]}:{a[1]}")
        else:
            log("info", "main", f"{src}:920", "No admin address given, so no admin HTTP server started.")
        log("info", "config", "source/server/configuration_impl.cc:168", "loading tracing configuration")
        log("info", "config", "source/server/configuration_impl.cc:124", "loading 0 static secret(s)")
        log("info", "config", "source/server/configuration_impl.cc:130",
            f"loading {len(self.b['static_clusters'])} cluster(s)")
        log("info", "config", "source/server/configuration_impl.cc:134",
            f"loading {len(self.b['static_listeners'])} listener(s)")
        log("info", "config", "source/server/configuration_impl.cc:146", "loading stats configuration")
        self.state = "INITIALIZING"
        self.update_server_gauges()
        self.running = True
        for c in self.b["static_clusters"]:
            cl = Cluster(self, c, False)
            self.clusters[cl.name] = cl
            self.static_cluster_names.add(cl.name)
            self.stats.inc("cluster_manager.cluster_added")
            if c["eds_path"]:
                self.load_eds(cl, initial=True)
            cl.start()
        log("info", "main", f"{src}:994", "starting main dispatch loop")
        if self.b["cds_path"]:
            log("info", "upstream", "source/common/upstream/cluster_manager_impl.cc:247", "cm init: initializing cds")
            self.load_cds(initial=True)
        await self.wait_clusters_initialized()
        log("info", "upstream", "source/common/upstream/cluster_manager_impl.cc:251",
            "cm init: all clusters initialized")
        log("info", "main", f"{src}:976", "all clusters initialized. initializing init manager")
        try:
            for l in self.b["static_listeners"]:
                await self.add_listener(l, False, "")
        except ConfigError as e:
            log("critical", "main", f"{src}:1012", f"error initializing configuration '{self.opts['config_path']}': {e}")
            return 1
        if self.b["lds_path"]:
            await self.load_lds(initial=True)
        log("info", "config", "source/common/listener_manager/listener_manager_impl.cc:944",
            "all dependencies initialized. starting workers")
        self.stats.set("listener_manager.workers_started", 1)
        self.state = "LIVE"
        self.stats.set("server.initialization_time_ms", int((time.monotonic() - self.start_mono) * 1000))
        self.update_server_gauges()
        self.spawn(self.watch_loop())
        self.spawn(self.flush_loop())
        if self.hot_restart and self.hot_restart.epoch > 0:
            # workers run: the parent stops accepting and leaves after --parent-shutdown-time-s
            self.hot_restart.drain_parent_listeners()
            self.spawn(self.hot_restart.terminate_parent_later())
        if self.opts["mode"] == "init_only":
            self.stop_event.set()
        await self.stop_event.wait()
        await self.shutdown()
        return self.exit_code

    async def wait_clusters_initialized(self, timeout=None):
        pend = [c.initialized for c in self.clusters.values() if not c.initialized.done()]
        if pend:
            await asyncio.wait(pend, timeout=timeout)

    def on_signal(self, name):
        log("warning", "main", "source/server/server.cc:1000", f"caught {name}")
        self.stop_event.set()

    async def shutdown(self):
        log("info", "main", "source/server/server.cc:1065", "shutting down server instance")
        self.running = False
        for l in self.listeners.values():
            l.stop()
        if self.admin_srv:
            self.admin_srv.close()
        if self.hot_restart:
            self.hot_restart.close()
        for c in self.clusters.values():
            c.stop()
        self.access.flush()
        log("info", "main", "source/server/server.cc:1006", "main dispatch loop exited")
        log("info", "main", "source/server/server.cc:1057", "exiting")
        for t in list(self.tasks):
            t.cancel()

    async def flush_loop(self):
        iv = max(0.01, int(self.opts["file_flush_interval_msec"]) / 1000.0)
        try:
            while True:
                await asyncio.sleep(iv)
                self.access.flush()
        except asyncio.CancelledError:
            pass

    def listen_fd(self, address, port):
        """The descriptor of the listening socket this process has on address:port (hot restart)."""
        for l in self.listeners.values():
            if l.srv is not None and (l.cfg["address"], l.cfg["port"]) == (address, port):
                return l.srv.sockets[0].fileno()
        return None

    # -- drain ------------------------------------------------------------------------------
    def stop_listeners(self, inbound_only=False):
        # Envoy docs, "Draining": listeners stopped by /drain_listeners are stopped directly, without
        # the drain process, and accept no new connection; established ones are not touched (tcp_proxy
        # never drains). They end when the server stops: asyncio.run cancels each connection's task,
        # whose finally closes both sockets in order (FIN), as Envoy closes them at exit.
        for l in self.listeners.values():
            if inbound_only and l.cfg["traffic_direction"] != "INBOUND":
                continue
            if l.srv is not None:
                l.stop()
                self.stats.inc("listener_manager.listener_stopped")
        if not inbound_only:
            self.listeners_stopped = True
        log("info", "main", "source/common/listener_manager/listener_manager_impl.cc:1084", "stopping all listeners")

    async def drain_then_stop(self, inbound_only, skip_exit):
        secs = int(self.opts["drain_time_s"])
        log("info", "main", "source/server/drain_manager_impl.cc:98", f"shutting down parent after drain")
        await asyncio.sleep(secs)
        if not skip_exit:
            self.stop_listeners(inbound_only)

