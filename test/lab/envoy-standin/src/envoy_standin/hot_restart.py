"""Hot restart between two epochs of the stand-in, as Envoy does it (docs: intro/arch_overview/
operations/hot_restart; source: source/server/hot_restarting_base.cc, hot_restarting_parent.cc,
hot_restarting_child.cc).

What matches Envoy:
- Unless --disable-hot-restart, every serving process binds a datagram unix socket in the abstract
  namespace, `{--socket-path}_parent_{id}` (default socket path @envoy_domain_socket), where
  id = base_id * 10 + restart_epoch % 3 (HotRestartImpl scales --base-id by 10; at most 3 processes
  at once). Another process on the same base id and epoch fails to start: "unable to bind domain
  socket with base_id=…, id=…, errno=98 (see --base-id option)".
- An epoch N > 0 binds `…_child_{id}` and talks to epoch N - 1's parent socket, in Envoy's order:
  1. it shuts the parent's admin listener down, so it can bind the admin address itself
     (HotRestartingChild::sendParentAdminShutdownRequest);
  2. for each listener it would bind, it asks the parent for the listening socket it has on that
     address and gets a duplicate of it over SCM_RIGHTS (duplicateParentListenSocket): the socket,
     its accept queue and its options carry over, so no connection is refused in between;
  3. once its workers run, it has the parent drain its listeners (drainParentListeners): the parent
     stops accepting, and only the child's copy of each socket is left accepting;
  4. --parent-shutdown-time-s after its start it has the parent terminate (terminateParent): the
     parent exits with 0, closing its remaining connections (a FIN each, as at any exit).
- A parent that is not there: sendmsg() gets ECONNREFUSED, retried 10 times a second apart, then
  the child gives up (hot_restarting_base.cc, SENDMSG_MAX_RETRIES).

What differs: the messages are JSON, not Envoy's protobuf HotRestartMessage, and stats are not
shared through shared memory. Nothing of the tool reads either.
"""
import array
import asyncio
import json
import os
import socket
import time

from .log import log

SRC = "source/server/hot_restarting_base.cc"
MAX_CONCURRENT_PROCESSES = 3
SENDMSG_MAX_RETRIES = 10


class HotRestartError(Exception):
    pass


def socket_name(opts, role, epoch):
    base = int(opts.get("base_id") or 0) * 10
    path = opts.get("socket_path") or "@envoy_domain_socket"
    name = f"{path}_{role}_{base + epoch % MAX_CONCURRENT_PROCESSES}"
    return "\0" + name[1:] if name.startswith("@") else name


def _bind(opts, role, epoch):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.bind(socket_name(opts, role, epoch))
    except OSError as e:
        s.close()
        base = int(opts.get("base_id") or 0) * 10
        raise HotRestartError(f"unable to bind domain socket with base_id={base}, "
                              f"id={epoch % MAX_CONCURRENT_PROCESSES}, errno={e.errno} (see --base-id option)")
    return s


class HotRestart:
    """One process's side of hot restart: the parent socket it serves, and, from epoch 1 on, the
    child socket it asks its parent through."""

    def __init__(self, server, opts):
        self.server = server
        self.opts = opts
        self.epoch = int(opts.get("restart_epoch") or 0)
        self.parent_sock = _bind(opts, "parent", self.epoch)
        self.child_sock = _bind(opts, "child", self.epoch) if self.epoch > 0 else None
        self.parent_addr = socket_name(opts, "parent", self.epoch - 1) if self.epoch > 0 else None
        self.parent_gone = False

    # -- as a parent ------------------------------------------------------------------------
    def serve(self, loop):
        self.parent_sock.setblocking(False)
        loop.add_reader(self.parent_sock.fileno(), self._on_request)

    def _on_request(self):
        try:
            data, addr = self.parent_sock.recvfrom(65536)
        except (BlockingIOError, InterruptedError):
            return
        req = json.loads(data)
        kind = req.get("type")
        srv = self.server
        if kind == "shutdown_admin":
            log("info", "main", "source/server/hot_restarting_parent.cc:107", "shutting down admin for the child")
            if srv.admin_srv:
                srv.admin_srv.close()
                srv.admin_srv = None
            self._reply(addr, {"original_start_time": srv.original_start_time})
        elif kind == "pass_listen_socket":
            fd = srv.listen_fd(req["address"], req["port"])
            self._reply(addr, {"fd": fd if fd is not None else -1}, fd)
        elif kind == "drain_listeners":
            log("info", "main", "source/server/hot_restarting_parent.cc:150", "drain listeners for the child")
            srv.stop_listeners()
            srv.draining = True
            self._reply(addr, {})
        elif kind == "terminate":
            log("warning", "main", "source/server/hot_restarting_parent.cc:59", "shutting down due to child request")
            self._reply(addr, {})
            srv.stop_event.set()

    def _reply(self, addr, body, fd=None):
        data = json.dumps(body).encode()
        if fd is not None:
            # socket.send_fds() drops the address before Python 3.12: sendmsg() with SCM_RIGHTS
            self.parent_sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))], 0, addr)
        else:
            self.parent_sock.sendto(data, addr)

    # -- as a child -------------------------------------------------------------------------
    def _ask(self, body):
        """One request to the parent and its reply (with a descriptor, for listen sockets)."""
        data = json.dumps(body).encode()
        for i in range(SENDMSG_MAX_RETRIES):
            try:
                self.child_sock.sendto(data, self.parent_addr)
                break
            except ConnectionRefusedError:
                log("error", "main", f"{SRC}:120", "hot restart sendmsg() connection refused, retrying")
                time.sleep(1)
        else:
            raise HotRestartError("hot restart sendmsg() failed: returned -1, errno 111")
        self.child_sock.settimeout(10)
        msg, fds, _, _ = socket.recv_fds(self.child_sock, 65536, 1)
        return json.loads(msg), (fds[0] if fds else None)

    def shutdown_parent_admin(self):
        reply, _ = self._ask({"type": "shutdown_admin"})
        return reply.get("original_start_time")

    def parent_listen_socket(self, address, port):
        """A duplicate of the parent's listening socket on address:port, or None."""
        if self.epoch == 0 or self.parent_gone:
            return None
        _, fd = self._ask({"type": "pass_listen_socket", "address": address, "port": port})
        return socket.socket(fileno=fd) if fd is not None else None

    def drain_parent_listeners(self):
        if self.epoch > 0:
            self._ask({"type": "drain_listeners"})

    async def terminate_parent_later(self):
        await asyncio.sleep(int(self.opts["parent_shutdown_time_s"]))
        log("info", "main", "source/server/server.cc:880", "shutting down parent after drain")
        try:
            self._ask({"type": "terminate"})
        except (OSError, HotRestartError):
            pass  # gone already
        self.parent_gone = True

    def close(self):
        for s in (self.parent_sock, self.child_sock):
            if s is not None:
                s.close()
