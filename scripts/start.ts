import { op } from './op.ts';

await op('start');
