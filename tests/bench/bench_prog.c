// SPDX-License-Identifier: GPL-2.0
/*
 * Cost of the XDP program per frame (issue #5 parts 1 and 3), measured with
 * BPF_PROG_TEST_RUN: nothing is transmitted, only the program runs.
 *
 *   bench_prog cost   part 1: lts_xdp on a switched-session frame, a control
 *                     frame and an unknown-session frame, against a program
 *                     that only swaps MACs and returns XDP_TX (ref_tx.bpf.c)
 *   bench_prog scale  part 3: lts_xdp with 1 .. 1M sessions installed, frames
 *                     spread over all of them; BPF map memory per session
 *
 * Each prints a markdown table and, with --data FILE, the figures for plots.
 *
 * How a switched frame can run many times in a row. A test run with repeat R
 * runs the program R times on the same buffer, and lts_xdp rewrites it: the
 * second run would see the rewritten frame. So the installed legs form a
 * chain: the entry of leg j rewrites the frame into one that matches leg
 * j+1 (addresses and ports unchanged, IDs those of leg j+1), the last leg
 * leads back to the first. Every run is a complete switch of a different
 * leg, in an order shuffled over the whole table. Only the TTL cannot come
 * back: it drops by one a run, so a call runs at most 250 times (TTL 255).
 *
 * Timing. The kernel's own figure (duration) is whole nanoseconds, too coarse
 * for programs of 10-50 ns, and a call's fixed cost (syscall, copying the
 * frame) is ~1-2 us, too large to ignore with R <= 250. So calls alternate
 * between R_HI and R_LO runs, each timed from user space, and the cost per
 * frame is (mean time of an R_HI call - mean time of an R_LO call) /
 * (R_HI - R_LO): the fixed cost cancels out. The figure includes what the
 * test-run loop adds per run (a few ns, the same for every program): the
 * empty program bench_nop_tx shows that floor.
 *
 * Anchors. A test run with repeat > 1 adds the program to the kernel's XDP
 * dispatcher and removes it afterwards, each change costing a
 * synchronize_rcu() (milliseconds) unless the program is already there. So
 * every program measured is first attached to an idle interface of its own
 * (--anchors, e.g. unconnected veth ends in a private namespace; run.sh
 * makes them). Attached programs are also called the way a driver calls
 * them, through the dispatcher.
 *
 * Each figure is the best of --rounds rounds (the median is printed too);
 * within a round the programs take turns, so that a noisy neighbour hits them
 * alike. After every round
 * the reason counters must show exactly the expected verdict for every run,
 * otherwise the benchmark is broken and exits 1.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "dp/bpf_loader.h"
#include "dp/dp.h"
#include "dp/entry.h"
#include "lib/log.h"
#include "lib/sidmap.h"
#include "lts_l2tp.h"
#include "lts_maps.h"
#include "lts_xdp.skel.h"
#include "ref_fwd.skel.h"
#include "ref_tx.skel.h"
#include "stages.skel.h"

#define R_HI 250 /* TTL 255: a chained frame can be switched 254 times */
#define R_LO 10
#define MAX_FRAME 1514
#define MAX_ROUNDS 101
#define MAX_SCALES 16
#define TTL_START 255
#define IDS_PER_TUNNEL 65535u
#define LEGS_PER_TUNNEL 4096u /* lns_peers max_sessions_per_tunnel's default */

enum bench_kind { K_SWITCHED, K_CONTROL, K_UNKNOWN, K_STATELESS };

/* One thing to measure: a program and the frames it is given. */
struct bench_case {
	const char *name;
	int prog_fd;
	enum bench_kind kind;
	uint32_t verdict;     /* expected retval of every call */
	int reason;	      /* lts reason every run must count, -1: not lts_xdp */
	uint64_t n_legs;      /* K_SWITCHED: length of the chain */
	const uint32_t *perm; /* K_SWITCHED: chain order, leg numbers */
	uint32_t leg_base;    /* K_SWITCHED: leg numbers start here */
	const struct leg_ids *ids; /* K_SWITCHED: the legs' IDs */
	struct lts_xdp *skel; /* lts_xdp instance (reason counters); NULL: bench's */
	uint64_t frames;      /* runs per round; 0: the bench's --frames */
	uint64_t pos;	      /* next chain position */
	double samples[MAX_ROUNDS];
	double ksamples[MAX_ROUNDS];
};

#define MAX_ANCHORS 16

