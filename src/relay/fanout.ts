// Several relay targets (`--statsd.relay.address` repeated). Each target keeps its own Relay:
// its own packet buffer, bound on sends in flight and drop counter, so a slow or dead target
// costs the others nothing and ingestion never waits for any of them.
import type { Relay } from './relay';

export class RelayFanout {
  constructor(private readonly relays: readonly Relay[]) {}

  relayLine(line: string): void {
    for (let i = 0; i < this.relays.length; i++) this.relays[i].relayLine(line);
  }

  close(): void {
    for (const relay of this.relays) relay.close();
  }
}
