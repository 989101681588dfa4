// `install` is also npm's lifecycle name: `pnpm install` runs this script after linking the
// dependencies (npm_command=install, no arguments). That is not a request to install Envoy on
// any host, so it does nothing; `pnpm run install --hosts prod` (npm_command=run-script) does.
if (process.env.npm_command === 'install' && process.argv.length <= 2) process.exit(0);

const { op } = await import('../bin/load-cli.js');
await op('install');
