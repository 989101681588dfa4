// `ip -o addr show to <address>` as captured on a lab host and on a VM, parsed to the interface.
import { describe, expect, it } from 'vitest';
import { parseIpAddrInterface } from '../../../src/facts/network.ts';

describe('parseIpAddrInterface', () => {
  it.each([
    [
      '2: host0    inet 10.221.0.11/24 brd 10.221.0.255 scope global host0\\       valid_lft forever preferred_lft forever\n',
      'host0',
    ],
    ['3: eth0@if7    inet 10.0.0.11/24 scope global eth0\\       valid_lft forever\n', 'eth0'],
    ['4: bond0    inet6 fd00::11/64 scope global \\       valid_lft forever preferred_lft forever\n', 'bond0'],
    ['', null],
  ])('%j → %s', (out, want) => expect(parseIpAddrInterface(out)).toBe(want));
});
