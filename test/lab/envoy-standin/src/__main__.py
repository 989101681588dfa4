# The executable's entry point: `envoy ARGS...` runs the stand-in's command line.
import sys

from envoy_standin.cli import main

sys.exit(main(sys.argv[1:]))
