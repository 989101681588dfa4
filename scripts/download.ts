import { op } from './op.ts';

await op('download');
