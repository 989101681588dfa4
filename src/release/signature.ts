// checksums.txt.asc is one OpenPGP clearsigned file. With the release signing key (armored, given
// by the operator) gpgv checks it and hands back only the signed text; without a key we can only
// take the text between the armor lines, and the caller says so.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolError } from '../errors.ts';

export interface Verified {
  /** The signed text only (what sits outside the signature is never trusted). */
  text: string;
  /** Fingerprint of the key that made the signature (VALIDSIG). */
  fingerprint: string;
  /** gpgv, or gpg when gpgv is not installed. */
  tool: 'gpgv' | 'gpg';
}

/** The cleartext of a clearsigned message, dash-escaping undone; the whole text if not clearsigned. */
export function clearsignedText(armored: string): string {
  const lines = armored.replace(/\r\n/g, '\n').split('\n');
  const begin = lines.findIndex((l) => l.trim() === '-----BEGIN PGP SIGNED MESSAGE-----');
  if (begin < 0) return armored;
  let i = begin + 1;
  while (i < lines.length && lines[i]!.trim() !== '') i++; // Hash: headers
  const end = lines.findIndex((l, j) => j > i && l.trim() === '-----BEGIN PGP SIGNATURE-----');
  return lines
    .slice(i + 1, end < 0 ? lines.length : end)
    .map((l) => (l.startsWith('- ') ? l.slice(2) : l))
    .join('\n');
}

/** Binary OpenPGP packets from an ASCII-armored key block (gpgv's --keyring wants binary). */
export function dearmor(armored: string): Buffer {
  const lines = armored
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((l) => l.trim());
  const begin = lines.findIndex((l) => /^-----BEGIN PGP PUBLIC KEY BLOCK-----$/.test(l));
  const end = lines.findIndex((l, j) => j > begin && /^-----END PGP PUBLIC KEY BLOCK-----$/.test(l));
  if (begin < 0 || end < 0)
    throw new ToolError(
      'usage',
      'the signing key is not an ASCII-armored OpenPGP public key block (-----BEGIN PGP PUBLIC KEY BLOCK-----)',
    );
  let i = begin + 1;
  while (i < end && lines[i] !== '') i++; // armor headers (Comment:, Version:) up to the blank line
  const body = lines.slice(i + 1, end).filter((l) => l !== '' && !l.startsWith('='));
  const bytes = Buffer.from(body.join(''), 'base64');
  if (bytes.length === 0) throw new ToolError('usage', 'the signing key block is empty');
  return bytes;
}

/**
 * Verify a clearsigned message against exactly one armored public key. Throws unless the
 * signature is good and made by that key.
 */
export async function verifyClearsigned(
  signed: string,
  armoredKey: string,
  what = 'checksums.txt.asc',
): Promise<Verified> {
  const dir = await mkdtemp(join(tmpdir(), 'ekp-verify-'));
  try {
    await writeFile(join(dir, 'msg.asc'), signed);
    const out = join(dir, 'signed.txt');
    let tool: Verified['tool'] = 'gpgv';
    let r = await run(
      'gpgv',
      ['--status-fd', '1', '--keyring', await keyring(dir, armoredKey), '--output', out, join(dir, 'msg.asc')],
      {},
    );
    if (r.missing) {
      tool = 'gpg';
      const home = join(dir, 'gnupg');
      const env = { GNUPGHOME: home };
      await mkdir(home, { mode: 0o700 });
      await writeFile(join(dir, 'key.asc'), armoredKey);
      const imp = await run('gpg', ['--batch', '--quiet', '--import', join(dir, 'key.asc')], env);
      if (imp.missing)
        throw new ToolError(
          'usage',
          'verifying the checksums signature needs gpgv or gpg: install them (apt-get install gpgv gpg), or leave out --signing-key',
        );
      if (imp.code !== 0) throw new ToolError('usage', `unable to read the signing key: ${lastLines(imp.stderr)}`);
      r = await run(
        'gpg',
        ['--batch', '--status-fd', '1', '--trust-model', 'always', '--output', out, '--verify', join(dir, 'msg.asc')],
        env,
      );
      await run('gpgconf', ['--kill', 'all'], env);
    }
    const status = r.stdout.split('\n');
    const valid = status.find((l) => l.startsWith('[GNUPG:] VALIDSIG '));
    const bad = status.some((l) => /^\[GNUPG:\] (BADSIG|ERRSIG|EXPKEYSIG|REVKEYSIG|NO_PUBKEY) /.test(l));
    if (r.code !== 0 || !valid || bad) {
      throw new ToolError(
        'module',
        `the signature of ${what} is not valid for the given signing key; refusing to use its checksums (${tool}: ${lastLines(r.stderr) || `exit code ${r.code}`})`,
      );
    }
    return { text: await readFile(out, 'utf8'), fingerprint: valid.split(' ')[2] ?? '', tool };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function keyring(dir: string, armoredKey: string): Promise<string> {
  const file = join(dir, 'key.gpg');
  await writeFile(file, dearmor(armoredKey));
  return file;
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  missing: boolean;
}

function run(cmd: string, args: string[], env: Record<string, string>): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env, LC_ALL: 'C' }, timeout: 60_000 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      resolve({
        code: e ? (typeof e.code === 'number' ? e.code : -1) : 0,
        stdout,
        stderr,
        missing: e?.code === 'ENOENT',
      });
    });
  });
}

function lastLines(s: string): string {
  return s.trim().split('\n').slice(-3).join('; ');
}
