/*
 * The forwarding suite's peer in C: the same DIR-24-8 lookups over the very
 * tables the TypeScript FIB built, and the same inline forwarding path over
 * the same frames, so that a rate measured in TypeScript can be set against
 * what the machine gives compiled code in the same round. The bench writes
 * one input file (see forward-peer.ts for its layout), runs this program
 * once a round, and reads one line of JSON: each task's rate in operations
 * per second, from the median of its timed calls. It reports nothing unless
 * its lookups (a sample of the random ones and every hot one), its verdicts
 * and its forwarded bytes fold to the values TypeScript's did.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 256
#define FRAME 64
#define CHUNK_SIZE 4096
#define LOW24 0xffffff
#define LOOKUP_BATCHES_PER_CALL 16
#define MAX_SAMPLES 200000

enum { MAGIC, N24, N8, NRANDOM, NHOT, NADJ, MAC_HIGH, MAC_LOW, NAT_ADDRESS, OWN_BITS, NOWN, MILLIS, LOOKUP_CHECK, FRAMES_CHECK, HEADER_WORDS };

/* Random addresses whose lookups the check covers, besides every hot one: 64 batches. */
#define CHECKED_LOOKUPS (64 * BATCH)

/* FNV-1a over 32-bit values, as forward-peer.ts folds the TypeScript results. */
static uint32_t fold(uint32_t h, uint32_t x) { return (h ^ x) * 16777619u; }

static int32_t *read_words(FILE *f, size_t n) {
  int32_t *p = malloc(n * sizeof *p + 1);
  if (!p || fread(p, sizeof *p, n, f) != n) {
    fprintf(stderr, "forward-peer: input ends early\n");
    exit(1);
  }
  return p;
}

static uint32_t be32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static void put_be32(uint8_t *p, uint32_t v) {
  v = __builtin_bswap32(v);
  memcpy(p, &v, 4);
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double samples[MAX_SAMPLES];

/* Whether every entry names a group below `groups` (0: none may) or a next hop below `hops`, so that lookups stay inside the tables. */
static int entries_in_range(const int32_t *t, int32_t n, int32_t groups, int32_t hops) {
  for (int32_t i = 0; i < n; i++) {
    int32_t e = t[i];
    if (e < 0 ? (e & LOW24) >= groups : (e & LOW24) > hops) return 0;
  }
  return 1;
}

/* Four addresses a round, a group's second level resolved only when one is met: the TypeScript loop's shape. */
static void lookup_batch(const int32_t *t24, const int32_t *t8, const int32_t *a, int32_t *out, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    uint32_t a0 = a[i], a1 = a[i + 1], a2 = a[i + 2], a3 = a[i + 3];
    int32_t e0 = t24[(a0 >> 8) + CHUNK_SIZE], e1 = t24[(a1 >> 8) + CHUNK_SIZE];
    int32_t e2 = t24[(a2 >> 8) + CHUNK_SIZE], e3 = t24[(a3 >> 8) + CHUNK_SIZE];
    if ((e0 | e1 | e2 | e3) < 0) {
      if (e0 < 0) e0 = t8[((e0 & LOW24) << 8) | (a0 & 0xff)];
      if (e1 < 0) e1 = t8[((e1 & LOW24) << 8) | (a1 & 0xff)];
      if (e2 < 0) e2 = t8[((e2 & LOW24) << 8) | (a2 & 0xff)];
      if (e3 < 0) e3 = t8[((e3 & LOW24) << 8) | (a3 & 0xff)];
    }
    out[i] = (e0 & LOW24) - 1;
    out[i + 1] = (e1 & LOW24) - 1;
    out[i + 2] = (e2 & LOW24) - 1;
    out[i + 3] = (e3 & LOW24) - 1;
  }
  for (; i < n; i++) {
    uint32_t x = a[i];
    int32_t e = t24[(x >> 8) + CHUNK_SIZE];
    if (e < 0) e = t8[((e & LOW24) << 8) | (x & 0xff)];
    out[i] = (e & LOW24) - 1;
  }
}

struct router {
  const int32_t *t24, *t8, *iface, *gateway, *ethernet, *own;
  int32_t mac_high, mac_low, nat_address, own_bits, n_own;
  /*
   * The batch in which each adjacency was last resolved, and this batch's
   * number, one more each call: as the router does, each adjacency is
   * resolved at its first frame in a batch. Here that is a store, where the
   * router asks its ARP cache.
   */
  int32_t *resolved_in;
  int32_t batch;
};

/* Where each frame lies in the batch's buffer, read per frame as the router reads a FrameBatch. */
static int32_t offsets[BATCH], lengths[BATCH];

