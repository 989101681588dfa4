"""File-based xDS (path_config_source): the LDS/CDS/EDS documents, and the server's reload of a
file when it is replaced."""
import asyncio
import os
import time

from .cluster import Cluster
from .cluster_config import parse_cluster, parse_endpoints
from .config import T_CLA, T_CLUSTER, T_LISTENER, Checker, load_file
from .fmt import now_iso
from .listener_config import parse_listener
from .errors import ConfigError
from .log import log
from .proxy import Listener
from .schema import drop_nulls
from .validate import ProtoWalk


# Envoy's FilesystemSubscriptionImpl::refresh() (source/extensions/config_subscription/filesystem/
# filesystem_subscription_impl.cc): a file that cannot be read or parsed counts update_failure, a
# parsed update the callbacks refuse counts update_rejected; an accepted one counts update_success
# and sets the version_text readout (and the version gauge) to the file's version_info.
def read_update(st, prefix, path):
    """The file's data, or None after counting update_failure and logging like Envoy."""
    try:
        return load_file(path)
    except ConfigError as e:
        st.inc(prefix + "update_failure")
        log("warning", "config", "source/extensions/config_subscription/filesystem/filesystem_subscription_impl.cc:99",
            f"Filesystem config update failure: in {path}, {e}")
        return None


def accepted(st, prefix, version):
    st.text(prefix + "version_text", version)
    st.set(prefix + "update_time", int(time.time() * 1000))
    st.inc(prefix + "update_success")


def parse_resources(data, expected_type, path, ck):
    """A file-based xDS file is a DiscoveryResponse: {version_info, resources: [Any...]}."""
    if not isinstance(data, dict):
        raise ConfigError(f"Unable to parse JSON as proto (INVALID_ARGUMENT:: expected an object in {path})")
    walk = ProtoWalk(ck.strict).check("envoy.service.discovery.v3.DiscoveryResponse", data)
    walk.raise_first()
    ck.warnings += walk.warnings
    data = drop_nulls(data)
    res = data.get("resources")
    if res is None:
        res = []
    if not isinstance(res, list):
        raise ConfigError(f"Unable to parse JSON as proto (INVALID_ARGUMENT:resources: invalid value for repeated field)")
    for r in res:
        if not isinstance(r, dict):
            raise ConfigError(f"{path}: resource is not a message")
        t = r.get("@type")
        if t != expected_type:
            raise ConfigError(f"Unable to parse JSON as proto (INVALID_ARGUMENT:resources[0]: Invalid type URL, "
                              f"unknown type: {t}) " if t is None or not t.startswith("type.googleapis.com/")
                              else f"{expected_type[20:]} does not match the resource type URL {t}")
    return str(data.get("version_info", "")), res


def parse_lds(data, path, strict=False):
    ck = Checker(strict, "lds")
    ver, res = parse_resources(data, T_LISTENER, path, ck)
    ls = [parse_listener(ck, r, f"resources[{i}]") for i, r in enumerate(res)]
    names = [l["name"] for l in ls]
    for n in names:
        if names.count(n) > 1:
            raise ConfigError(f"duplicate listener {n} found")
    return ver, ls, ck.warnings


def parse_cds(data, path, strict=False):
    ck = Checker(strict, "cds")
    ver, res = parse_resources(data, T_CLUSTER, path, ck)
    cs = [parse_cluster(ck, r, f"resources[{i}]") for i, r in enumerate(res)]
    names = [c["name"] for c in cs]
    for n in names:
        if names.count(n) > 1:
            raise ConfigError(f"duplicate cluster {n} found")
    return ver, cs, ck.warnings


def parse_eds(data, path, service_name, cluster_type="EDS", strict=False):
    ck = Checker(strict, "eds")
    ver, res = parse_resources(data, T_CLA, path, ck)
    if not res:
        return ver, None, ck.warnings
    if len(res) != 1:
        raise ConfigError(f"Unexpected EDS resource length: {len(res)}")
    cla = res[0]
    if cla.get("cluster_name") != service_name:
        raise ConfigError(f"Unexpected EDS cluster (expecting {service_name}): {cla.get('cluster_name')}")
    return ver, parse_endpoints(ck, cla, "resources[0]", cluster_type), ck.warnings

