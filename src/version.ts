// The version reported by --version, the landing page and statsd_exporter_build_info.
// Read from package.json at startup so there is one place to bump it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function readVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export const VERSION: string = readVersion();
