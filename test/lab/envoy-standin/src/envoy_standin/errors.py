"""The error a config (bootstrap or xDS file) is refused with; its text is what Envoy logs."""


class ConfigError(Exception):
    pass