class XdsFiles:
    """Server mixin: the listener and cluster managers fed from files."""

    # -- xDS files --------------------------------------------------------------------------
    @staticmethod
    def inode(path):
        try:
            st = os.stat(path)
            return (st.st_dev, st.st_ino)
        except OSError:
            return None

    def load_cds(self, initial=False):
        path = self.b["cds_path"]
        ino = self.inode(path)
        self.watch["cds"] = ino
        st = self.stats
        st.inc("cluster_manager.cds.update_attempt")
        data = read_update(st, "cluster_manager.cds.", path)
        if data is None:
            return
        try:
            ver, cs, warns = parse_cds(data, path, strict=bool(self.opts.get("reject_unknown_dynamic_fields")))
            for c in cs:
                if c["name"] in self.static_cluster_names:
                    raise ConfigError(f"Error adding/updating cluster(s) {c['name']}: 'cluster manager: addOrUpdate"
                                      f"Cluster(): {c['name']}' cannot be updated as it was added via static config")
        except ConfigError as e:
            st.inc("cluster_manager.cds.update_rejected")
            log("warning", "config", "source/extensions/config_subscription/filesystem/filesystem_subscription_impl.cc:85",
                f"Filesystem config update rejected: {e}")
            return
        for w in warns:
            st.inc("server.dynamic_unknown_fields")
            log("warning", "misc", "source/common/protobuf/message_validator_impl.cc:23", w)
        new = {c["name"]: c for c in cs}
        dynamic = {n: c for n, c in self.clusters.items() if n not in self.static_cluster_names}
        removed = [n for n in dynamic if n not in new]
        log("info", "upstream", "source/common/upstream/cds_api_helper.cc:32",
            f"cds: add {len(new)} cluster(s), remove {len(removed)} cluster(s)")
        updated = skipped = 0
        for n in removed:
            self.clusters.pop(n).stop()
            st.inc("cluster_manager.cluster_removed")
            log("info", "upstream", "source/common/upstream/cluster_manager_impl.cc:880", f"removing cluster {n}")
        for n, c in new.items():
            old = self.clusters.get(n)
            if old is not None and old.cfg["raw"] == c["raw"]:
                skipped += 1
                continue
            updated += 1
            cl = Cluster(self, c, True, ver)
            if c["eds_path"]:
                self.load_eds(cl, initial=True)
            if old is None:
                self.clusters[n] = cl
                st.inc("cluster_manager.cluster_added")
                cl.start()
            else:
                st.inc("cluster_manager.cluster_modified")
                self.spawn(self.warm_and_swap(old, cl))
        log("info", "upstream", "source/common/upstream/cds_api_helper.cc:69",
            f"cds: added/updated {updated} cluster(s), skipped {skipped} unmodified cluster(s)")
        self.cds_version = ver
        self.cds_updated = now_iso()
        accepted(st, "cluster_manager.cds.", ver)
        self.update_server_gauges()

    async def warm_and_swap(self, old, new):
        """A modified cluster warms (first health check round) before it replaces the old one."""
        self.stats.gauge_add("cluster_manager.warming_clusters", 1)
        old_prefix_stats = {k: v for k, v in self.stats.counters.items() if k.startswith(old.prefix)}
        # stats of a cluster survive a modification in Envoy (same stat scope)
        for k, v in old_prefix_stats.items():
            self.stats.counters[k] = v
        new.start()
        try:
            await asyncio.wait_for(asyncio.shield(new.initialized), 15)
        except asyncio.TimeoutError:
            pass
        self.stats.gauge_add("cluster_manager.warming_clusters", -1)
        if self.clusters.get(new.name) is old and not new.stopped:
            old.stopped = True
            for h in old.hosts.values():
                if h.hc_task:
                    h.hc_task.cancel()
            if old.od_task:
                old.od_task.cancel()
            self.clusters[new.name] = new
            new.refresh_gauges()
            log("info", "upstream", "source/common/upstream/cluster_manager_impl.cc:1156",
                f"warming cluster {new.name} complete")

    def load_eds(self, cl, initial=False):
        path = cl.cfg["eds_path"]
        ino = self.inode(path)
        st = self.stats
        st.inc(cl.prefix + "update_attempt")
        if ino is None:
            if initial:
                log("warning", "config", "source/extensions/config_subscription/filesystem/filesystem_subscription_impl.cc:85",
                    f"Filesystem config update failure: unable to read file: {path}")
                cl.eds_inode = ("missing",)
            return
        cl.eds_inode = ino
        data = read_update(st, cl.prefix, path)
        if data is None:
            cl.check_init()
            return
        try:
            ver, hosts, warns = parse_eds(data, path, cl.cfg["service_name"],
                                         strict=bool(self.opts.get("reject_unknown_dynamic_fields")))
        except ConfigError as e:
            st.inc(cl.prefix + "update_rejected")
            log("warning", "config", "source/extensions/config_subscription/filesystem/filesystem_subscription_impl.cc:85",
                f"Filesystem config update rejected: {e}")
            cl.check_init()
            return
        for w in warns:
            st.inc("server.dynamic_unknown_fields")
            log("warning", "misc", "source/common/protobuf/message_validator_impl.cc:23", w)
        if hosts is None:
            st.inc(cl.prefix + "update_empty")
            log("debug", "upstream", "source/extensions/clusters/eds/eds.cc:292",
                f"Missing ClusterLoadAssignment for {cl.cfg['service_name']} in onConfigUpdate()")
            cl.check_init()
            return
        cl.eds_version = ver
        cl.set_hosts(hosts)
        accepted(st, cl.prefix, ver)
        if not initial:
            log("info", "upstream", "source/extensions/clusters/eds/eds.cc:240",
                f"eds: {cl.name}: updated endpoints ({len(cl.hosts)} host(s))")

    async def load_lds(self, initial=False):
        path = self.b["lds_path"]
        self.watch["lds"] = self.inode(path)
        st = self.stats
        st.inc("listener_manager.lds.update_attempt")
        data = read_update(st, "listener_manager.lds.", path)
        if data is None:
            return
        try:
            ver, ls, warns = parse_lds(data, path, strict=bool(self.opts.get("reject_unknown_dynamic_fields")))
        except ConfigError as e:
            st.inc("listener_manager.lds.update_rejected")
            log("warning", "config", "source/extensions/config_subscription/filesystem/filesystem_subscription_impl.cc:85",
                f"Filesystem config update rejected: {e}")
            return
        for w in warns:
            st.inc("server.dynamic_unknown_fields")
            log("warning", "misc", "source/common/protobuf/message_validator_impl.cc:23", w)
        new = {l["name"]: l for l in ls}
        errors = []
        for n in [n for n, l in self.listeners.items() if l.added_via_api and n not in new]:
            self.listeners.pop(n).stop()
            st.inc("listener_manager.listener_removed")
            log("info", "upstream", "source/common/listener_manager/lds_api.cc:63", f"lds: remove listener '{n}'")
        for n, l in new.items():
            old = self.listeners.get(n)
            if old is not None and old.cfg["raw"] == l["raw"]:
                continue
            if old is not None and not old.added_via_api:
                errors.append(f"{n}: cannot update static listener")
                continue
            try:
                await self.add_listener(l, True, ver, old)
                log("info", "upstream", "source/common/listener_manager/lds_api.cc:86",
                    f"lds: add/update listener '{n}'")
            except ConfigError as e:
                errors.append(f"{n}: {e}")
        if errors:
            st.inc("listener_manager.lds.update_rejected")
            log("warning", "config", "source/extensions/config_subscription/filesystem/filesystem_subscription_impl.cc:85",
                f"Filesystem config update rejected: Error adding/updating listener(s) {'; '.join(errors)}")
        else:
            accepted(st, "listener_manager.lds.", ver)
            self.lds_version = ver
            self.lds_updated = now_iso()
        self.update_server_gauges()

    async def add_listener(self, cfg, via_api, version, old=None):
        st = self.stats
        nl = Listener(self, cfg, via_api, version)
        same_addr = old is not None and (old.cfg["address"], old.cfg["port"]) == (cfg["address"], cfg["port"])
        if same_addr and old.srv is not None:
            # in-place update: keep the listening socket, new connections use the new config
            nl.srv, nl.bound, nl.holder = old.srv, old.bound, old.holder
            old.srv = None
            nl.holder[0] = nl
        else:
            for other in self.listeners.values():
                if other is not old and (other.cfg["address"], other.cfg["port"]) == (cfg["address"], cfg["port"]) \
                        and cfg["port"] != 0:
                    raise ConfigError(f"error adding listener '{cfg['address']}:{cfg['port']}': listener "
                                      f"'{cfg['name']}' has duplicate address '{cfg['address']}:{cfg['port']}' as "
                                      f"existing listener")
            if not self.listeners_stopped:
                if old is not None:
                    old.stop()
                try:
                    await nl.bind()
                except ConfigError:
                    st.inc("listener_manager.listener_create_failure")
                    raise
            elif old is not None:
                old.stop()
        p = f"listener.{cfg['stat_prefix']}."
        for c in ("downstream_cx_total", "downstream_cx_destroy", "no_filter_chain_match", "downstream_cx_overflow"):
            st.counter(p + c)
        st.gauge(p + "downstream_cx_active")
        if cfg["tcp"]:
            tp = f"tcp.{cfg['tcp']['stat_prefix']}."
            for c in ("downstream_cx_total", "downstream_cx_no_route", "downstream_cx_rx_bytes_total",
                      "downstream_cx_tx_bytes_total", "idle_timeout", "upstream_flush_total", "max_downstream_connection_duration"):
                st.counter(tp + c)
            for g in ("downstream_cx_rx_bytes_buffered", "downstream_cx_tx_bytes_buffered", "upstream_flush_active"):
                st.gauge(tp + g)
        self.listeners[cfg["name"]] = nl
        st.inc("listener_manager.listener_modified" if old is not None else "listener_manager.listener_added")
        st.inc("listener_manager.listener_create_success")
        if old is not None and same_addr:
            st.inc("listener_manager.listener_in_place_updated")

    async def watch_loop(self):
        """Polls inodes: a replaced file (atomic rename) is reloaded; in-place edits keep the inode."""
        try:
            while True:
                await asyncio.sleep(0.3)
                if self.b["cds_path"] and self.inode(self.b["cds_path"]) not in (None, self.watch.get("cds")):
                    log("info", "config", "source/extensions/config_subscription/filesystem/filesystem_subscription_impl.cc:60",
                        f"Filesystem config refresh for {self.b['cds_path']}")
                    self.load_cds()
                if self.b["lds_path"] and self.inode(self.b["lds_path"]) not in (None, self.watch.get("lds")):
                    log("info", "config", "source/extensions/config_subscription/filesystem/filesystem_subscription_impl.cc:60",
                        f"Filesystem config refresh for {self.b['lds_path']}")
                    await self.load_lds()
                for cl in list(self.clusters.values()):
                    p = cl.cfg["eds_path"]
                    if p and self.inode(p) not in (None, cl.eds_inode):
                        log("info", "config", "source/extensions/config_subscription/filesystem/filesystem_subscription_impl.cc:60",
                            f"Filesystem config refresh for {p}")
                        self.load_eds(cl)
                self.update_server_gauges()
        except asyncio.CancelledError:
            pass

