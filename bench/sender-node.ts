// Fallback UDP load sender (when no C compiler is present): same arguments and output as
// bench/sender.c, run as its own process. Loopback only.
//   node sender-node.js HOST PORT PACKETS_FILE RATE_PPS DURATION_S
import dgram from 'node:dgram';
import fs from 'node:fs';

function main(): void {
  const [host, portText, file, rateText, durationText] = process.argv.slice(2);
  if (!host || !host.startsWith('127.')) {
    process.stderr.write('sender: loopback (127.x) targets only\n');
    process.exit(2);
  }
  const port = Number(portText);
  const rate = Number(rateText);
  const duration = Number(durationText);
  const data = fs.readFileSync(file);
  const packets: Buffer[] = [];
  for (let p = 0; p + 2 <= data.length; ) {
    const len = data.readUInt16LE(p);
    packets.push(data.subarray(p + 2, p + 2 + len));
    p += 2 + len;
  }
  const socket = dgram.createSocket('udp4');
  socket.connect(port, host, () => {
    socket.setSendBufferSize(4 << 20);
    const total = Math.floor(rate * duration);
    const start = process.hrtime.bigint();
    let sent = 0;
    let bytes = 0;
    let errors = 0;
    let next = 0;
    let inFlight = 0;
    const done = () => {
      const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      process.stdout.write(JSON.stringify({ sent: sent - errors, bytes, errors, elapsed: Number(elapsed.toFixed(6)) }) + '\n');
      socket.close();
    };
    const tick = () => {
      const t = Number(process.hrtime.bigint() - start) / 1e9;
      if (t >= duration || sent >= total) {
        if (inFlight === 0) done();
        else setImmediate(tick);
        return;
      }
      const due = Math.min(total, Math.floor(t * rate));
      // Bounded in-flight sends keep libuv's queue (and memory) from growing without end.
      let want = Math.min(due - sent, 256, 4096 - inFlight);
      while (want-- > 0) {
        const p = packets[next];
        next = next + 1 === packets.length ? 0 : next + 1;
        inFlight++;
        sent++;
        socket.send(p, (err) => {
          inFlight--;
          if (err) errors++;
          else bytes += p.length;
        });
      }
      setImmediate(tick);
    };
    tick();
  });
}

main();
