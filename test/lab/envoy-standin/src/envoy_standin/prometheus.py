"""GET /stats/prometheus in Envoy's Prometheus text format."""
import re

# Envoy's default tag extractors (source/common/config/well_known_names.cc), the ones our stats
# meet, in Envoy's order: each removes its "<value>." from the name and becomes a label.
PROM_TAGS = [
    ("envoy_cluster_name", re.compile(r"^cluster\.(([^.]+)\.)")),
    ("envoy_http_conn_manager_prefix", re.compile(r"^http\.(([^.]+)\.)")),
    ("envoy_listener_address", re.compile(
        r"^listener\.(((?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[[a-fA-F_\d]+\])_\d+|(?!admin\.)[^.]+)\.)")),
    ("envoy_tcp_prefix", re.compile(r"^tcp\.(([^.]+)\.)")),
]


def prometheus_text(items, counters):
    """GET /stats/prometheus as Envoy renders it (source/server/admin/prometheus_stats.cc): tags
    extracted into labels, names sanitized to [a-zA-Z0-9_] with the envoy_ prefix, one `# TYPE`
    line per metric family, counters then gauges, families sorted by name. This build records no
    histograms, so it prints none (Envoy prints each as _bucket{le=...}, _sum and _count)."""
    fams = {}
    for n, v in items.items():
        name, labels = n, []
        for tag, rx in PROM_TAGS:
            m = rx.match(name)
            if m:
                labels.append((tag, m.group(2)))
                name = name[:m.start(1)] + name[m.end(1):]
        kind = "counter" if n in counters else "gauge"
        pn = "envoy_" + re.sub(r"[^a-zA-Z0-9_]", "_", name)
        fams.setdefault((kind, pn), []).append((labels, v))
    out = []
    for kind in ("counter", "gauge"):
        for (k, pn), samples in sorted(fams.items()):
            if k != kind:
                continue
            out.append(f"# TYPE {pn} {kind}\n")
            for labels, v in sorted(samples, key=lambda s: s[0]):
                esc = ",".join(f'{t}="' + x.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
                               for t, x in labels)
                out.append(f"{pn}{{{esc}}} {v}\n" if esc else f"{pn} {v}\n")
    return "".join(out)