struct bench {
	struct lts_xdp *skel;
	uint32_t ifindex;
	uint32_t anchors[MAX_ANCHORS];
	unsigned int n_anchors;
	uint32_t size;
	uint64_t frames; /* per case and round */
	unsigned int rounds;
	const char *data_path;
	bool verbose; /* every round's figure on stderr */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- frames ---- */

static const uint8_t mac_lac[ETH_ALEN] = {0x02, 0, 0, 0, 0x01, 0x01};
static const uint8_t mac_lts[ETH_ALEN] = {0x02, 0, 0, 0, 0x01, 0x02};
#define ADDR_PEER 0x0a000101u  /* 10.0.1.1 */
#define ADDR_LOCAL 0x0a000102u /* 10.0.1.2 */

/*
 * The IDs of legs 0 .. n - 1 of a table of n_slots slots, handed out as
 * ltsd's allocator does (agent/l2tp/session.c, agent/lib/sidmap.h):
 * LEGS_PER_TUNNEL legs a tunnel, each the next session ID of its tunnel
 * whose switch_table slot is free, or after LTS_SIDMAP_TRIES taken ones
 * any free ID (that leg goes to the wide table, as would a static leg whose
 * slot is taken). wide_from: from this leg on, every leg is put in the wide
 * table (part 1's wide-table case).
 */
struct leg_ids {
	uint16_t *tid, *sid;
	uint32_t *slot; /* switch_table slot, or LTS_SLOT_WIDE */
	uint64_t n, n_wide;
};

static void leg_ids_free(struct leg_ids *ids)
{
	free(ids->tid);
	free(ids->sid);
	free(ids->slot);
	memset(ids, 0, sizeof(*ids));
}

static int leg_ids_assign(struct leg_ids *ids, uint64_t n, uint32_t n_slots, uint64_t wide_from)
{
	uint8_t used[IDS_PER_TUNNEL + 1];
	uint16_t next = 1, tid = 0, cand;
	struct lts_sidmap m;
	uint32_t taken;
	uint64_t leg;
	int err;

	memset(ids, 0, sizeof(*ids));
	ids->tid = calloc(n, sizeof(*ids->tid));
	ids->sid = calloc(n, sizeof(*ids->sid));
	ids->slot = calloc(n, sizeof(*ids->slot));
	err = ids->tid && ids->sid && ids->slot ? lts_sidmap_init(&m, n_slots) : -ENOMEM;
	if (err) {
		leg_ids_free(ids);
		return err;
	}
	ids->n = n;
	for (leg = 0; leg < n; leg++) {
		if (leg % LEGS_PER_TUNNEL == 0) {
			tid++; /* a new tunnel: all its IDs free */
			memset(used, 0, sizeof(used));
			next = 1;
		}
		for (taken = 0;; next = next % IDS_PER_TUNNEL + 1) {
			cand = next;
			if (used[cand])
				continue;
			if (leg >= wide_from || lts_sidmap_take(&m, tid, cand) ||
			    ++taken > LTS_SIDMAP_TRIES)
				break;
		}
		next = next % IDS_PER_TUNNEL + 1;
		used[cand] = 1;
		ids->tid[leg] = tid;
		ids->sid[leg] = cand;
		ids->slot[leg] = LTS_SLOT_WIDE;
		if (leg < wide_from && m.owner[lts_slot(tid, cand, n_slots)] == ((uint32_t)tid << 16 | cand))
			ids->slot[leg] = lts_slot(tid, cand, n_slots);
		else
			ids->n_wide++;
	}
	lts_sidmap_fini(&m);
	return 0;
}

static uint32_t csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Ethernet / IPv4 (TTL 255) / UDP 1701 -> 1701 with a valid checksum (the
 * switch then updates it, the costlier case) / L2TP header for `flags`.
 * Data: flags 0x0002, IDs, PPP IPv4. Control (T, L, S): a ZLB acknowledgement.
 */
static void build_frame(uint8_t *f, uint32_t size, uint16_t flags, uint16_t tunnel,
			uint16_t session)
{
	struct ethhdr *eth = (void *)f;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	uint8_t *l2tp = (uint8_t *)(udp + 1), *p = l2tp;
	uint32_t udp_len = size - ETH_HLEN - sizeof(*ip), sum, i;

	memset(f, 0, size);
	memcpy(eth->h_dest, mac_lts, ETH_ALEN);
	memcpy(eth->h_source, mac_lac, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((uint16_t)(size - ETH_HLEN));
	ip->frag_off = htons(0x4000);
	ip->ttl = TTL_START;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = htonl(ADDR_PEER);
	ip->daddr = htonl(ADDR_LOCAL);
	ip->check = htons(csum_fold(csum_add(0, ip, sizeof(*ip))));
	udp->source = htons(LTS_L2TP_PORT_DEFAULT);
	udp->dest = htons(LTS_L2TP_PORT_DEFAULT);
	udp->len = htons((uint16_t)udp_len);

	*p++ = (uint8_t)(flags >> 8);
	*p++ = (uint8_t)flags;
	if (flags & LTS_L2TP_F_LENGTH) {
		*p++ = (uint8_t)((udp_len - sizeof(*udp)) >> 8);
		*p++ = (uint8_t)(udp_len - sizeof(*udp));
	}
	*p++ = (uint8_t)(tunnel >> 8);
	*p++ = (uint8_t)tunnel;
	*p++ = (uint8_t)(session >> 8);
	*p++ = (uint8_t)session;
	if (flags & LTS_L2TP_F_SEQ)
		p += 4; /* Ns = Nr = 0 */
	if (!(flags & LTS_L2TP_F_TYPE)) {
		*p++ = 0xff; /* PPP address, control, protocol IPv4 */
		*p++ = 0x03;
		*p++ = 0x00;
		*p++ = 0x21;
		for (i = (uint32_t)(p - f); i < size; i++)
			f[i] = (uint8_t)i;
	}
	/* Pseudo-header: addresses, protocol, UDP length; then the datagram. */
	sum = csum_add(0, &ip->saddr, 8) + IPPROTO_UDP + udp_len;
	sum = csum_add(sum, udp, udp_len);
	udp->check = htons(csum_fold(sum) ?: 0xffff);
}

static void case_frame(const struct bench *b, const struct bench_case *c, uint8_t *f)
{
	uint16_t tunnel, session;

	switch (c->kind) {
	case K_SWITCHED:
		tunnel = c->ids->tid[c->leg_base + c->perm[c->pos % c->n_legs]];
		session = c->ids->sid[c->leg_base + c->perm[c->pos % c->n_legs]];
		build_frame(f, b->size, LTS_L2TP_VERSION, tunnel, session);
		break;
	case K_CONTROL:
		build_frame(f, b->size,
			    LTS_L2TP_F_TYPE | LTS_L2TP_F_LENGTH | LTS_L2TP_F_SEQ | LTS_L2TP_VERSION,
			    1, 0);
		break;
	case K_UNKNOWN:
		build_frame(f, b->size, LTS_L2TP_VERSION, 4242, 4242);
		break;
	case K_STATELESS:
		build_frame(f, b->size, LTS_L2TP_VERSION, 1, 1);
		break;
	}
}

/* ---- switch-table chain ---- */

/* xorshift64*: a fixed seed, so every run shuffles the same way. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static uint32_t *chain_order(uint64_t n_legs)
{
	uint32_t *perm = malloc(n_legs * sizeof(*perm));
	uint64_t i, seed = 0x9e3779b97f4a7c15ull;

	if (!perm)
		return NULL;
	for (i = 0; i < n_legs; i++)
		perm[i] = (uint32_t)i;
	for (i = n_legs - 1; i > 0; i--) {
		uint64_t j = rng_next(&seed) % (i + 1);
		uint32_t t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	return perm;
}

/* The maps of an lts_xdp instance a chain goes into (or the stages' copies). */
struct chain_maps {
	struct bpf_map *table, *wide, *nexthops, *policers;
};

/*
 * One IPv4 leg compiled as ltsd compiles it (agent/dp/entry.h), into its
 * switch_table slot or the wide table, behind next hop nexthop.
 */
static int install_leg(const struct chain_maps *m, uint32_t slot,
		       const struct lts_switch_key *key, const struct lts_switch_val *val,
		       uint16_t nexthop)
{
	struct lts_fast_entry fe;
	struct lts_wide_val w;
	struct lts_policer p;
	uint32_t idx;
	int err;

	if (val->police_kbps) {
		idx = 2 * val->stats_idx + (val->dir & 1);
		lts_entry_policer(val, 0, &p);
		err = bpf_map__update_elem(m->policers, &idx, sizeof(idx), &p, sizeof(p), BPF_ANY);
		if (err)
			return err;
	}
	if (slot == LTS_SLOT_WIDE) {
		lts_entry_wide(key, val, nexthop, &w);
		return bpf_map__update_elem(m->wide, key, sizeof(*key), &w, sizeof(w), BPF_ANY);
	}
	lts_entry_fast(key, val, nexthop, &fe);
	return bpf_map__update_elem(m->table, &slot, sizeof(slot), &fe, sizeof(fe), BPF_ANY);
}

/*
 * n_sessions sessions = 2 * n_sessions legs (a session has two legs, like
 * ltsd installs them). Legs are numbered from leg_base (so that two chains
 * can coexist), their IDs from ids; every leg leaves by `egress`: the
 * ingress interface (XDP_TX, next hop 1) or another one in tx_ports
 * (REDIRECT, next hop 2); police_kbps: policed at that rate (a burst that
 * never runs out), 0: not.
 */
static int install_chain(const struct chain_maps *m, const struct leg_ids *ids,
			 const uint32_t *perm, uint64_t n_legs, uint32_t leg_base,
			 uint32_t egress, uint32_t ingress, uint32_t police_kbps)
{
	struct lts_switch_key key = {
	    .family = LTS_FAMILY_IPV4,
	    .peer_port = LTS_L2TP_PORT_DEFAULT,
	};
	struct lts_switch_val val = {
	    .family = LTS_FAMILY_IPV4,
	    .flags = LTS_SW_F_NH_VALID,
	    .local_port = LTS_L2TP_PORT_DEFAULT,
	    .peer_port = LTS_L2TP_PORT_DEFAULT,
	    .mtu = 1500,
	    .ifindex = egress,
	    .police_kbps = police_kbps,
	    .police_burst = 1000000000,
	};
	uint32_t peer = htonl(ADDR_PEER), local = htonl(ADDR_LOCAL);
	uint32_t nh_idx = egress == ingress ? 1 : 2;
	struct lts_nh_entry nh;
	uint64_t j;
	int err;

	memcpy(key.peer_addr, &peer, 4);
	memcpy(key.local_addr, &local, 4);
	/* The rewritten frame comes from the same peer to the same address. */
	memcpy(val.local_addr, &peer, 4);
	memcpy(val.peer_addr, &local, 4);
	memcpy(val.src_mac, mac_lac, ETH_ALEN);
	memcpy(val.dst_mac, mac_lts, ETH_ALEN);
	lts_entry_nh(&val, &nh);
	err = bpf_map__update_elem(m->nexthops, &nh_idx, sizeof(nh_idx), &nh, sizeof(nh),
				   BPF_ANY);
	if (err)
		return err;
	for (j = 0; j < n_legs; j++) {
		uint32_t leg = leg_base + perm[j], next = leg_base + perm[(j + 1) % n_legs];

		key.tunnel_id = ids->tid[leg];
		key.session_id = ids->sid[leg];
		val.peer_tunnel_id = ids->tid[next];
		val.peer_session_id = ids->sid[next];
		val.stats_idx = leg / 2;
		val.dir = (uint8_t)(leg & 1);
		err = install_leg(m, ids->slot[leg], &key, &val, (uint16_t)nh_idx);
		if (err) {
			fprintf(stderr, "bench_prog: install leg %u of %" PRIu64 ": %s\n", leg,
				n_legs, strerror(-err));
			return err;
		}
	}
	return 0;
}

static struct chain_maps lts_maps(struct lts_xdp *skel)
{
	return (struct chain_maps){ skel->maps.switch_table, skel->maps.switch_wide,
				    skel->maps.nexthops, skel->maps.policers };
}

/* ---- measuring ---- */

static int test_run(int prog_fd, const uint8_t *frame, uint32_t size, uint32_t ifindex,
		    uint32_t repeat, uint32_t *retval, uint32_t *duration)
{
	struct xdp_md ctx = {
	    .data_end = size,
	    .ingress_ifindex = ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = frame, .data_size_in = size,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &topts))
		return -errno;
	*retval = topts.retval;
	*duration = topts.duration;
	return 0;
}

static int64_t reason_count(struct bench *b, const struct bench_case *c)
{
	if (c->reason < 0)
		return 0;
	return lts_bpf_reason_count(c->skel ? c->skel : b->skel, (enum lts_reason)c->reason);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median of n call times; sorts them. */
static double median_u64(uint64_t *v, uint64_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
}

/*
 * One round of one case: about `frames` runs in pairs of calls (R_HI, then
 * R_LO runs); stores the round's figures. The median call time of each kind
 * is used, not the mean: on a shared machine a call now and then loses its
 * CPU for milliseconds, which would dominate a mean.
 */
static int measure_round(struct bench *b, struct bench_case *c, unsigned int round, uint64_t frames)
{
	static uint8_t frame[MAX_FRAME];
	uint64_t pairs = frames / (R_HI + R_LO), p, k_ns = 0, *t_hi, *t_lo;
	int64_t before = reason_count(b, c), after;
	uint32_t retval = 0, dur = 0;
	int err = 0;

	if (!pairs)
		pairs = 1;
	t_hi = calloc(pairs, sizeof(*t_hi));
	t_lo = calloc(pairs, sizeof(*t_lo));
	if (!t_hi || !t_lo) {
		err = -ENOMEM;
		goto out;
	}
	for (p = 0; p < 2 * pairs; p++) {
		uint32_t r = p & 1 ? R_LO : R_HI;
		uint64_t t0, t;

		case_frame(b, c, frame);
		t0 = now_ns();
		err = test_run(c->prog_fd, frame, b->size, b->ifindex, r, &retval, &dur);
		t = now_ns() - t0;
		if (p & 1)
			t_lo[p / 2] = t;
		else
			t_hi[p / 2] = t;
		if (err) {
			fprintf(stderr, "bench_prog: %s: BPF_PROG_TEST_RUN: %s\n", c->name,
				strerror(-err));
			goto out;
		}
		if (retval != c->verdict) {
			fprintf(stderr, "bench_prog: %s: verdict %u, expected %u\n", c->name,
				retval, c->verdict);
			err = -EPROTO;
			goto out;
		}
		k_ns += (uint64_t)dur * r;
		c->pos += r;
	}
	after = reason_count(b, c);
	if (c->reason >= 0 && after - before != (int64_t)(pairs * (R_HI + R_LO))) {
		fprintf(stderr,
			"bench_prog: %s: reason %d counted %" PRId64 " of %" PRIu64
			" runs: the frames did not take the path measured\n",
			c->name, c->reason, after - before, pairs * (R_HI + R_LO));
		err = -EPROTO;
		goto out;
	}
	c->samples[round] = (median_u64(t_hi, pairs) - median_u64(t_lo, pairs)) / (R_HI - R_LO);
	c->ksamples[round] = (double)k_ns / (double)(pairs * (R_HI + R_LO));
	if (b->verbose)
		fprintf(stderr, "bench_prog: round %u %-36s %7.1f ns (kernel %6.1f)\n", round,
			c->name, c->samples[round], c->ksamples[round]);
out:
	free(t_hi);
	free(t_lo);
	return err;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, unsigned int n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static uint64_t case_frames(const struct bench *b, const struct bench_case *c)
{
	return c->frames ? c->frames : b->frames;
}

/* Warm up, then rounds in which every case takes its turn. */
static int measure(struct bench *b, struct bench_case *cases, unsigned int n)
{
	unsigned int r, i;
	int err;

	for (i = 0; i < n; i++) {
		err = measure_round(b, &cases[i], 0, case_frames(b, &cases[i]) / 4 ?: 1);
		if (err)
			return err;
	}
	for (r = 0; r < b->rounds; r++) {
		for (i = 0; i < n; i++) {
			struct bench_case *c = &cases[(i + r) % n];

			err = measure_round(b, c, r, case_frames(b, c));
			if (err)
				return err;
		}
	}
	return 0;
}

static double minimum(const double *v, unsigned int n)
{
	double m = v[0];
	unsigned int i;

	for (i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

/*
 * The figure of a case: its best round. On this kind of shared machine noise
 * only ever adds time, in bursts of seconds that can spoil most rounds of one
 * case (seen: 5 of 7 rounds at 2x); the median is printed beside it.
 */
static double fig(const struct bench *b, const struct bench_case *c)
{
	return minimum(c->samples, b->rounds);
}

static double mfig(const struct bench *b, const struct bench_case *c)
{
	return median(c->samples, b->rounds);
}

static double kfig(const struct bench *b, const struct bench_case *c)
{
	return minimum(c->ksamples, b->rounds);
}

/* ---- loading ---- */

/* Attach to anchor i (see the top of this file); replaces what was there. */
static int anchor(struct bench *b, unsigned int i, int prog_fd)
{
	int err;

	if (i >= b->n_anchors) {
		fprintf(stderr, "bench_prog: needs %u --anchors\n", i + 1);
		return -EINVAL;
	}
	err = bpf_xdp_attach((int)b->anchors[i], prog_fd, XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		fprintf(stderr, "bench_prog: attach to anchor ifindex %u: %s\n", b->anchors[i],
			strerror(-err));
	return err;
}

static void unanchor(struct bench *b)
{
	unsigned int i;

	for (i = 0; i < b->n_anchors; i++)
		bpf_xdp_detach((int)b->anchors[i], XDP_FLAGS_DRV_MODE, NULL);
}

static int parse_anchors(struct bench *b, const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save)) {
		uint32_t idx = if_nametoindex(tok);

		if (!idx || b->n_anchors == MAX_ANCHORS) {
			fprintf(stderr, "bench_prog: anchor %s: no such interface (or too many)\n",
				tok);
			err = -EINVAL;
		} else {
			b->anchors[b->n_anchors++] = idx;
		}
	}
	free(copy);
	return err;
}

/*
 * lts_xdp for max_sessions sessions (0: the default), switch_wide sized as
 * ltsd sizes it without IPv6 (an eighth of max_sessions + LTS_DP_WIDE_SLACK),
 * or for `wide` legs if more.
 */
static int load_lts(struct bench *b, uint32_t max_sessions, uint64_t wide)
{
	static const uint16_t ports[] = {LTS_L2TP_PORT_DEFAULT};
	struct lts_bpf_opts opts = {
	    .pin_dir = NULL,
	    .l2tp_ports = ports,
	    .n_l2tp_ports = 1,
	    .max_sessions = max_sessions,
	    .wide_entries = (uint32_t)(wide > max_sessions / 8 ? wide : max_sessions / 8) +
			    LTS_DP_WIDE_SLACK,
	    .police = max_sessions == 0, /* part 1 measures policed legs too */
	};
	int err = lts_bpf_load(&opts, &b->skel);

	if (err)
		fprintf(stderr, "bench_prog: cannot load lts_xdp: %s\n", strerror(-err));
	return err;
}

/* The kernel's own account of a map's memory (fdinfo "memlock"). */
static int64_t map_memory(const struct bpf_map *map)
{
	char path[64], line[256];
	int64_t v = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", bpf_map__fd(map));
	fp = fopen(path, "r");
	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "memlock: %" SCNd64, &v) == 1)
			break;
	fclose(fp);
	return v;
}

/* Memory of all lts maps; `per_map` (optional) gets a one-line breakdown. */
static int64_t lts_map_memory(struct lts_xdp *skel, char *per_map, size_t len)
{
	const struct bpf_map *maps[] = {
	    skel->maps.switch_table, skel->maps.switch_wide, skel->maps.nexthops,
	    skel->maps.slow_stats,   skel->maps.reason_stats, skel->maps.tx_ports,
	};
	int64_t sum = 0, m;
	size_t i, off = 0;

	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		m = map_memory(maps[i]);
		if (m < 0)
			return m;
		sum += m;
		if (per_map && off < len)
			off += (size_t)snprintf(per_map + off, len - off, "%s%s %" PRId64,
						i ? ", " : "", bpf_map__name(maps[i]), m);
	}
	return sum;
}

static void print_mib(char *buf, size_t len, int64_t bytes)
{
	if (bytes >= 10 << 20)
		snprintf(buf, len, "%.0f MiB", (double)bytes / (1 << 20));
	else if (bytes >= 1 << 20)
		snprintf(buf, len, "%.1f MiB", (double)bytes / (1 << 20));
	else
		snprintf(buf, len, "%.0f KiB", (double)bytes / 1024);
}

/* ---- part 1 ---- */

/* The stage programs, with their maps unpinned (never reuse a system's pins). */
static struct bench_stages *load_stages(uint32_t probe_ifindex)
{
	struct bench_stages *st = bench_stages__open();
	struct bpf_map *map;
	int err = 0;

