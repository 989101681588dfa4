"""Envoy's log lines (default format) on stderr or --log-path, at the level -l or POST /logging set."""
import datetime
import os
import sys

# ---------------------------------------------------------------------------------------------
# logging (Envoy default format: [%Y-%m-%d %T.%e][%t][%l][%n] [%g:%#] %v)
# ---------------------------------------------------------------------------------------------
LEVELS = {"trace": 0, "debug": 1, "info": 2, "warning": 3, "warn": 3, "error": 4, "critical": 5, "off": 6}
LEVEL_NAMES = {0: "trace", 1: "debug", 2: "info", 3: "warning", 4: "error", 5: "critical"}
_level = LEVELS["info"]
_file = None
PID = os.getpid()


def log(level, component, src, msg):
    lv = LEVELS[level]
    if lv < _level:
        return
    now = datetime.datetime.now()
    ts = now.strftime("%Y-%m-%d %H:%M:%S") + ".%03d" % (now.microsecond // 1000)
    line = f"[{ts}][{PID}][{LEVEL_NAMES[lv]}][{component}] [{src}] {msg}\n"
    out = _file or sys.stderr
    try:
        out.write(line)
        out.flush()
    except Exception:
        pass


def set_level(name):
    global _level
    _level = LEVELS[name]


def level_name():
    return LEVEL_NAMES.get(_level, "off")


def set_file(fh):
    global _file
    _file = fh
