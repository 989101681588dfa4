import { op } from './op.js';

await op('rolling-restart');
