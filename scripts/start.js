import { op } from './op.js';

await op('start');
