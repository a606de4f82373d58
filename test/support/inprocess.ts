// Starts the bridge in this process through the same composition root the daemon uses, on real
// sockets (port 0), with an injectable clock. Used where a test must control time (TTL).
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import dgram from 'node:dgram';
import os from 'node:os';
import path from 'node:path';
import { startBridge, type RunningBridge } from '../../src/bridge';
import type { BridgeConfig } from '../../src/config';
import { defaultConfig } from '../../src/cli/flags';
import type { Clock } from '../../src/core/clock';
import { silentLogger } from '../../src/core/logger';
import { parseExposition, type Exposition } from './prom-text';

export interface InProcessBridge {
  bridge: RunningBridge;
  sendTcp(payload: string | Buffer): Promise<void>;
  sendUdp(payload: string | Buffer): Promise<void>;
  scrape(): Promise<Exposition>;
  /** Waits until statsd_exporter_lines_total reaches `lines` (events are applied by then). */
  waitForLines(lines: number): Promise<Exposition>;
  stop(): Promise<void>;
}

export function tempFile(name: string, content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'statsd-bridge-test-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

export async function startInProcess(opts: { config?: Partial<BridgeConfig>; mappingYaml?: string | null; clock: Clock }): Promise<InProcessBridge> {
  const config: BridgeConfig = {
    ...defaultConfig(),
    listenUdp: '127.0.0.1:0',
    listenTcp: '127.0.0.1:0',
    webListenAddress: '127.0.0.1:0',
    eventFlushThreshold: 1,
    webDisableExporterMetrics: true,
    ...opts.config,
  };
  if (opts.mappingYaml != null) config.mappingConfig = [tempFile('mapping.yml', opts.mappingYaml)];
  const bridge = await startBridge({ config, logger: silentLogger, clock: opts.clock, version: 'test', ttlSweepIntervalMs: 3_600_000 });
  const { tcp, udp } = bridge.addresses;
  const scrape = () =>
    new Promise<Exposition>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: bridge.addresses.http.port, path: config.webTelemetryPath }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString();
            if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}: ${body}`));
            try {
              // parseExposition checks the page is a valid exposition (test/support/exposition-check.ts).
              resolve(parseExposition(body));
            } catch (err) {
              reject(err);
            }
          });
        })
        .on('error', reject);
    });
  return {
    bridge,
    sendTcp: (payload) =>
      new Promise((resolve, reject) => {
        const c = net.connect(tcp!.port, '127.0.0.1', () => c.end(payload));
        c.on('close', () => resolve());
        c.on('error', reject);
      }),
    sendUdp: (payload) =>
      new Promise((resolve, reject) => {
        const s = dgram.createSocket('udp4');
        s.send(payload, udp!.port, '127.0.0.1', (err) => {
          s.close();
          if (err) reject(err);
          else resolve();
        });
      }),
    scrape,
    waitForLines: async (lines) => {
      for (let i = 0; ; i++) {
        const e = await scrape();
        if ((e.find('statsd_exporter_lines_total')?.value ?? 0) >= lines) return e;
        if (i > 200) throw new Error(`lines_total did not reach ${lines}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    stop: () => bridge.stop(),
  };
}
