// Release URLs, uname → arch, and checksums.txt parsing.
import { describe, expect, it } from 'vitest';
import {
  archOf,
  assetName,
  checkMirror,
  checksumsUrl,
  GITHUB_RELEASES,
  parseChecksums,
  releaseUrl,
} from '../../../src/release/url.ts';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('releaseUrl / checksumsUrl', () => {
  it('default to GitHub release downloads', () => {
    expect(releaseUrl('1.35.0', 'x86_64')).toBe(`${GITHUB_RELEASES}/v1.35.0/envoy-1.35.0-linux-x86_64`);
    expect(releaseUrl('1.35.0', 'aarch_64')).toBe(`${GITHUB_RELEASES}/v1.35.0/envoy-1.35.0-linux-aarch_64`);
    expect(checksumsUrl('1.35.0')).toBe(`${GITHUB_RELEASES}/v1.35.0/checksums.txt.asc`);
  });
  it('use a mirror laid out the same way, trailing slashes dropped', () => {
    expect(releaseUrl('1.35.0', 'x86_64', 'http://127.0.0.1:8080/envoy//')).toBe(
      'http://127.0.0.1:8080/envoy/v1.35.0/envoy-1.35.0-linux-x86_64',
    );
    expect(checksumsUrl('1.34.2', 'http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/v1.34.2/checksums.txt.asc');
  });
  it('assetName', () => expect(assetName('1.35.0', 'aarch_64')).toBe('envoy-1.35.0-linux-aarch_64'));
});

describe('checkMirror (the inventory rule, again where URLs are used)', () => {
  it('refuses plain http unless envoy.insecureMirror is true; https and no mirror pass', () => {
    expect(() => checkMirror({ mirror: 'HTTP://mirror.example', insecureMirror: false })).toThrow(
      'refusing the plain http mirror HTTP://mirror.example (set envoy.insecureMirror: true to allow it)',
    );
    expect(() => checkMirror({ mirror: 'http://10.0.0.1:8080', insecureMirror: true })).not.toThrow();
    expect(() => checkMirror({ mirror: 'https://mirror.example', insecureMirror: false })).not.toThrow();
    expect(() => checkMirror({ insecureMirror: false })).not.toThrow();
  });
});

describe('archOf', () => {
  it.each([
    ['x86_64', 'x86_64'],
    ['amd64', 'x86_64'],
    ['aarch64', 'aarch_64'],
    ['arm64', 'aarch_64'],
    ['armv7l', undefined],
    ['i686', undefined],
    ['', undefined],
  ])('%s -> %s', (m, arch) => expect(archOf(m)).toBe(arch));
});

describe('parseChecksums', () => {
  it('maps the last path segment to the sha256, ignoring armor and junk', () => {
    const text = [
      '-----BEGIN PGP SIGNED MESSAGE-----',
      'Hash: SHA512',
      '',
      `${A}  some/dir/envoy-1.35.0-linux-x86_64`,
      `${B} *envoy-1.35.0-linux-aarch_64\r`,
      `${'C'.repeat(64)}  upper-case-is-not-a-sha256`,
      `${'a'.repeat(63)}  too-short`,
      'not a line',
      '-----BEGIN PGP SIGNATURE-----',
    ].join('\n');
    const m = parseChecksums(text);
    expect([...m]).toEqual([
      ['envoy-1.35.0-linux-x86_64', A],
      ['envoy-1.35.0-linux-aarch_64', B],
    ]);
  });
  it('empty text, empty map', () => expect(parseChecksums('').size).toBe(0));
});