static int is_own(const struct router *r, int32_t d) {
  if (((uint32_t)r->own_bits >> (d & 31) & 1) == 0) return 0;
  if (d == -1) return 1;
  for (int k = 0; k < r->n_own; k++)
    if (r->own[k] == d) return 1;
  return 0;
}

/*
 * The router's inline path for a batch of 64-byte frames: Ethernet
 * destination and IPv4 header checked (checksum included), destinations
 * looked up as a batch, then TTL down with the checksum updated (RFC 1624)
 * and both MACs written. Returns how many frames went out.
 */
static int forward_batch(struct router *r, uint8_t *b, int size, int32_t *dest, int32_t *hops, int32_t *egress) {
  r->batch++;
  for (int i = 0; i < BATCH; i++) {
    int32_t o = offsets[i], len = lengths[i];
    dest[i] = 0;
    egress[i] = -1;
    if (o < 0 || len < 34 || o > size - len) continue;
    const uint8_t *f = b + o;
    if ((int32_t)be32(f) != r->mac_high || be16(f + 4) != r->mac_low || be32(f + 12) >> 8 != 0x080045) continue;
    uint32_t sum = 0;
    for (int k = 14; k < 34; k += 4) {
      uint32_t w = be32(f + k);
      sum += (w >> 16) + (w & 0xffff);
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    uint32_t total = be16(f + 16);
    int32_t d = (int32_t)be32(f + 30);
    if (sum != 0xffff || total < 20 || 14 + total > (uint32_t)len || d == r->nat_address || is_own(r, d)) continue;
    egress[i] = -4;
    dest[i] = d;
  }
  lookup_batch(r->t24, r->t8, dest, hops, BATCH);
  int sent = 0;
  for (int i = 0; i < BATCH; i++) {
    if (egress[i] != -4) continue;
    uint8_t *f = b + offsets[i];
    int32_t hop = hops[i];
    uint32_t word = be32(f + 22);
    if (hop < 0 || word < 0x2000000) continue;
    /* As the router: the gateway is read only while the adjacency is not resolved in this batch, which a connected one never is. */
    if (r->resolved_in[hop] != r->batch) {
      if (r->gateway[hop] == 0) continue;
      r->resolved_in[hop] = r->batch;
    }
    uint32_t ttl_protocol = word >> 16;
    uint32_t c = (~word & 0xffff) + (~ttl_protocol & 0xffff) + ttl_protocol - 0x100;
    c = (c & 0xffff) + (c >> 16);
    c = ~((c & 0xffff) + (c >> 16)) & 0xffff;
    put_be32(f + 22, (ttl_protocol - 0x100) << 16 | c);
    egress[i] = r->iface[hop];
    put_be32(f, r->ethernet[hop * 3]);
    put_be32(f + 4, r->ethernet[hop * 3 + 1]);
    put_be32(f + 8, r->ethernet[hop * 3 + 2]);
    sent++;
  }
  return sent;
}

static double median_rate(int n, double ops_per_call) {
  qsort(samples, n, sizeof samples[0], by_value);
  return ops_per_call * 1e9 / samples[n / 2];
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: forward-peer INPUT\n");
    return 2;
  }
  FILE *in = fopen(argv[1], "rb");
  if (!in) {
    perror(argv[1]);
    return 1;
  }
  int32_t *h = read_words(in, HEADER_WORDS);
  if (h[MAGIC] != 0x77706670) {
    fprintf(stderr, "forward-peer: not an input file of this version\n");
    return 1;
  }
  /* Sizes as forward-peer.ts writes them, checked before anything is read or indexed by them. */
  if (h[N24] < (1 << 24) + CHUNK_SIZE || h[N8] < 0 || h[N8] % 256 != 0 || h[NRANDOM] < CHECKED_LOOKUPS || h[NRANDOM] % BATCH != 0 ||
      h[NHOT] != 4 * BATCH || h[NADJ] < 1 || h[NOWN] < 0 || h[NOWN] > 64 || h[MILLIS] < 1 || h[MILLIS] > 60000) {
    fprintf(stderr, "forward-peer: the input's sizes are not a forwarding suite's\n");
    return 1;
  }
  struct router r = {
    .mac_high = h[MAC_HIGH], .mac_low = h[MAC_LOW], .nat_address = h[NAT_ADDRESS], .own_bits = h[OWN_BITS], .n_own = h[NOWN],
  };
  r.own = read_words(in, h[NOWN]);
  r.t24 = read_words(in, h[N24]);
  r.t8 = read_words(in, h[N8]);
  if (!entries_in_range(r.t24, h[N24], h[N8] / 256, h[NADJ]) || !entries_in_range(r.t8, h[N8], 0, h[NADJ])) {
    fprintf(stderr, "forward-peer: a table entry points outside the tables\n");
    return 1;
  }
  const int32_t *random = read_words(in, h[NRANDOM]);
  const int32_t *hot = read_words(in, h[NHOT]);
  r.iface = read_words(in, h[NADJ]);
  r.gateway = read_words(in, h[NADJ]);
  r.ethernet = read_words(in, h[NADJ] * 3);
  r.resolved_in = calloc(h[NADJ] + 1, sizeof *r.resolved_in);
  for (int i = 0; i < BATCH; i++) {
    offsets[i] = i * FRAME;
    lengths[i] = FRAME;
  }
  uint8_t pristine[BATCH * FRAME], work[BATCH * FRAME];
  if (fread(pristine, 1, sizeof pristine, in) != sizeof pristine) {
    fprintf(stderr, "forward-peer: input ends early\n");
    return 1;
  }
  fclose(in);
  const double window = h[MILLIS] * 1e6;
  int32_t out[BATCH], dest[BATCH], hops[BATCH], egress[BATCH];
  int32_t sink = 0;

  /* Rates only for the same results: the lookups, the forwarded bytes and the verdicts must match TypeScript's. */
  uint32_t lookups = 0x811c9dc5u, frames = 0x811c9dc5u;
  for (int at = 0; at < CHECKED_LOOKUPS; at += BATCH) {
    lookup_batch(r.t24, r.t8, random + at, out, BATCH);
    for (int i = 0; i < BATCH; i++) lookups = fold(lookups, (uint32_t)out[i]);
  }
  for (int at = 0; at < h[NHOT]; at += BATCH) {
    lookup_batch(r.t24, r.t8, hot + at, out, BATCH);
    for (int i = 0; i < BATCH; i++) lookups = fold(lookups, (uint32_t)out[i]);
  }
  memcpy(work, pristine, sizeof work);
  forward_batch(&r, work, sizeof work, dest, hops, egress);
  for (size_t i = 0; i < sizeof work; i++) frames = fold(frames, work[i]);
  for (int i = 0; i < BATCH; i++) frames = fold(frames, (uint32_t)egress[i]);
  if (lookups != (uint32_t)h[LOOKUP_CHECK] || frames != (uint32_t)h[FRAMES_CHECK]) {
    fprintf(stderr, "forward-peer: results differ from TypeScript's (lookups %s, frames %s)\n", lookups == (uint32_t)h[LOOKUP_CHECK] ? "same" : "differ",
            frames == (uint32_t)h[FRAMES_CHECK] ? "same" : "differ");
    return 1;
  }

  int batches = h[NRANDOM] / BATCH, next = 0, n = 0;
  for (double end = now_ns() + window; now_ns() < end && n < MAX_SAMPLES; n++) {
    double t0 = now_ns();
    for (int k = 0; k < LOOKUP_BATCHES_PER_CALL; k++) {
      lookup_batch(r.t24, r.t8, random + next * BATCH, out, BATCH);
      next = next + 1 == batches ? 0 : next + 1;
    }
    samples[n] = now_ns() - t0;
    sink += out[0];
  }
  double lpm_random = median_rate(n, BATCH * LOOKUP_BATCHES_PER_CALL);

  n = 0;
  for (double end = now_ns() + window; now_ns() < end && n < MAX_SAMPLES; n++) {
    double t0 = now_ns();
    for (int k = 0; k < LOOKUP_BATCHES_PER_CALL; k++) lookup_batch(r.t24, r.t8, hot + (k & 3) * BATCH, out, BATCH);
    samples[n] = now_ns() - t0;
    sink += out[0];
  }
  double lpm_hot = median_rate(n, BATCH * LOOKUP_BATCHES_PER_CALL);

  n = 0;
  for (double end = now_ns() + window; now_ns() < end && n < MAX_SAMPLES; n++) {
    memcpy(work, pristine, sizeof work);
    double t0 = now_ns();
    int sent = forward_batch(&r, work, sizeof work, dest, hops, egress);
    samples[n] = now_ns() - t0;
    if (sent != BATCH) {
      fprintf(stderr, "forward-peer: %d of %d frames forwarded\n", sent, BATCH);
      return 1;
    }
  }
  double forward = median_rate(n, BATCH);

  printf("{\"lpmRandom\":%.0f,\"lpmHot\":%.0f,\"forward\":%.0f,\"sink\":%d}\n", lpm_random, lpm_hot, forward, sink);
  return 0;
}
