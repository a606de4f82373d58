// Automatic reload (--statsd.mapping-config.auto-reload-interval): every interval the mapping
// files are read and checksummed, and a changed checksum asks for a reload, which goes through
// the same path as SIGHUP (checked in full; a bad file keeps the old mapping, logged, counted)
// once the new content has stayed the same for one more interval.
// Like Prometheus' --config.auto-reload-interval, this compares content, not mtimes or inotify
// events: an editor's atomic rename, a Kubernetes ConfigMap's `..data` symlink swap and a file
// replaced on a network mount all change the content read through the configured path, while
// a touch without a change does not reload.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Logger } from '../core/logger';

export interface MappingWatchOptions {
  files: readonly string[];
  intervalMs: number;
  /** Called when the files' content differs from the last content seen; resolves when done. */
  reload: () => Promise<boolean>;
  logger: Logger;
  /** For tests: how files are read (default fs.readFileSync). */
  readFile?: (path: string) => Buffer;
}

export class MappingWatch {
  private lastSeen: string;
  /** A changed content seen once; reloaded when the next check still reads it (not mid-write). */
  private pending: string | null = null;
  private readonly timer: NodeJS.Timeout;
  private busy = false;
  private readonly readFile: (path: string) => Buffer;

  constructor(private readonly opts: MappingWatchOptions) {
    this.readFile = opts.readFile ?? ((p) => fs.readFileSync(p));
    this.lastSeen = this.checksum();
    this.timer = setInterval(() => void this.check(), opts.intervalMs);
    this.timer.unref();
  }

  /** The content just loaded by another path (SIGHUP, /-/reload) is the new baseline. */
  markCurrent(): void {
    this.lastSeen = this.checksum();
    this.pending = null;
  }

  /** Compares the files with the last content seen; reloads once per new content. */
  async check(): Promise<void> {
    if (this.busy) return;
    const now = this.checksum();
    if (now === this.lastSeen) {
      this.pending = null;
      return;
    }
    // A file written in place (truncate, then write) can be read half-written; reload only a
    // content that stayed the same for one interval.
    if (now !== this.pending) {
      this.pending = now;
      return;
    }
    this.pending = null;
    this.busy = true;
    // Remembered before the reload: a bad version is tried once, not every interval (it is
    // logged and counted as a failed reload); the next edit is tried again.
    this.lastSeen = now;
    try {
      this.opts.logger.info('Mapping config changed on disk; reloading', { files: this.opts.files.join(',') });
      await this.opts.reload();
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private checksum(): string {
    const hash = crypto.createHash('sha256');
    for (const file of this.opts.files) {
      try {
        hash.update(this.readFile(file));
      } catch (err) {
        // A file missing for a moment (mid-rename) is a content of its own: reloading it fails
        // and keeps the old mapping; the file coming back is a change again.
        hash.update(`\0unreadable:${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      }
      hash.update('\0');
    }
    return hash.digest('hex');
  }
}