	if (!st) {
		fprintf(stderr, "bench_prog: cannot open stages: %s\n", strerror(errno));
		return NULL;
	}
	bpf_object__for_each_map(map, st->obj) {
		if (!bpf_map__is_internal(map))
			err = err ?: bpf_map__set_pin_path(map, NULL);
	}
	memset((void *)&st->rodata->lts_cfg, 0, sizeof(st->rodata->lts_cfg));
	st->rodata->lts_cfg.l2tp_ports[0] = LTS_L2TP_PORT_DEFAULT;
	st->rodata->lts_cfg.n_slots = bpf_map__max_entries(st->maps.switch_table);
	st->rodata->probe_ifindex = probe_ifindex;
	err = err ?: bench_stages__load(st);
	if (err) {
		fprintf(stderr, "bench_prog: cannot load stages: %s\n", strerror(-err));
		bench_stages__destroy(st);
		return NULL;
	}
	return st;
}

static int cmd_cost(struct bench *b)
{
	enum {
		SW_TX,
		SW_REDIR,
		SW_WIDE,
		SW_POLICED,
		SW_POLICED_REDIR,
		CONTROL,
		UNKNOWN,
		REF_TX,
		REF_FWD,
		NOP,
		ST_PARSE,
		ST_LOOKUP,
		ST_REWRITE,
		ST_SESSION,
		PR_KTIME,
		PR_KTIME_COARSE,
		PR_DEVHASH,
		PR_REDIR_HASH,
		PR_REDIR_ARRAY,
		N_CASES
	};
	static const char *const names[N_CASES] = {
	    [SW_TX] = "lts_xdp switched XDP_TX",
	    [SW_REDIR] = "lts_xdp switched REDIRECT",
	    [SW_WIDE] = "lts_xdp switched wide table",
	    [SW_POLICED] = "lts_xdp switched policed XDP_TX",
	    [SW_POLICED_REDIR] = "lts_xdp switched policed REDIRECT",
	    [CONTROL] = "lts_xdp control",
	    [UNKNOWN] = "lts_xdp unknown session",
	    [REF_TX] = "reference MAC swap + XDP_TX",
	    [REF_FWD] = "reference forwarder (MAC rewrite + devmap redirect)",
	    [NOP] = "empty XDP_TX program",
	    [ST_PARSE] = "stage parse",
	    [ST_LOOKUP] = "stage lookup",
	    [ST_REWRITE] = "stage rewrite",
	    [ST_SESSION] = "stage session",
	    [PR_KTIME] = "probe bpf_ktime_get_ns",
	    [PR_KTIME_COARSE] = "probe bpf_ktime_get_coarse_ns",
	    [PR_DEVHASH] = "probe DEVMAP_HASH lookup",
	    [PR_REDIR_HASH] = "probe bpf_redirect_map DEVMAP_HASH",
	    [PR_REDIR_ARRAY] = "probe bpf_redirect_map DEVMAP",
	};
	static const struct {
		int c;
		const char *label;
	} probe_rows[] = {
	    {PR_KTIME, "`bpf_ktime_get_ns()`"},
	    {PR_KTIME_COARSE, "`bpf_ktime_get_coarse_ns()` (the entries' last seen)"},
	    {PR_DEVHASH, "lookup in a DEVMAP_HASH (egress check against `tx_ports`)"},
	    {PR_REDIR_HASH, "`bpf_redirect_map()` on a DEVMAP_HASH (lts_xdp's redirect)"},
	    {PR_REDIR_ARRAY, "`bpf_redirect_map()` on a DEVMAP (the reference forwarder's)"},
	};
	/* Table rows: lts_xdp case, reference case, target. */
	static const struct {
		int lts, ref;
		const char *label, *target;
	} rows[] = {
	    {SW_TX, REF_TX, "switched session, egress = ingress (XDP_TX)", "<= 1.3"},
	    {SW_REDIR, REF_FWD, "switched session, other egress (devmap REDIRECT)", "<= 1.3"},
	    {SW_POLICED, REF_TX, "switched session, policed, under its rate (XDP_TX)", "(none)"},
	    {SW_POLICED_REDIR, REF_FWD, "switched session, policed, under its rate (REDIRECT)",
	     "(none)"},
	    {SW_WIDE, REF_TX, "switched session in the wide table (XDP_TX; a static leg whose "
			      "slot is taken, IPv6 legs)", "(none)"},
	    {CONTROL, REF_TX, "control message (XDP_PASS)", "(none)"},
	    {UNKNOWN, REF_TX, "unknown session (XDP_PASS)", "(none)"},
	};
	/* Breakdown: the switched XDP_TX frame through each pipeline prefix. */
	static const struct {
		int c;
		const char *label;
	} stages_rows[] = {
	    {NOP, "nothing (empty program: the floor)"},
	    {ST_PARSE, "parse Ethernet .. L2TP"},
	    {ST_LOOKUP, "+ switch-table lookup (slot of the IDs, match checked)"},
	    {ST_REWRITE, "+ next-hop checks, rewrite, checksums (deltas from install)"},
	    {ST_SESSION, "+ the entry's counters (incl. the last-seen clock)"},
	    {SW_TX, "+ verdict and reason counter (= lts_xdp)"},
	};
	struct bench_case cases[N_CASES] = {};
	struct bench_ref_tx *ref = NULL;
	struct bench_ref_fwd *fwd = NULL;
	struct bench_stages *stages = NULL;
	uint32_t *perm = NULL, redir, slot = 0;
	struct leg_ids ids = {};
	struct chain_maps sm, lm;
	unsigned int i, j, n_anchored = 0;
	double nop_ns, prev = 0;
	FILE *data = NULL;
	int err;

	/* Redirect target: any interface in this namespace (nothing is sent). */
	if (b->n_anchors < 1) {
		fprintf(stderr, "bench_prog: cost needs --anchors\n");
		return -EINVAL;
	}
	redir = b->anchors[0];
	err = load_lts(b, 0, 2);
	if (err)
		return err;
	ref = bench_ref_tx__open_and_load();
	fwd = bench_ref_fwd__open_and_load();
	stages = load_stages(redir);
	perm = chain_order(2);
	if (!ref || !fwd || !stages || !perm) {
		fprintf(stderr, "bench_prog: cannot load the reference programs\n");
		err = -EINVAL;
		goto out;
	}
	/*
	 * Legs 0-1: the XDP_TX chain; legs 2-3: the redirect chain; legs 4-5:
	 * an XDP_TX chain in the wide table; legs 6-7 and 8-9: policed XDP_TX
	 * and redirect chains (100 Gbit/s: every frame conforms). The stages
	 * have the same table size, so the same IDs.
	 */
	sm = (struct chain_maps){ stages->maps.switch_table, stages->maps.switch_wide,
				  stages->maps.nexthops, stages->maps.policers };
	lm = lts_maps(b->skel);
	err = leg_ids_assign(&ids, 10, lts_bpf_n_slots(b->skel), 4);
	/* legs from 4 on go to the wide table: 6-9 back to their slots */
	for (i = 6; !err && i < 10; i++) {
		ids.slot[i] = lts_slot(ids.tid[i], ids.sid[i], lts_bpf_n_slots(b->skel));
		for (j = 0; j < 4; j++)
			if (ids.slot[j] == ids.slot[i])
				err = -EEXIST;
	}
	err = err ?: lts_bpf_add_tx_port(b->skel, redir);
	err = err ?: install_chain(&lm, &ids, perm, 2, 0, b->ifindex, b->ifindex, 0);
	err = err ?: install_chain(&lm, &ids, perm, 2, 2, redir, b->ifindex, 0);
	err = err ?: install_chain(&lm, &ids, perm, 2, 4, b->ifindex, b->ifindex, 0);
	err = err ?: install_chain(&lm, &ids, perm, 2, 6, b->ifindex, b->ifindex, 100000000);
	err = err ?: install_chain(&lm, &ids, perm, 2, 8, redir, b->ifindex, 100000000);
	err = err ?: install_chain(&sm, &ids, perm, 2, 0, b->ifindex, b->ifindex, 0);
	err = err
		  ?: bpf_map__update_elem(fwd->maps.fwd_port, &slot, sizeof(slot), &redir,
					  sizeof(redir), BPF_ANY);
	err = err
		  ?: bpf_map__update_elem(stages->maps.probe_devmap, &slot, sizeof(slot), &redir,
					  sizeof(redir), BPF_ANY);
	err = err
		  ?: bpf_map__update_elem(stages->maps.probe_devmap_hash, &redir, sizeof(redir),
					  &redir, sizeof(redir), BPF_ANY);
	if (err) {
		fprintf(stderr, "bench_prog: cannot fill the maps: %s\n", strerror(-err));
		goto out;
	}

	for (i = 0; i < N_CASES; i++)
		cases[i] = (struct bench_case){.name = names[i],
					       .kind = K_STATELESS,
					       .verdict = XDP_TX,
					       .reason = -1,
					       .n_legs = 2,
					       .perm = perm,
					       .ids = &ids};
	cases[SW_TX].prog_fd = bpf_program__fd(b->skel->progs.lts_xdp);
	cases[SW_TX].kind = K_SWITCHED;
	cases[SW_TX].reason = LTS_R_SWITCHED_TX;
	cases[SW_REDIR] = cases[SW_TX];
	cases[SW_REDIR].name = names[SW_REDIR];
	cases[SW_REDIR].verdict = XDP_REDIRECT;
	cases[SW_REDIR].reason = LTS_R_SWITCHED_REDIRECT;
	cases[SW_REDIR].leg_base = 2;
	cases[SW_WIDE] = cases[SW_TX];
	cases[SW_WIDE].name = names[SW_WIDE];
	cases[SW_WIDE].leg_base = 4;
	cases[SW_POLICED] = cases[SW_TX];
	cases[SW_POLICED].name = names[SW_POLICED];
	cases[SW_POLICED].leg_base = 6;
	cases[SW_POLICED_REDIR] = cases[SW_REDIR];
	cases[SW_POLICED_REDIR].name = names[SW_POLICED_REDIR];
	cases[SW_POLICED_REDIR].leg_base = 8;
	cases[CONTROL].prog_fd = cases[SW_TX].prog_fd;
	cases[CONTROL].kind = K_CONTROL;
	cases[CONTROL].verdict = XDP_PASS;
	cases[CONTROL].reason = LTS_R_PASS_CONTROL;
	cases[UNKNOWN].prog_fd = cases[SW_TX].prog_fd;
	cases[UNKNOWN].kind = K_UNKNOWN;
	cases[UNKNOWN].verdict = XDP_PASS;
	cases[UNKNOWN].reason = LTS_R_PASS_NO_SESSION;
	cases[REF_TX].prog_fd = bpf_program__fd(ref->progs.bench_ref_tx);
	cases[REF_FWD].prog_fd = bpf_program__fd(fwd->progs.bench_ref_fwd);
	cases[REF_FWD].verdict = XDP_REDIRECT;
	cases[NOP].prog_fd = bpf_program__fd(ref->progs.bench_nop_tx);
	cases[ST_PARSE].prog_fd = bpf_program__fd(stages->progs.stage_parse);
	cases[ST_LOOKUP].prog_fd = bpf_program__fd(stages->progs.stage_lookup);
	cases[ST_REWRITE].prog_fd = bpf_program__fd(stages->progs.stage_rewrite);
	cases[ST_REWRITE].kind = K_SWITCHED;
	cases[ST_SESSION].prog_fd = bpf_program__fd(stages->progs.stage_session);
	cases[ST_SESSION].kind = K_SWITCHED;
	cases[PR_KTIME].prog_fd = bpf_program__fd(stages->progs.probe_ktime);
	cases[PR_KTIME_COARSE].prog_fd = bpf_program__fd(stages->progs.probe_ktime_coarse);
	cases[PR_DEVHASH].prog_fd = bpf_program__fd(stages->progs.probe_devhash_lookup);
	cases[PR_REDIR_HASH].prog_fd = bpf_program__fd(stages->progs.probe_redirect_hash);
	cases[PR_REDIR_HASH].verdict = XDP_REDIRECT;
	cases[PR_REDIR_ARRAY].prog_fd = bpf_program__fd(stages->progs.probe_redirect_array);
	cases[PR_REDIR_ARRAY].verdict = XDP_REDIRECT;

	/* Every program once in the dispatcher (see "Anchors" at the top). */
	for (i = 0; i < N_CASES && !err; i++) {
		for (j = 0; j < i && cases[j].prog_fd != cases[i].prog_fd; j++)
			;
		if (j == i)
			err = anchor(b, n_anchored++, cases[i].prog_fd);
	}
	err = err ?: measure(b, cases, N_CASES);
	if (err)
		goto out;

	nop_ns = fig(b, &cases[NOP]);
	printf("### Part 1: program cost (BPF_PROG_TEST_RUN, %u-byte frames, best of %u rounds "
	       "of %" PRIu64 " frames)\n\n",
	       b->size, b->rounds, b->frames);
	printf("| frame | lts_xdp ns/frame | reference ns/frame | ratio | target | "
	       "lts_xdp - floor | reference - floor |\n");
	printf("|---|---:|---:|---:|---|---:|---:|\n");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		double ns = fig(b, &cases[rows[i].lts]), ref_ns = fig(b, &cases[rows[i].ref]);

		printf("| %s | %.1f | %.1f | %.2f | %s | %.1f | %.1f |\n", rows[i].label, ns,
		       ref_ns, ns / ref_ns, rows[i].target, ns - nop_ns, ref_ns - nop_ns);
	}
	printf("\nReferences: MAC swap + XDP_TX (ref_tx.bpf.c) for the XDP_TX and XDP_PASS rows, "
	       "MAC rewrite + devmap redirect (ref_fwd.bpf.c, the forwarder of part 2) for the "
	       "REDIRECT row. Floor: an empty XDP_TX program, %.1f ns, the test-run loop's own "
	       "cost per run, included in every figure.\n",
	       nop_ns);
	printf("Median of the rounds (how noisy this run was):");
	for (i = 0; i < NOP + 1; i++)
		printf(" %s %.1f%s", names[i], mfig(b, &cases[i]), i < NOP ? ";" : " ns/frame.\n");
	printf("Kernel's own timer (best round; whole ns, rounded down):");
	for (i = 0; i < NOP + 1; i++)
		printf(" %s %.1f%s", names[i], kfig(b, &cases[i]), i < NOP ? ";" : " ns/frame\n\n");

