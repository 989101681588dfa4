// The Debian mirror debootstrap uses, read from this machine's apt configuration at run time (so
// no mirror host name is ever written into the repository). LAB_DEBIAN_MIRROR overrides it.
import { readFileSync } from 'node:fs';
import { LabError } from './errors.ts';

export const DEB822_SOURCES = '/etc/apt/sources.list.d/debian.sources';
export const ONE_LINE_SOURCES = '/etc/apt/sources.list';

/** deb822 stanzas: the first `deb` URI serving `suite` itself (not suite-security/-updates). */
export function mirrorFromDeb822(text: string, suite: string): string | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m && !line.startsWith('#')) fields.set(m[1]!.toLowerCase(), m[2]!.trim());
    }
    const types = (fields.get('types') ?? '').split(/\s+/);
    const suites = (fields.get('suites') ?? '').split(/\s+/);
    const uri = (fields.get('uris') ?? '').split(/\s+/)[0];
    if (fields.get('enabled') === 'no') continue;
    if (types.includes('deb') && suites.includes(suite) && uri) return uri;
  }
  return undefined;
}

/** One-line format: `deb [options] URI suite components...`. */
export function mirrorFromSourcesList(text: string, suite: string): string | undefined {
  for (const raw of text.split('\n')) {
    const line = raw
      .replace(/#.*/, '')
      .replace(/\[[^\]]*\]/, ' ')
      .trim();
    const [type, uri, dist] = line.split(/\s+/);
    if (type === 'deb' && uri && dist === suite) return uri;
  }
  return undefined;
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function findDebianMirror(suite: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.LAB_DEBIAN_MIRROR) return env.LAB_DEBIAN_MIRROR;
  const found =
    mirrorFromDeb822(readOrEmpty(DEB822_SOURCES), suite) ?? mirrorFromSourcesList(readOrEmpty(ONE_LINE_SOURCES), suite);
  if (!found) {
    throw new LabError(
      `no Debian mirror for ${suite} found in ${DEB822_SOURCES} (URIs:) or ${ONE_LINE_SOURCES}; set LAB_DEBIAN_MIRROR=<url>`,
    );
  }
  return found;
}
