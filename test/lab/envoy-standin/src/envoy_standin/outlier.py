"""Consecutive-failure outlier detection of a cluster's hosts."""
import asyncio
import random
import time

from .host import F_FAILED_OUTLIER
from .log import log


class OutlierDetector:
    """Cluster mixin (cluster.py): ejects hosts after consecutive failures, brings them back later."""

    # -- outlier detection ------------------------------------------------------------------
    def outlier_result(self, h, ok, timeout=False):
        od = self.cfg["outlier"]
        if not od:
            return
        s = h.od
        if ok:
            s["local"] = s["5xx"] = s["gw"] = 0
            return
        if od["split"]:
            s["local"] += 1
            if s["local"] >= od["consecutive_local_origin_failure"]:
                s["local"] = 0
                self.maybe_eject(h, "consecutive_local_origin_failure", od["enforcing_consecutive_local_origin_failure"])
            return
        s["5xx"] += 1
        s["gw"] += 1
        if s["gw"] >= od["consecutive_gateway_failure"]:
            s["gw"] = 0
            if self.maybe_eject(h, "consecutive_gateway_failure", od["enforcing_consecutive_gateway_failure"]):
                s["5xx"] = 0
                return
        if s["5xx"] >= od["consecutive_5xx"]:
            s["5xx"] = 0
            self.maybe_eject(h, "consecutive_5xx", od["enforcing_consecutive_5xx"])

    def maybe_eject(self, h, kind, enforcing):
        od = self.cfg["outlier"]
        st = self.server.stats
        p = self.prefix + "outlier_detection."
        st.inc(p + "ejections_detected_" + kind)
        if F_FAILED_OUTLIER in h.flags or random.randrange(100) >= enforcing:
            return False
        active = sum(1 for x in self.hosts.values() if F_FAILED_OUTLIER in x.flags)
        pct = 100.0 * (active + 1) / max(1, len(self.hosts))
        if not (pct <= od["max_ejection_percent"] or (od["always_eject_one_host"] and active == 0)):
            st.inc(p + "ejections_overflow")
            return False
        h.flags.add(F_FAILED_OUTLIER)
        h.od["ejected_at"] = time.monotonic()
        h.od["num_ejections"] += 1
        st.inc(p + "ejections_enforced_total")
        st.inc(p + "ejections_total")
        st.inc(p + "ejections_enforced_" + kind)
        log("info", "upstream", "source/common/upstream/outlier_detection_impl.cc:614",
            f"outlier detection: ejecting host {h.key} from cluster {self.name} ({kind})")
        self.refresh_gauges()
        return True

    def uneject(self, h):
        h.flags.discard(F_FAILED_OUTLIER)
        h.od["ejected_at"] = None
        self.refresh_gauges()

    async def outlier_loop(self):
        od = self.cfg["outlier"]
        try:
            while True:
                await asyncio.sleep(od["interval"])
                now = time.monotonic()
                for h in list(self.hosts.values()):
                    at = h.od["ejected_at"]
                    if at is None:
                        if h.od["num_ejections"] > 0:
                            h.od["num_ejections"] -= 1
                        continue
                    t = min(od["base_ejection_time"] * h.od["num_ejections"],
                            max(od["max_ejection_time"], od["base_ejection_time"]))
                    if now - at >= t:
                        self.uneject(h)
        except asyncio.CancelledError:
            pass

