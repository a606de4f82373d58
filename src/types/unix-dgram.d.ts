// Minimal typings for unix-dgram (a native addon: Node's dgram has no AF_UNIX datagram sockets).
declare module 'unix-dgram' {
  import { EventEmitter } from 'node:events';
  export interface UnixDgramSocket extends EventEmitter {
    bind(path: string): void;
    connect(path: string): void;
    send(buf: Buffer, callback?: (err?: Error) => void): void;
    send(buf: Buffer, offset: number, length: number, path: string, callback?: (err?: Error) => void): void;
    close(): void;
    on(event: 'message', listener: (msg: Buffer) => void): this;
    on(event: 'error', listener: (err: Error & { code?: number }) => void): this;
    on(event: 'listening' | 'connect' | 'writable', listener: () => void): this;
    on(event: 'congestion', listener: (buf: Buffer) => void): this;
  }
  export function createSocket(type: 'unix_dgram', listener?: (msg: Buffer) => void): UnixDgramSocket;
}
