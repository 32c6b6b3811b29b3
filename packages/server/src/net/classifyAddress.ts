import { BlockList, isIP } from 'node:net';

/** Where an IP address points, for outbound requests made on a user's behalf. */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'multicast'
  | 'unspecified'
  | 'ipv4_mapped'
  | 'carrier_nat'
  | 'reserved'
  | 'invalid';

const ranges: Array<[AddressClass, string, number, 'ipv4' | 'ipv6']> = [
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['carrier_nat', '100.64.0.0', 10, 'ipv4'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['link_local', '169.254.0.0', 16, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['reserved', '192.0.0.0', 24, 'ipv4'],
  ['reserved', '192.0.2.0', 24, 'ipv4'],
  ['reserved', '192.88.99.0', 24, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['reserved', '198.18.0.0', 15, 'ipv4'],
  ['reserved', '198.51.100.0', 24, 'ipv4'],
  ['reserved', '203.0.113.0', 24, 'ipv4'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['reserved', '240.0.0.0', 4, 'ipv4'],
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '::1', 128, 'ipv6'],
  ['ipv4_mapped', '::ffff:0:0', 96, 'ipv6'],
  // IPv4-compatible (deprecated), NAT64 and 6to4/Teredo all embed an IPv4 address.
  ['ipv4_mapped', '::', 96, 'ipv6'],
  ['ipv4_mapped', '64:ff9b::', 96, 'ipv6'],
  ['ipv4_mapped', '64:ff9b:1::', 48, 'ipv6'],
  ['ipv4_mapped', '2002::', 16, 'ipv6'],
  ['ipv4_mapped', '2001::', 32, 'ipv6'],
  ['reserved', '100::', 64, 'ipv6'],
  ['reserved', '2001:db8::', 32, 'ipv6'],
  ['private', 'fc00::', 7, 'ipv6'],
  ['link_local', 'fe80::', 10, 'ipv6'],
  ['private', 'fec0::', 10, 'ipv6'],
  ['multicast', 'ff00::', 8, 'ipv6'],
];

const lists = ranges.map(([label, network, prefix, type]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, type);
  return { label, list, type };
});
const globalUnicast = new BlockList();
globalUnicast.addSubnet('2000::', 3, 'ipv6');

/**
 * Classifies a literal IP address (dotted IPv4 or IPv6, without brackets). Only `public` may be
 * fetched in production; `loopback` too in `--dev`. IPv6 outside 2000::/3 is `reserved`, and
 * every IPv6 form that embeds an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) is
 * `ipv4_mapped`, so no address can smuggle a private IPv4 target.
 */
export function classifyAddress(address: string): AddressClass {
  const version = isIP(address);
  if (version === 0) return 'invalid';
  const type = version === 4 ? 'ipv4' : 'ipv6';
  for (const range of lists) {
    if (range.type === type && range.list.check(address, type)) return range.label;
  }
  if (type === 'ipv6' && !globalUnicast.check(address, 'ipv6')) return 'reserved';
  return 'public';
}