	printf("#### Where lts_xdp spends its time (switched frame, XDP_TX)\n\n");
	printf("The program's own pipeline (bpf/lib) cut after each stage "
	       "(tests/bench/stages.bpf.c), measured the same way.\n\n");
	printf("| pipeline up to | ns/frame | this stage |\n|---|---:|---:|\n");
	for (i = 0; i < sizeof(stages_rows) / sizeof(stages_rows[0]); i++) {
		double ns = fig(b, &cases[stages_rows[i].c]);

		if (i)
			printf("| %s | %.1f | %+.1f |\n", stages_rows[i].label, ns, ns - prev);
		else
			printf("| %s | %.1f | |\n", stages_rows[i].label, ns);
		prev = ns;
	}
	printf("\nSingle operations, each an XDP program of its own (tests/bench/stages.bpf.c, "
	       "probe_*), floor subtracted:\n\n");
	printf("| operation | ns/frame |\n|---|---:|\n");
	for (i = 0; i < sizeof(probe_rows) / sizeof(probe_rows[0]); i++)
		printf("| %s | %.1f |\n", probe_rows[i].label,
		       fig(b, &cases[probe_rows[i].c]) - nop_ns);
	printf("\n");
	if (b->data_path) {
		data = fopen(b->data_path, "w");
		if (!data) {
			err = -errno;
			goto out;
		}
		fprintf(data, "# case ns_per_frame\n");
		for (i = 0; i < N_CASES; i++)
			fprintf(data, "\"%s\" %.2f\n", cases[i].name, fig(b, &cases[i]));
		fclose(data);
	}
out:
	unanchor(b);
	free(perm);
	leg_ids_free(&ids);
	bench_stages__destroy(stages);
	bench_ref_fwd__destroy(fwd);
	bench_ref_tx__destroy(ref);
	lts_bpf_destroy(b->skel, 0);
	b->skel = NULL;
	return err;
}

