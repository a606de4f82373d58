// Who a web client is, for the per-client limits and the address allowlist
// (--web.allowed-cidrs). Matching uses Node's net.BlockList, which also matches an IPv4-mapped
// IPv6 address (::ffff:10.1.2.3, as a dual-stack socket reports IPv4 peers) against IPv4 rules.
import net from 'node:net';

/**
 * The key per-client limits count under: the IPv4 address (IPv4-mapped IPv6 unmapped), or the
 * /64 prefix of an IPv6 address, since one host usually holds a whole /64 and could otherwise
 * take a fresh address per connection.
 */
export function clientKey(address: string | undefined): string {
  if (address === undefined || address === '') return '';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (net.isIPv6(address)) return `${ipv6Groups(address).slice(0, 4).join(':')}::/64`;
  return address;
}

/** The eight 16-bit groups of an IPv6 address, in lower-case hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  const zone = address.indexOf('%');
  const a = zone === -1 ? address : address.slice(0, zone);
  const [head, tail] = a.includes('::') ? a.split('::') : [a, null];
  const parse = (s: string): string[] => {
    if (s === '') return [];
    const parts = s.split(':');
    const last = parts[parts.length - 1];
    if (last.includes('.')) {
      // An embedded IPv4 address is the last two groups.
      const o = last.split('.').map(Number);
      parts.splice(parts.length - 1, 1, ((o[0] << 8) | o[1]).toString(16), ((o[2] << 8) | o[3]).toString(16));
    }
    return parts.map((p) => parseInt(p, 16).toString(16));
  };
  const h = parse(head);
  if (tail === null) return h;
  const t = parse(tail);
  return [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
}

export class CidrError extends Error {}

/** One allowlist entry: an address with an optional prefix length (a bare address is /32 or /128). */
export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

export function parseCidr(text: string): Cidr {
  const s = text.trim();
  const slash = s.indexOf('/');
  const address = slash === -1 ? s : s.slice(0, slash);
  const version = net.isIP(address);
  if (version === 0) throw new CidrError(`"${text}" is not an IP address or CIDR (want e.g. 10.0.0.0/8, 192.0.2.7, fd00::/8)`);
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  if (slash === -1) return { address, prefix: max, family };
  const p = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(p) || Number(p) > max) throw new CidrError(`"${text}": the prefix length must be 0 to ${max}`);
  return { address, prefix: Number(p), family };
}

/** The addresses allowed to connect; an empty list allows every address. */
export class AddressAllowlist {
  private readonly list = new net.BlockList();
  readonly cidrs: readonly Cidr[];

  /** Each entry is one CIDR or a comma-separated list of them. Throws CidrError. */
  constructor(entries: readonly string[]) {
    const cidrs: Cidr[] = [];
    for (const entry of entries) {
      for (const part of entry.split(',')) {
        if (part.trim() === '') continue;
        const c = parseCidr(part);
        this.list.addSubnet(c.address, c.prefix, c.family);
        cidrs.push(c);
      }
    }
    this.cidrs = cidrs;
  }

  get enabled(): boolean {
    return this.cidrs.length > 0;
  }

  allows(address: string | undefined): boolean {
    if (!this.enabled) return true;
    if (address === undefined) return false;
    const version = net.isIP(address);
    if (version === 0) return false;
    return this.list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }
}
