"""HTTP/1.1 on an http_connection_manager listener: routes tried in order, a route to a cluster is
proxied to one of its hosts within the route timeout (15 s default), a direct_response answers by
itself, no match is a 404 with an empty body (Envoy's NR)."""
import asyncio
import time

from .fmt import http_date
from .health_filter import health_status, matches

HOP_HEADERS = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "upgrade", "host",
               "content-length"}
HTTP_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large",
                500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


def match_route(h, method, target, headers):
    host = headers.get("host", "").lower()
    vhs = [v for v in h["vhosts"] if host in v["domains"] or host.split(":")[0] in v["domains"]]
    vhs += [v for v in h["vhosts"] if "*" in v["domains"]]
    path = target.split("?", 1)[0]
    for vh in vhs[:1]:
        for r in vh["routes"]:
            ok = path == r["value"] if r["kind"] == "path" else path.startswith(r["value"])
            values = dict(headers, **{":method": method, ":path": target, ":authority": host})
            if ok and all(values.get(n) == v for n, v in r["headers"]):
                return r
    return None


async def read_http_head(reader):
    """(method, target, version, headers) of the next request, None at EOF; ValueError if malformed."""
    line = await reader.readline()
    if not line:
        return None
    parts = line.decode("latin-1").strip().split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise ValueError("bad request line")
    headers = {}
    while True:
        h = await reader.readline()
        if not h or h in (b"\r\n", b"\n"):
            break
        k, sep, v = h.decode("latin-1").partition(":")
        if not sep:
            raise ValueError("bad header")
        headers[k.strip().lower()] = v.strip()
    return parts[0], parts[1], parts[2], headers


async def read_http_body(reader, headers, limit=1 << 20):
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = b""
        while True:
            n = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
            if n == 0:
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                return body
            body += await reader.readexactly(n)
            await reader.readexactly(2)
            if len(body) > limit:
                raise ValueError("body too large")
    n = int(headers.get("content-length") or 0)
    if n > limit:
        raise ValueError("body too large")
    return await reader.readexactly(n) if n else b""


async def forward_http(server, route, method, target, headers, body):
    """The upstream's (status, headers, body), or Envoy's local reply when it cannot be had."""
    cl = server.clusters.get(route["cluster"])
    if cl is None:
        return 503, {}, b"cluster not found"
    host = cl.choose()
    if host is None:
        server.stats.inc(cl.prefix + "upstream_cx_none_healthy")
        return 503, {}, b"no healthy upstream"
    st = server.stats
    st.inc(cl.prefix + "upstream_rq_total")
    st.inc(cl.prefix + "upstream_cx_total")
    t0 = time.monotonic()
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(host.address, host.port), cl.cfg["connect_timeout"])
    except (OSError, asyncio.TimeoutError):
        st.inc(cl.prefix + "upstream_cx_connect_fail")
        return 503, {}, b"upstream connect error or disconnect/reset before headers. reset reason: connection failure"
    try:
        fwd = "".join(f"{k}: {v}\r\n" for k, v in headers.items() if k not in HOP_HEADERS)
        w.write((f"{method} {target} HTTP/1.1\r\nhost: {headers.get('host', '')}\r\n{fwd}"
                 f"x-forwarded-proto: http\r\nx-envoy-expected-rq-timeout-ms: {int(route['timeout'] * 1000)}\r\n"
                 f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode("latin-1") + body)
        await w.drain()

        async def response():
            line = (await r.readline()).decode("latin-1").split()
            hs = {}
            while True:
                h = await r.readline()
                if not h or h in (b"\r\n", b"\n"):
                    break
                k, _, v = h.decode("latin-1").partition(":")
                hs[k.strip().lower()] = v.strip()
            n = hs.get("content-length")
            return int(line[1]), hs, (await r.readexactly(int(n)) if n is not None else await r.read())
        code, hs, data = await asyncio.wait_for(response(), route["timeout"] or None)
    except asyncio.TimeoutError:
        return 504, {}, b"upstream request timeout"
    except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
        return 503, {}, b"upstream connect error or disconnect/reset before headers. reset reason: connection termination"
    finally:
        w.close()
    keep = {k: v for k, v in hs.items() if k not in HOP_HEADERS and k not in ("server", "date")}
    keep["x-envoy-upstream-service-time"] = str(int((time.monotonic() - t0) * 1000))
    return code, keep, data


async def serve_http(server, h, reader, writer):
    """One downstream HTTP/1.1 connection of an http_connection_manager listener."""
    st = server.stats
    hp = f"http.{h['stat_prefix']}."
    st.inc(hp + "downstream_cx_total")
    while True:
        try:
            head = await asyncio.wait_for(read_http_head(reader), h["headers_timeout"] or h["idle_timeout"] or None)
            if head is None:
                return
            method, target, version, headers = head
            body = await asyncio.wait_for(read_http_body(reader, headers), h["idle_timeout"] or None)
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            return
        except ValueError:
            writer.write(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            await writer.drain()
            return
        st.inc(hp + "downstream_rq_total")
        hc = h.get("health_check")
        route = match_route(h, method, target, headers)
        extra = {}
        if hc is not None and matches(hc, method, target, headers):
            code, _ = health_status(server, hc)
            data = b""
            extra["x-envoy-upstream-healthchecked-cluster"] = server.b["node"].get("cluster", "")
        elif route is None:
            st.inc(hp + "no_route")
            code, data = 404, b""
        elif "cluster" in route:
            code, extra, data = await forward_http(server, route, method, target, headers, body)
        else:
            code, data = route["status"], route["body"]
        if hc is not None and server.hc_failed and "x-envoy-upstream-healthchecked-cluster" not in extra:
            extra["x-envoy-immediate-health-check-fail"] = "true"
        if "content-type" not in extra and data:
            extra["content-type"] = "text/plain"
        keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        lines = [f"HTTP/1.1 {code} {HTTP_REASONS.get(code, 'Unknown')}"]
        lines += [f"{k}: {v}" for k, v in extra.items()]
        lines += [f"content-length: {len(data)}", f"date: {http_date()}", "server: envoy"]
        if not keep:
            lines.append("connection: close")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if method == "HEAD" else data))
        await writer.drain()
        if not keep:
            return