/* ---- part 3 ---- */

static int parse_list(const char *s, uint64_t *out, unsigned int *n)
{
	char *copy = strdup(s), *tok, *save = NULL, *end;

	if (!copy)
		return -ENOMEM;
	*n = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned long long v = strtoull(tok, &end, 10);

		if (*end || !v || v > 4194304 || *n == MAX_SCALES) {
			free(copy);
			return -EINVAL;
		}
		out[(*n)++] = v;
	}
	free(copy);
	return *n ? 0 : -EINVAL;
}

static int cmd_scale(struct bench *b, const char *list)
{
	struct lts_xdp *skels[MAX_SCALES] = {};
	struct bench_case cases[MAX_SCALES] = {};
	struct leg_ids ids[MAX_SCALES] = {};
	struct chain_maps lm;
	uint32_t *perms[MAX_SCALES] = {};
	uint64_t sessions[MAX_SCALES];
	double ns[MAX_SCALES], kns[MAX_SCALES], mns[MAX_SCALES];
	int64_t mem[MAX_SCALES];
	char per_map[256] = "";
	unsigned int n, i;
	FILE *data = NULL;
	int err;

	err = parse_list(list, sessions, &n);
	if (err) {
		fprintf(stderr, "bench_prog: --sessions: comma-separated counts 1..4194304\n");
		return err;
	}
	/*
	 * All table sizes are loaded at once and measured in alternating
	 * rounds like part 1, so that the growth ratio compares figures taken
	 * under the same load.
	 */
	for (i = 0; i < n && !err; i++) {
		uint64_t legs = 2 * sessions[i], t0;

		/* switch_table has 2 slots a session (bpf_loader.c). */
		perms[i] = chain_order(legs);
		err = perms[i] ? leg_ids_assign(&ids[i], legs, (uint32_t)legs, legs) : -ENOMEM;
		err = err ?: load_lts(b, (uint32_t)sessions[i], ids[i].n_wide);
		if (err)
			break;
		skels[i] = b->skel;
		cases[i] = (struct bench_case){
		    .name = "lts_xdp switched",
		    .prog_fd = bpf_program__fd(b->skel->progs.lts_xdp),
		    .kind = K_SWITCHED,
		    .verdict = XDP_TX,
		    .reason = LTS_R_SWITCHED_TX,
		    .n_legs = legs,
		    .perm = perms[i],
		    .ids = &ids[i],
		    .skel = b->skel,
		    /* Every leg at least twice a round: the table is walked shuffled. */
		    .frames = b->frames > 2 * legs ? b->frames : 2 * legs,
		};
		t0 = now_ns();
		lm = lts_maps(b->skel);
		err = anchor(b, i, cases[i].prog_fd)
			  ?: install_chain(&lm, &ids[i], perms[i], legs, 0, b->ifindex, b->ifindex,
					   0);
		mem[i] = lts_map_memory(b->skel, per_map, sizeof(per_map));
		fprintf(stderr, "bench_prog: %" PRIu64 " sessions installed in %.1f s\n",
			sessions[i], (double)(now_ns() - t0) / 1e9);
	}
	b->skel = NULL;
	err = err ?: measure(b, cases, n);
	for (i = 0; i < n; i++) {
		if (!err) {
			ns[i] = fig(b, &cases[i]);
			kns[i] = kfig(b, &cases[i]);
			mns[i] = mfig(b, &cases[i]);
		}
		lts_bpf_destroy(skels[i], 0);
		free(perms[i]);
	}
	unanchor(b);
	if (err) {
		for (i = 0; i < n; i++)
			leg_ids_free(&ids[i]);
		return err;
	}

	printf("### Part 3: cost vs sessions installed (BPF_PROG_TEST_RUN, %u-byte frames, "
	       "frames spread over all sessions, best of %u rounds)\n\n",
	       b->size, b->rounds);
	printf("| sessions | switch-table entries | of them in the wide table | ns/frame | "
	       "reference (1 session) | growth | target | BPF map memory | bytes/session | "
	       "target |\n");
	printf("|---:|---:|---:|---:|---:|---:|---|---:|---:|---|\n");
	for (i = 0; i < n; i++) {
		char m[32];

		print_mib(m, sizeof(m), mem[i]);
		printf("| %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %.1f | %.1f | %.2f | %s | %s | "
		       "%.0f | %s |\n",
		       sessions[i], 2 * sessions[i], ids[i].n_wide, ns[i], ns[0], ns[i] / ns[0],
		       i == n - 1 ? "<= 250 ns (at ~30 ns for 1)" : "(none)", m,
		       mem[i] < 0 ? -1.0 : (double)mem[i] / (double)sessions[i],
		       i == n - 1 ? "<= 160" : "(none)");
	}
	for (i = 0; i < n; i++)
		leg_ids_free(&ids[i]);
	printf("\nmax_sessions = sessions installed (maps sized like an operator would: "
	       "switch_table has exactly one slot per leg), session IDs handed out as ltsd's "
	       "allocator does; a leg whose tunnel finds no free slot goes to the wide table. "
	       "Memory = fdinfo memlock of all lts maps, %d possible CPUs (only reason_stats is "
	       "per CPU). At %" PRIu64 " sessions, bytes per map: %s.\n",
	       libbpf_num_possible_cpus(), sessions[n - 1], per_map);
	printf("Median of the rounds (how noisy this run was):");
	for (i = 0; i < n; i++)
		printf(" %" PRIu64 ": %.1f%s", sessions[i], mns[i], i + 1 < n ? "," : "");
	printf(" ns/frame.\nKernel's own timer (best round; whole ns, rounded down):");
	for (i = 0; i < n; i++)
		printf(" %" PRIu64 ": %.1f%s", sessions[i], kns[i], i + 1 < n ? "," : "");
	printf(" ns/frame\n\n");
	if (b->data_path) {
		data = fopen(b->data_path, "w");
		if (!data)
			return -errno;
		fprintf(data, "# sessions ns_per_frame bytes_per_session\n");
		for (i = 0; i < n; i++)
			fprintf(data, "%" PRIu64 " %.2f %.0f\n", sessions[i], ns[i],
				(double)mem[i] / (double)sessions[i]);
		fclose(data);
	}
	return 0;
}

