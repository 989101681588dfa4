import { op } from './op.ts';

await op('status');
