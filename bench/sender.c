/*
 * UDP load sender for the statsd-bridge load test (bench/load.ts). Our own code: compiled at
 * bench time with the system `cc` into a temporary directory; bench/sender-node.ts is the
 * fallback when no compiler is present. Loopback only: the host must be 127.0.0.1.
 *
 *   sender HOST PORT PACKETS_FILE RATE_PPS DURATION_S
 *
 * PACKETS_FILE holds packets as [u16 little-endian length][bytes], sent round-robin.
 * Sends RATE_PPS packets a second for DURATION_S seconds with sendmmsg(2), paced against
 * CLOCK_MONOTONIC in batches, sleeping between batches so the receiver keeps the CPU.
 * Prints one JSON line: {"sent":N,"bytes":B,"errors":E,"elapsed":S}.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 256

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s HOST PORT PACKETS_FILE RATE_PPS DURATION_S\n", argv[0]);
    return 2;
  }
  const char *host = argv[1];
  if (strncmp(host, "127.", 4) != 0) {
    fprintf(stderr, "sender: loopback (127.x) targets only\n");
    return 2;
  }
  int port = atoi(argv[2]);
  double rate = atof(argv[4]);
  double duration = atof(argv[5]);

  FILE *f = fopen(argv[3], "rb");
  if (!f) { perror("open packets"); return 1; }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *data = malloc(size > 0 ? (size_t)size : 1);
  if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) { perror("read packets"); return 1; }
  fclose(f);

  size_t count = 0;
  for (long p = 0; p + 2 <= size;) { unsigned len = data[p] | (data[p + 1] << 8); p += 2 + len; count++; }
  if (count == 0) { fprintf(stderr, "sender: no packets\n"); return 1; }
  struct iovec *iov = calloc(count, sizeof *iov);
  size_t i = 0;
  for (long p = 0; p + 2 <= size; i++) {
    unsigned len = data[p] | (data[p + 1] << 8);
    iov[i].iov_base = data + p + 2;
    iov[i].iov_len = len;
    p += 2 + len;
  }

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) { perror("socket"); return 1; }
  int sndbuf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) { fprintf(stderr, "bad host\n"); return 2; }
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("connect"); return 1; }

  struct mmsghdr msgs[MAX_BATCH];
  memset(msgs, 0, sizeof msgs);
  unsigned long long sent = 0, bytes = 0, errors = 0;
  size_t next = 0;
  const double start = now_s();
  const double end = start + duration;
  const unsigned long long total = (unsigned long long)(rate * duration);
  struct timespec nap = {0, 50000}; /* 50 us between batches when ahead of schedule */
  for (;;) {
    double t = now_s();
    if (t >= end || sent >= total) break;
    unsigned long long due = (unsigned long long)((t - start) * rate);
    if (due > total) due = total;
    if (due <= sent) { nanosleep(&nap, NULL); continue; }
    unsigned long long want = due - sent;
    if (want > MAX_BATCH) want = MAX_BATCH;
    for (unsigned k = 0; k < want; k++) {
      msgs[k].msg_hdr.msg_iov = &iov[next];
      msgs[k].msg_hdr.msg_iovlen = 1;
      next = next + 1 == count ? 0 : next + 1;
    }
    int n = sendmmsg(fd, msgs, (unsigned)want, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      errors += want;
      sent += want; /* counted as attempted: the pacing moves on */
      continue;
    }
    for (int k = 0; k < n; k++) bytes += msgs[k].msg_len;
    sent += (unsigned long long)n;
    if ((unsigned long long)n < want) errors += want - (unsigned long long)n, sent += want - (unsigned long long)n;
  }
  double elapsed = now_s() - start;
  printf("{\"sent\":%llu,\"bytes\":%llu,\"errors\":%llu,\"elapsed\":%.6f}\n", sent - errors, bytes, errors, elapsed);
  return 0;
}
