// Prefix arithmetic behind the VIP rules: CIDR parsing per family and subnet membership.
import { describe, expect, it } from 'vitest';
import { inSubnet, ipToBigInt, parseCidr } from '../../../src/inventory/formats.ts';

describe('parseCidr', () => {
  it.each([
    ['10.0.0.100/24', { address: '10.0.0.100', prefix: 24, family: 4 }],
    ['fd00::100/64', { address: 'fd00::100', prefix: 64, family: 6 }],
    ['10.0.0.1/32', { address: '10.0.0.1', prefix: 32, family: 4 }],
    ['10.0.0.100/33', undefined],
    ['10.0.0.100/0', undefined],
    ['fd00::1/129', undefined],
    ['10.0.0.100', undefined],
    ['lb1/24', undefined],
    ['10.0.0.300/24', undefined],
  ])('%s → %o', (text, want) => expect(parseCidr(text)).toEqual(want));
});

describe('inSubnet', () => {
  it.each([
    ['10.0.0.11', '10.0.0.100', 24, true],
    ['10.0.1.11', '10.0.0.100', 24, false],
    ['10.0.1.11', '10.0.0.100', 16, true],
    ['192.168.1.11', '10.0.0.100', 8, false],
    ['fd00::12', 'fd00::100', 64, true],
    ['fd00:0:0:1::12', 'fd00::100', 64, false],
    ['fd00::12', '10.0.0.100', 24, false], // another family is never inside
    ['10.0.0.11', 'fd00::100', 64, false],
  ])('%s in %s/%i → %s', (address, base, prefix, want) => expect(inSubnet(address, base, prefix)).toBe(want));

  it('reads IPv6 with :: anywhere as 128 bits', () => {
    expect(ipToBigInt('::1')).toBe(1n);
    expect(ipToBigInt('fd00::')).toBe(0xfd00n << 112n);
    expect(ipToBigInt('1:2:3:4:5:6:7:8')).toBe(0x00010002000300040005000600070008n);
    expect(ipToBigInt('10.0.0.1')).toBe(0x0a000001n);
  });
});
