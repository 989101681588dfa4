import { describe, expect, it } from 'vitest';
import { mirrorFromDeb822, mirrorFromSourcesList } from './debian-mirror.ts';

describe('finding the Debian mirror in apt sources', () => {
  it('takes the deb822 stanza serving the suite itself, not -security', () => {
    const text = [
      'Types: deb',
      'URIs: http://security.example/debian-security',
      'Suites: bookworm-security',
      'Components: main',
      '',
      'Types: deb deb-src',
      'URIs: http://mirror.example/debian http://other.example/debian',
      'Suites: bookworm bookworm-updates',
      'Components: main',
    ].join('\n');
    expect(mirrorFromDeb822(text, 'bookworm')).toBe('http://mirror.example/debian');
  });

  it('skips disabled and deb-src-only stanzas', () => {
    const text =
      'Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n\nEnabled: no\nTypes: deb\nURIs: http://off.example/debian\nSuites: bookworm\n';
    expect(mirrorFromDeb822(text, 'bookworm')).toBeUndefined();
  });

  it('reads the one-line format, options and comments included', () => {
    const text =
      '# deb http://commented.example/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main\n';
    expect(mirrorFromSourcesList(text, 'bookworm')).toBe('http://mirror.example/debian');
    expect(
      mirrorFromSourcesList('deb http://mirror.example/debian bookworm-security main\n', 'bookworm'),
    ).toBeUndefined();
  });
});
