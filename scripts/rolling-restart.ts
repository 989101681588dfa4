import { op } from './op.ts';

await op('rolling-restart');
