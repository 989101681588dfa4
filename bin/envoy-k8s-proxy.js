#!/usr/bin/env -S node --max-semi-space-size=1
// The flag (1 MiB young-generation semi-spaces) keeps a 96 MiB release's deploy under 150 MiB RSS;
// V8 takes it only on node's command line. The package scripts pass it too.
// envoy-k8s-proxy <command> --hosts <inventory> [...]
import { loadCli } from './load-cli.js';

const main = await loadCli();
process.exit(await main(process.argv.slice(2)));
