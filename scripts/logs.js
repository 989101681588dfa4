import { op } from '../bin/load-cli.js';

await op('logs');
