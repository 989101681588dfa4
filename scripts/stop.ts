import { op } from './op.ts';

await op('stop');
