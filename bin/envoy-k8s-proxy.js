#!/usr/bin/env node
// envoy-k8s-proxy <command> --hosts <inventory> [...]
import { loadCli } from './load-cli.js';

const main = await loadCli();
process.exit(await main(process.argv.slice(2)));
