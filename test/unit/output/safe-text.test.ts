// safeText: hostile strings a host could send (journal lines, stderr, admin bodies) lose every
// terminal control sequence; ordinary text, tabs and newlines pass unchanged. safeJson: same value.
import { describe, expect, it } from 'vitest';
import { safeJson, safeText } from '../../../src/output/safe-text.ts';

const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

describe('safeText', () => {
  it.each([
    ['OSC 52 clipboard write (BEL)', 'a\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07b', 'ab'],
    ['OSC 52 clipboard write (ST)', 'a\x1b]52;c;Y3VybA==\x1b\\b', 'ab'],
    ['window title set', '\x1b]0;you have been pwned\x07ok', 'ok'],
    ['8-bit OSC ended by 8-bit ST', 'x\x9d2;title\x9cy', 'xy'],
    ['cursor up + erase line', 'new\x1b[2A\x1b[2Kline', 'newline'],
    ['colour and reset', '\x1b[1;31mred\x1b[0m', 'red'],
    ['private mode (hide cursor)', '\x1b[?25lhidden', 'hidden'],
    ['8-bit C1 CSI', 'a\x9b31mb\x9b2J', 'ab'],
    ['\\r overwrite of an earlier part', 'status: FAILED\rstatus: ok    ', 'status: FAILEDstatus: ok    '],
    ['bell and backspace', 'ding\x07\x08\x08x', 'dingx'],
    ['terminal reset and charset switch', '\x1bc\x1b(0q\x1b(B', 'q'],
    ['DCS string', 'a\x1bP1$r0m\x1b\\b', 'ab'],
    ['lone ESC at the end', 'end\x1b', 'end'],
    ['unterminated OSC: the introducer goes, the rest is plain text', 'a\x1b]0;title', 'a0;title'],
    ['NUL, DEL, other C1', 'a\x00b\x7fc\x85d', 'abcd'],
  ])('%s', (_name, input, want) => {
    const out = safeText(input);
    expect(out).toBe(want);
    expect(out).not.toMatch(CONTROLS);
  });

  it('keeps newlines, tabs and non-ASCII text as they are', () => {
    const s = 'línea 1\tα→β\n中文 ✓ 🚀\n';
    expect(safeText(s)).toBe(s);
  });

  it('leaves no control character in any input (random strings)', () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = [
      '\x1b',
      '[',
      ']',
      '\x07',
      '\x9b',
      '\x9c',
      '\\',
      ';',
      '0',
      'm',
      'P',
      '\r',
      '\n',
      '\t',
      'a',
      'é',
      '\x90',
      '\x00',
    ];
    for (let i = 0; i < 2000; i++) {
      const s = Array.from(
        { length: 1 + Math.floor(rnd() * 30) },
        () => alphabet[Math.floor(rnd() * alphabet.length)],
      ).join('');
      expect(safeText(s)).not.toMatch(CONTROLS);
    }
  });
});

describe('safeJson', () => {
  it('escapes DEL and C1 so nothing raw reaches the terminal; a JSON reader sees the same value', () => {
    const value = { line: 'a\x9b2Jb\x1b]0;t\x07c\x7f', n: 1 };
    const text = safeJson(value);
    expect(text).not.toMatch(CONTROLS);
    expect(text).toContain('\\u009b');
    expect(JSON.parse(text)).toEqual(value);
    expect(JSON.parse(safeJson(value, 2))).toEqual(value);
  });
});