/* ---- main ---- */

static void usage(FILE *fp)
{
	fprintf(
	    fp,
	    "usage: bench_prog cost  --anchors IF,IF,IF [--frames N] [--rounds R] [--size BYTES]\n"
	    "                        [--data FILE]\n"
	    "       bench_prog scale --anchors IF,.. [--frames N] [--rounds R] [--size BYTES]\n"
	    "                        [--data FILE] [--sessions N,N,...]\n"
	    "  --anchors idle interfaces of this namespace that the programs measured are\n"
	    "            attached to (unconnected veth ends; see the top of bench_prog.c)\n"
	    "  --frames  runs per program and round (default 2000000)\n"
	    "  --rounds  rounds, the median is reported (default 5)\n"
	    "  --size    Ethernet frame without FCS, 64..%d (default 64)\n",
	    MAX_FRAME);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"frames", required_argument, NULL, 'n'},
	    {"rounds", required_argument, NULL, 'r'},
	    {"size", required_argument, NULL, 'z'},
	    {"data", required_argument, NULL, 'd'},
	    {"sessions", required_argument, NULL, 's'},
	    {"anchors", required_argument, NULL, 'a'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	struct bench b = {.size = 64, .frames = 2000000, .rounds = 5};
	const char *sessions = "1,1000,65536,1048576", *cmd;
	cpu_set_t set;
	int c, err, cpu;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			b.frames = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			b.rounds = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'z':
			b.size = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			b.data_path = optarg;
			break;
		case 's':
			sessions = optarg;
			break;
		case 'a':
			if (parse_anchors(&b, optarg))
				return 2;
			break;
		case 'v':
			b.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !b.frames || !b.rounds || b.rounds > MAX_ROUNDS || b.size < 64 ||
	    b.size > MAX_FRAME) {
		usage(stderr);
		return 2;
	}
	/* Any interface of this namespace will do: test runs transmit nothing. */
	b.ifindex = if_nametoindex("lo");
	if (!b.ifindex) {
		fprintf(stderr, "bench_prog: no lo interface\n");
		return 1;
	}
	/* Stay on one CPU: the figures then include no migration. */
	cpu = sched_getcpu();
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	lts_log_set_level(LTS_LOG_WARN);
	lts_log_hook_libs();
	if (!strcmp(cmd, "cost"))
		err = cmd_cost(&b);
	else if (!strcmp(cmd, "scale"))
		err = cmd_scale(&b, sessions);
	else {
		usage(stderr);
		return 2;
	}
	return err ? 1 : 0;
}
