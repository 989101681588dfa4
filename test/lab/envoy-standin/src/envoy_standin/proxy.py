"""Listeners and the tcp_proxy filter: accept, pick a host, connect with retries, pump bytes,
log the connection."""
import asyncio
import json
import os
import ssl
import time

from .access_log import render_json, render_text
from .fmt import fmt_addr, now_iso
from .errors import ConfigError
from .http_proxy import serve_http
from .log import log
from .tls import insecure_tls_context


class Listener:
    def __init__(self, server, cfg, added_via_api, version=""):
        self.server = server
        self.cfg = cfg
        self.name = cfg["name"]
        self.added_via_api = added_via_api
        self.version = version
        self.srv = None
        self.stopped = False
        self.last_updated = now_iso()
        self.bound = None
        self.holder = None

    async def bind(self):
        if not self.cfg["bind_to_port"]:
            return
        # asyncio.Server keeps the callback it was created with; a listener updated in place must
        # send new connections to the new config, hence the mutable holder.
        holder = [self]

        async def on_connection(r, w):
            await holder[0].server.proxy(holder[0], r, w)
        hr = self.server.hot_restart
        try:
            # hot restart: the parent's listening socket, accept queue and options included
            inherited = hr.parent_listen_socket(self.cfg["address"], self.cfg["port"]) if hr else None
            if inherited is not None:
                self.srv = await asyncio.start_server(on_connection, sock=inherited, backlog=1024)
            else:
                self.srv = await asyncio.start_server(on_connection, self.cfg["address"], self.cfg["port"],
                                                      reuse_address=True, backlog=1024)
        except OSError as e:
            raise ConfigError(f"cannot bind '{self.cfg['address']}:{self.cfg['port']}': {e.strerror}")
        self.holder = holder
        self.bound = self.srv.sockets[0].getsockname()[:2]
        # Linux copies SO_KEEPALIVE and TCP_KEEP* from the listening socket to accepted ones.
        for level, name, value in self.cfg["socket_options"]:
            for s in self.srv.sockets:
                try:
                    s.setsockopt(level, name, value)
                except OSError as e:
                    raise ConfigError(f"{self.name}: Setting socket options failed ({level}, {name}): {e.strerror}")

    def stop(self):
        self.stopped = True
        if self.srv:
            self.srv.close()
            self.srv = None

