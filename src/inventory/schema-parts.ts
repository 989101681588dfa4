// The building blocks of the inventory schema (schema.ts): zod types that carry the "expected ..."
// phrase of every value they accept, for strings, numbers, durations, addresses and paths.
import { z } from 'zod';
import {
  DURATION,
  SAFE_PATH,
  UNIX_NAME,
  isHostAddress,
  isIpAddress,
  isLocalPath,
  isSafeAbsolutePath,
  parseDuration,
} from './formats.ts';

export const msg = (error: string) => ({ error });

export const str = (expected: string) => z.string(msg(expected));
export const pattern = (re: RegExp, expected: string) => str(expected).regex(re, msg(expected));
export const checked = (test: (v: string) => boolean, expected: string, re?: RegExp) =>
  (re ? pattern(re, expected) : str(expected)).refine(test, msg(expected));
export const int = (min: number, max: number, expected: string) =>
  z.int(msg(expected)).min(min, msg(expected)).max(max, msg(expected));

export const PORT = 'expected a port number (an integer from 1 to 65535)';
export const port = () => int(1, 65535, PORT);
export const positive = (what = 'a positive integer') => int(1, Number.MAX_SAFE_INTEGER, `expected ${what}`);

export const DURATION_HINT = 'expected a duration such as 250ms, 5s, 1m30s or 2h';
// YAML reads `interval: 5` as a number: seconds or milliseconds? Refuse to guess.
export const duration = () =>
  z.string(msg(`${DURATION_HINT} (a bare number is ambiguous)`)).regex(DURATION, msg(DURATION_HINT));
export const above0 = (v: string) => (parseDuration(v) ?? 0) > 0;
export const positiveDuration = () =>
  duration().refine(above0, msg(DURATION_HINT.replace('a duration', 'a duration above zero')));
export const wholeSeconds = () =>
  duration().refine(
    (v) => above0(v) && parseDuration(v)! % 1000 === 0,
    msg('expected a whole number of seconds above zero, such as 30s or 1m'),
  );

export const ipAddress = () => checked(isIpAddress, 'expected an IP address (e.g. 0.0.0.0, 10.0.0.11 or ::)');
export const hostAddress = () =>
  checked(isHostAddress, 'expected an IP address or a DNS name (letters, digits, "-" and ".")');
export const remotePath = () =>
  checked(
    isSafeAbsolutePath,
    'expected an absolute path without ".." segments, spaces or shell metacharacters',
    SAFE_PATH,
  );
export const localPath = () =>
  checked(isLocalPath, 'expected a path without spaces, quotes or shell metacharacters (~ only as ~/...)', SAFE_PATH);
export const unixName = (what: string) =>
  pattern(UNIX_NAME, `expected a ${what} name (lowercase letters, digits, "_" and "-", at most 32 characters)`);
