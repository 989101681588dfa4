"""An upstream host: its address, weight, counters and the health flags /clusters prints."""
F_FAILED_ACTIVE_HC = "failed_active_hc"
F_FAILED_OUTLIER = "failed_outlier_check"
F_FAILED_EDS = "failed_eds_health"
F_DEGRADED_EDS = "degraded_eds_health"
F_PENDING_REMOVAL = "pending_dynamic_removal"
F_PENDING_ACTIVE_HC = "pending_active_hc"
F_ACTIVE_HC_TIMEOUT = "active_hc_timeout"
F_EDS_DRAINING = "eds_status_draining"
FLAG_ORDER = [F_FAILED_ACTIVE_HC, F_FAILED_OUTLIER, F_FAILED_EDS, "degraded_active_hc", F_DEGRADED_EDS,
              F_PENDING_REMOVAL, F_PENDING_ACTIVE_HC, "excluded_via_immediate_hc_fail", F_ACTIVE_HC_TIMEOUT,
              F_EDS_DRAINING]
UNHEALTHY_FLAGS = {F_FAILED_ACTIVE_HC, F_FAILED_OUTLIER, F_FAILED_EDS, F_EDS_DRAINING}
EXCLUDED_FLAGS = {F_PENDING_ACTIVE_HC, "excluded_via_immediate_hc_fail"}


class Host:
    def __init__(self, d):
        self.address = d["address"]
        self.port = d["port"]
        self.key = f"{self.address}:{self.port}"
        self.flags = set()
        self.cx_total = 0
        self.cx_active = 0
        self.cx_connect_fail = 0
        self.num_healthy = 0
        self.num_unhealthy = 0
        self.first_check = True
        self.hc_task = None
        self.hc_conn = None  # (reader, writer) kept between checks (reuse_connection)
        self.od = {"local": 0, "5xx": 0, "gw": 0, "ejected_at": None, "num_ejections": 0}
        self.update(d)

    def update(self, d):
        self.weight = d["weight"]
        self.priority = d["priority"]
        self.hostname = d.get("hostname", "")
        self.tsm = d.get("tsm") or {}
        self.eds_health = d.get("health_status", "UNKNOWN")
        self.flags.discard(F_FAILED_EDS)
        self.flags.discard(F_DEGRADED_EDS)
        self.flags.discard(F_EDS_DRAINING)
        if self.eds_health in ("UNHEALTHY", "TIMEOUT"):
            self.flags.add(F_FAILED_EDS)
        elif self.eds_health == "DRAINING":
            self.flags.add(F_FAILED_EDS)
        elif self.eds_health == "DEGRADED":
            self.flags.add(F_DEGRADED_EDS)

    def healthy(self):
        return not (self.flags & UNHEALTHY_FLAGS)

    def excluded(self):
        return bool(self.flags & EXCLUDED_FLAGS)

    def flags_str(self):
        if not self.flags:
            return "healthy"
        return "".join("/" + f for f in FLAG_ORDER if f in self.flags)
