"""Counters and gauges, named like Envoy's."""


# ---------------------------------------------------------------------------------------------
# stats
# ---------------------------------------------------------------------------------------------
class Stats:
    def __init__(self):
        self.counters = {}
        self.gauges = {}
        self.texts = {}  # text readouts (e.g. a subscription's version_text)
        self.used = set()

    def inc(self, name, n=1):
        self.counters[name] = self.counters.get(name, 0) + n
        self.used.add(name)

    def counter(self, name):
        self.counters.setdefault(name, 0)

    def set(self, name, v):
        self.gauges[name] = v
        self.used.add(name)

    def text(self, name, v):
        self.texts[name] = v
        self.used.add(name)

    def gauge_add(self, name, n):
        self.gauges[name] = self.gauges.get(name, 0) + n
        self.used.add(name)

    def gauge(self, name, v=0):
        self.gauges.setdefault(name, v)

    def drop_prefix(self, prefix):
        for d in (self.counters, self.gauges, self.texts):
            for k in [k for k in d if k.startswith(prefix)]:
                del d[k]
