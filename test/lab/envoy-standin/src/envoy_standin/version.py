"""The version a stand-in build answers with: VERSION comes from the generated _build module
(test/lab/envoy-standin/build.py writes it, one per published release version)."""
from ._build import VERSION

REVISION = "84305a6cb64bd55aaf606bdd53de7cd6080427a1"
HOT_RESTART_VERSION = "11.104"


def build_version():
    return f"{REVISION}/{VERSION}/Clean/RELEASE/BoringSSL"