class TcpProxy:
    """Server mixin: one downstream connection through tcp_proxy to an upstream host."""

    # -- proxying ---------------------------------------------------------------------------
    async def proxy(self, listener, reader, writer):
        cfg = listener.cfg
        st = self.stats
        lp = f"listener.{cfg['stat_prefix']}."
        st.inc(lp + "downstream_cx_total")
        st.gauge_add(lp + "downstream_cx_active", 1)
        self.conn_id += 1
        peer = writer.get_extra_info("peername")
        local = writer.get_extra_info("sockname")
        ctx = {"start": time.time(), "downstream_remote": fmt_addr(peer), "downstream_local": fmt_addr(local),
               "flags": set(), "rx": 0, "tx": 0, "connection_id": self.conn_id}
        t0 = time.monotonic()
        tcp = cfg["tcp"]
        host = None
        cl = None
        uw = None
        try:
            if tcp is None and cfg.get("http"):
                await serve_http(self, cfg["http"], reader, writer)
                return
            if tcp is None:
                st.inc(lp + "no_filter_chain_match")
                ctx["flags"].add("NR")
                return
            tp = f"tcp.{tcp['stat_prefix']}."
            st.inc(tp + "downstream_cx_total")
            cl = self.clusters.get(tcp["cluster"])
            ctx["cluster"] = tcp["cluster"]
            if cl is None:
                st.inc(tp + "downstream_cx_no_route")
                ctx["flags"].add("NC")
                log("debug", "filter", "source/common/tcp_proxy/tcp_proxy.cc:504",
                    f"[C{self.conn_id}] Cluster not found {tcp['cluster']} and no on demand cluster set.")
                return
            attempts = 0
            ur = None
            while attempts < tcp["max_connect_attempts"]:
                host = cl.choose()
                if host is None:
                    st.inc(cl.prefix + "upstream_cx_none_healthy")
                    ctx["flags"].add("UH")
                    break
                attempts += 1
                ctx["upstream_host"] = host.key
                st.inc(cl.prefix + "upstream_cx_total")
                host.cx_total += 1
                ts = cl.data_transport(host)
                sslctx = insecure_tls_context() if ts and ts.get("tls") else None
                try:
                    ur, uw = await asyncio.wait_for(
                        asyncio.open_connection(host.address, host.port, ssl=sslctx,
                                                server_hostname=(ts.get("sni") if sslctx else None)),
                        cl.cfg["connect_timeout"])
                    cl.outlier_result(host, True)
                    break
                except asyncio.TimeoutError:
                    st.inc(cl.prefix + "upstream_cx_connect_timeout")
                    st.inc(cl.prefix + "upstream_cx_connect_fail")
                    host.cx_connect_fail += 1
                    ctx["flags"].add("UF")
                    cl.outlier_result(host, False, timeout=True)
                except (OSError, ssl.SSLError) as e:
                    st.inc(cl.prefix + "upstream_cx_connect_fail")
                    host.cx_connect_fail += 1
                    ctx["flags"].add("UF")
                    err = getattr(e, "errno", None)
                    ctx["transport_failure"] = f"delayed connect error: {os.strerror(err) if err else e}"
                    cl.outlier_result(host, False)
                ur = uw = None
            if uw is None:
                if "UF" in ctx["flags"]:
                    st.inc(cl.prefix + "upstream_cx_connect_attempts_exceeded")
                    ctx["flags"].add("URX")
                return
            ctx["upstream_local"] = fmt_addr(uw.get_extra_info("sockname"))
            ctx["flags"].discard("UF")
            ctx.pop("transport_failure", None)
            if tcp["log_on_connected"]:
                at_connect = dict(ctx, access_log_type="TcpUpstreamConnected",
                                  duration=int((time.monotonic() - t0) * 1000), flags=set(ctx["flags"]))
                for al in tcp["access_logs"]:
                    self.write_access_log(al, at_connect)
            st.gauge_add(cl.prefix + "upstream_cx_active", 1)
            host.cx_active += 1
            try:
                await self.pump(reader, writer, ur, uw, tcp, cl, ctx)
            finally:
                st.gauge_add(cl.prefix + "upstream_cx_active", -1)
                host.cx_active -= 1
                st.inc(cl.prefix + "upstream_cx_destroy")
        except asyncio.CancelledError:
            pass
        finally:
            for w in (uw, writer):
                if w is not None:
                    try:
                        w.close()
                    except Exception:
                        pass
            st.gauge_add(lp + "downstream_cx_active", -1)
            st.inc(lp + "downstream_cx_destroy")
            ctx["duration"] = int((time.monotonic() - t0) * 1000)
            ctx["access_log_type"] = "TcpConnectionEnd"
            if tcp:
                for al in tcp["access_logs"]:
                    self.write_access_log(al, ctx)

    async def pump(self, dr, dw, ur, uw, tcp, cl, ctx):
        st = self.stats
        tp = f"tcp.{tcp['stat_prefix']}."
        idle = tcp["idle_timeout"] or None
        last = [time.monotonic()]

        async def copy(src, dst, key, counters):
            try:
                while True:
                    timeout = None
                    if idle:
                        timeout = max(0.05, idle - (time.monotonic() - last[0]))
                    try:
                        data = await asyncio.wait_for(src.read(65536), timeout)
                    except asyncio.TimeoutError:
                        if idle and time.monotonic() - last[0] >= idle:
                            st.inc(tp + "idle_timeout")
                            st.inc(cl.prefix + "upstream_cx_idle_timeout")
                            ctx["termination_details"] = "tcp_proxy idle timeout"
                            raise ConnectionResetError("idle")
                        continue
                    if not data:
                        try:
                            if dst.can_write_eof():
                                dst.write_eof()
                        except (OSError, RuntimeError):
                            pass
                        return
                    last[0] = time.monotonic()
                    ctx[key] += len(data)
                    for c in counters:
                        st.inc(c, len(data))
                    dst.write(data)
                    await dst.drain()
            except (OSError, ConnectionError, ssl.SSLError):
                raise ConnectionResetError()

        t1 = asyncio.ensure_future(copy(dr, uw, "rx", [tp + "downstream_cx_rx_bytes_total", cl.prefix + "upstream_cx_tx_bytes_total"]))
        t2 = asyncio.ensure_future(copy(ur, dw, "tx", [tp + "downstream_cx_tx_bytes_total", cl.prefix + "upstream_cx_rx_bytes_total"]))
        pending = {t1, t2}
        try:
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                if any(t.exception() is not None for t in done if not t.cancelled()):
                    break
        finally:
            for t in (t1, t2):
                if not t.done():
                    t.cancel()
            for t in (t1, t2):
                try:
                    await t
                except (asyncio.CancelledError, Exception):
                    pass

    def write_access_log(self, al, ctx):
        kind, fmt = al["format"]
        try:
            if kind == "text":
                line = render_text(fmt, ctx)
            else:
                line = json.dumps(render_json(fmt, ctx, typed=(kind == "json")), separators=(",", ":")) + "\n"
        except Exception as e:  # never let logging kill a connection
            line = f"access log format error: {e}\n"
        self.access.write(al["path"], line)

