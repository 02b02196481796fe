// SPDX-License-Identifier: GPL-2.0
/*
 * BPF_PROG_TEST_RUN fixture runner for the XDP program lts_xdp.
 *
 * Reads the fixtures written by tests/bpf/gen_fixtures.py (format described
 * at the top of that script), and for each one: empties the switch tables,
 * installs the fixture's entries the way ltsd does (lts_bpf_install: each
 * compiled with zero counters into the fast table's slot of its IDs, or the
 * wide table for IPv6 legs and a slot an earlier entry holds, its egress
 * half into a next hop of its own), runs every frame through the program and
 * compares the verdict, the output bytes (hex dump on mismatch), the reason
 * counters (exactly the expected one rises, by one) and finally the
 * entries' counters, summed per stats index and direction.
 *
 * Test runs happen in the caller's network namespace: the TX interface is
 * the ingress ifindex of every run (the kernel resolves it there), the
 * REDIRECT interface is put into the tx_ports devmap. Without
 * BPF_F_TEST_XDP_LIVE_FRAMES the kernel returns XDP_TX and XDP_REDIRECT as
 * plain verdicts and copies the rewritten frame to data_out; nothing is
 * transmitted, so redirected frames are checked exactly like XDP_TX ones.
 *
 * The kernel wants at least an Ethernet header of data_in. A shorter frame
 * is passed as data_in padded to ETH_HLEN with ctx.data_end = its length:
 * the program sees only the linear part (the filler goes into a fragment,
 * which a single-buffer program cannot reach), and the filler must come
 * back unchanged. Kernels without that ctx.data_end support (before 6.18)
 * refuse it; such fixtures are skipped.
 *
 * Output: "ok N name" or "not ok N name: why" per fixture, "# " detail
 * lines after a failure, and the closing line "N passed, N failed".
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "dp/bpf_loader.h"
#include "dp/entry.h"
#include "lib/log.h"
#include "lts_l2tp.h"
#include "lts_maps.h"
#include "lts_xdp.skel.h"

#define FX_MAX_ENTRIES 16
#define FX_MAX_PACKETS 64
#define FX_MAX_STATS 16
#define FX_MAX_FRAME 3000      /* stays in the linear part of a test run */
#define FX_HEADROOM_GROWTH 256 /* the most a frame may grow (XDP headroom) */
#define FX_FILLER 0xee
#define FX_DIAG_SIZE (1 << 16)

enum fx_egress { FX_EG_TX, FX_EG_REDIRECT, FX_EG_MISSING };

struct fx_entry {
	struct lts_switch_key key;
	struct lts_switch_val val;
	enum fx_egress egress;
};

struct fx_packet {
	int verdict;
	int reason;
	uint8_t *in;
	size_t in_len;
	uint8_t *out;
	size_t out_len;
};

struct fx_stats {
	uint32_t idx;
	uint64_t packets[LTS_DIR_MAX];
	uint64_t bytes[LTS_DIR_MAX];
	uint64_t dropped[LTS_DIR_MAX];
};

struct fixture {
	char name[128];
	unsigned int line;
	struct fx_entry entries[FX_MAX_ENTRIES];
	unsigned int n_entries;
	struct fx_packet packets[FX_MAX_PACKETS];
	unsigned int n_packets;
	struct fx_stats stats[FX_MAX_STATS];
	unsigned int n_stats;
};

struct runner {
	struct lts_xdp *skel;
	int prog_fd;
	uint32_t n_slots;
	uint32_t slot[FX_MAX_ENTRIES]; /* where the current fixture's entries are */
	unsigned int n_installed;
	uint32_t tx_ifindex;
	uint32_t redirect_ifindex;
	uint32_t missing_ifindex;
	const char *match;
	bool verbose;
	unsigned int n;
	unsigned int passed;
	unsigned int failed;
	unsigned int skipped;
};

/* Failure details, printed as "# " lines after the fixture's result line. */
struct diag {
	char why[256];
	char buf[FX_DIAG_SIZE];
	size_t len;
	bool skip;
};

#define REASON_NAME(sym, name, help) name,
static const char *const reason_names[LTS_R_MAX] = {LTS_REASONS(REASON_NAME)};
#undef REASON_NAME

/* clang-format off */
static const char *const verdict_names[] = {
	[XDP_ABORTED] = "XDP_ABORTED",
	[XDP_DROP] = "XDP_DROP",
	[XDP_PASS] = "XDP_PASS",
	[XDP_TX] = "XDP_TX",
	[XDP_REDIRECT] = "XDP_REDIRECT",
};
/* clang-format on */

static const char *verdict_name(unsigned int v)
{
	return v < sizeof(verdict_names) / sizeof(verdict_names[0]) ? verdict_names[v] : "?";
}

__attribute__((format(printf, 2, 3))) static void diag_add(struct diag *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (d->len >= sizeof(d->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(d->buf + d->len, sizeof(d->buf) - d->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* vsnprintf reports what it would have written: clamp on overflow. */
	d->len += (size_t)n;
	if (d->len >= sizeof(d->buf))
		d->len = sizeof(d->buf) - 1;
}

/* The first failure names the fixture's result; later ones only add detail. */
__attribute__((format(printf, 2, 3))) static void diag_fail(struct diag *d, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!d->why[0])
		snprintf(d->why, sizeof(d->why), "%s", msg);
	else
		diag_add(d, "# %s\n", msg);
}

/* Side-by-side dump, 16 bytes a row, rows that differ marked with '!'. */
static void diag_hexdiff(struct diag *d, const uint8_t *exp, size_t exp_len, const uint8_t *got,
			 size_t got_len)
{
	size_t max = exp_len > got_len ? exp_len : got_len;
	size_t off, i, first = max;

	for (i = 0; i < max; i++) {
		if (i >= exp_len || i >= got_len || exp[i] != got[i]) {
			first = i;
			break;
		}
	}
	diag_add(d, "#   expected %zu bytes, got %zu; first difference at byte %zu\n", exp_len,
		 got_len, first);
	diag_add(d, "#   off  %-48s  %s\n", "expected", "got");
	for (off = 0; off < max; off += 16) {
		char e[64] = "", g[64] = "";
		bool differs = false;

		for (i = off; i < off + 16 && i < max; i++) {
			if (i < exp_len)
				snprintf(e + strlen(e), sizeof(e) - strlen(e), "%02x ", exp[i]);
			else
				strcat(e, "   ");
			if (i < got_len)
				snprintf(g + strlen(g), sizeof(g) - strlen(g), "%02x ", got[i]);
			else
				strcat(g, "   ");
			if (i >= exp_len || i >= got_len || exp[i] != got[i])
				differs = true;
		}
		diag_add(d, "# %c %04zx  %-48s  %s\n", differs ? '!' : ' ', off, e, g);
	}
}

/* ---- fixture file parsing ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly len bytes of hex into out. */
static int parse_hex_fixed(const char *s, uint8_t *out, size_t len)
{
	size_t i;

	if (strlen(s) != 2 * len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* A frame: hex or "-" for the empty frame; allocates *out. */
static int parse_frame(const char *s, uint8_t **out, size_t *len)
{
	size_t n;

	*out = NULL;
	*len = 0;
	if (!strcmp(s, "-"))
		return 0;
	n = strlen(s);
	if (n % 2 || n / 2 > FX_MAX_FRAME)
		return -EINVAL;
	*out = malloc(n / 2);
	if (!*out)
		return -ENOMEM;
	*len = n / 2;
	return parse_hex_fixed(s, *out, n / 2);
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

enum fld_kind { FLD_U8, FLD_U16, FLD_U32, FLD_ADDR, FLD_MAC, FLD_EGRESS };

struct fld {
	const char *name;
	enum fld_kind kind;
	bool in_key;
	size_t off;
};

/* clang-format off */
#define FK(f, k) { "k_" #f, k, true, offsetof(struct lts_switch_key, f) }
#define FV(f, k) { "v_" #f, k, false, offsetof(struct lts_switch_val, f) }
static const struct fld entry_fields[] = {
	FK(family, FLD_U8),
	FK(peer_port, FLD_U16),
	FK(tunnel_id, FLD_U16),
	FK(session_id, FLD_U16),
	FK(peer_addr, FLD_ADDR),
	FK(local_addr, FLD_ADDR),
	FV(family, FLD_U8),
	FV(flags, FLD_U8),
	FV(dscp, FLD_U8),
	FV(dir, FLD_U8),
	FV(local_port, FLD_U16),
	FV(peer_port, FLD_U16),
	FV(peer_tunnel_id, FLD_U16),
	FV(peer_session_id, FLD_U16),
	FV(vlan_tci, FLD_U16),
	FV(mtu, FLD_U16),
	FV(ifindex, FLD_EGRESS),
	FV(stats_idx, FLD_U32),
	FV(local_addr, FLD_ADDR),
	FV(peer_addr, FLD_ADDR),
	FV(src_mac, FLD_MAC),
	FV(dst_mac, FLD_MAC),
	FV(police_kbps, FLD_U32),
	FV(police_burst, FLD_U32),
};
#undef FK
#undef FV
/* clang-format on */
#define N_ENTRY_FIELDS (sizeof(entry_fields) / sizeof(entry_fields[0]))

static int parse_field(struct fx_entry *e, const struct fld *f, const char *v)
{
	uint8_t *base = f->in_key ? (uint8_t *)&e->key : (uint8_t *)&e->val;
	uint8_t *p = base + f->off;
	uint64_t x;
	int err;

	switch (f->kind) {
	case FLD_U8:
		err = parse_u64(v, UINT8_MAX, &x);
		if (!err)
			*p = (uint8_t)x;
		return err;
	case FLD_U16:
		err = parse_u64(v, UINT16_MAX, &x);
		if (!err) {
			uint16_t u = (uint16_t)x;

			memcpy(p, &u, sizeof(u));
		}
		return err;
	case FLD_U32:
		err = parse_u64(v, UINT32_MAX, &x);
		if (!err) {
			uint32_t u = (uint32_t)x;

			memcpy(p, &u, sizeof(u));
		}
		return err;
	case FLD_ADDR:
		return parse_hex_fixed(v, p, 16);
	case FLD_MAC:
		return parse_hex_fixed(v, p, 6);
	case FLD_EGRESS:
		if (!strcmp(v, "TX"))
			e->egress = FX_EG_TX;
		else if (!strcmp(v, "REDIRECT"))
			e->egress = FX_EG_REDIRECT;
		else if (!strcmp(v, "MISSING"))
			e->egress = FX_EG_MISSING;
		else
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

static int parse_entry(char *args, struct fx_entry *e, char *err, size_t errlen)
{
	bool seen[N_ENTRY_FIELDS] = {};
	char *tok, *save = NULL;
	size_t i;

	memset(e, 0, sizeof(*e));
	for (tok = strtok_r(args, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq) {
			snprintf(err, errlen, "entry: '%s' is not FIELD=VALUE", tok);
			return -EINVAL;
		}
		*eq = '\0';
		for (i = 0; i < N_ENTRY_FIELDS; i++)
			if (!strcmp(entry_fields[i].name, tok))
				break;
		if (i == N_ENTRY_FIELDS || seen[i]) {
			snprintf(err, errlen, "entry: unknown or repeated field '%s'", tok);
			return -EINVAL;
		}
		seen[i] = true;
		if (parse_field(e, &entry_fields[i], eq + 1)) {
			snprintf(err, errlen, "entry: bad value '%s' for %s", eq + 1, tok);
			return -EINVAL;
		}
	}
	for (i = 0; i < N_ENTRY_FIELDS; i++) {
		if (!seen[i]) {
			snprintf(err, errlen, "entry: field %s missing", entry_fields[i].name);
			return -EINVAL;
		}
	}
	return 0;
}

static int lookup_name(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return (int)i;
	return -1;
}

static int parse_packet(char *args, struct fx_packet *p, char *err, size_t errlen)
{
	char *f[4], *save = NULL;
	int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < 4; i++) {
		f[i] = strtok_r(i ? NULL : args, " ", &save);
		if (!f[i]) {
			snprintf(err, errlen, "packet: want VERDICT REASON IN OUT");
			return -EINVAL;
		}
	}
	if (strtok_r(NULL, " ", &save)) {
		snprintf(err, errlen, "packet: trailing fields");
		return -EINVAL;
	}
	p->verdict =
	    lookup_name(verdict_names, sizeof(verdict_names) / sizeof(verdict_names[0]), f[0]);
	p->reason = lookup_name(reason_names, LTS_R_MAX, f[1]);
	if (p->verdict < 0 || p->reason < 0) {
		snprintf(err, errlen, "packet: unknown verdict '%s' or reason '%s'", f[0], f[1]);
		return -EINVAL;
	}
	if (parse_frame(f[2], &p->in, &p->in_len) || parse_frame(f[3], &p->out, &p->out_len)) {
		snprintf(err, errlen, "packet: bad frame hex (or longer than %d bytes)",
			 FX_MAX_FRAME);
		return -EINVAL;
	}
	return 0;
}

static int parse_stats(char *args, struct fx_stats *s, char *err, size_t errlen)
{
	char *f, *save = NULL;
	uint64_t v[7] = { 0 };
	bool bad = false;
	int i, n;

	for (n = 0; n < 7 && (f = strtok_r(n ? NULL : args, " ", &save)); n++)
		bad |= parse_u64(f, n ? UINT64_MAX : UINT32_MAX, &v[n]) != 0;
	if (bad || (n != 5 && n != 7) || strtok_r(NULL, " ", &save)) {
		snprintf(err, errlen,
			 "stats: want IDX PACKETS0 BYTES0 PACKETS1 BYTES1 [DROPPED0 DROPPED1]");
		return -EINVAL;
	}
	s->idx = (uint32_t)v[0];
	for (i = 0; i < LTS_DIR_MAX; i++) {
		s->packets[i] = v[1 + 2 * i];
		s->bytes[i] = v[2 + 2 * i];
		s->dropped[i] = v[5 + i];
	}
	return 0;
}

static void fixture_reset(struct fixture *fx)
{
	unsigned int i;

	for (i = 0; i < fx->n_packets; i++) {
		free(fx->packets[i].in);
		free(fx->packets[i].out);
	}
	memset(fx, 0, sizeof(*fx));
}

/* ---- running ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Take the previous fixture's entries out: wide keys deleted, slots zeroed. */
static int clear_switch_tables(struct runner *r)
{
	int fd = bpf_map__fd(r->skel->maps.switch_wide);
	struct lts_fast_entry zero = {};
	struct lts_switch_key key;
	unsigned int i;
	int err;

	while (!bpf_map_get_next_key(fd, NULL, &key))
		if (bpf_map_delete_elem(fd, &key))
			return -errno;
	for (i = 0; i < r->n_installed; i++) {
		if (r->slot[i] == LTS_SLOT_WIDE)
			continue;
		err = bpf_map__update_elem(r->skel->maps.switch_table, &r->slot[i],
					   sizeof(r->slot[i]), &zero, sizeof(zero), BPF_ANY);
		if (err)
			return err;
	}
	r->n_installed = 0;
	return 0;
}

/*
 * Where fixture entry i goes, as ltsd places it: an IPv4 leg in the
 * switch_table slot of its IDs unless an earlier entry holds it, anything
 * else in switch_wide.
 */
static uint32_t place(struct runner *r, const struct fixture *fx, unsigned int i)
{
	const struct fx_entry *e = &fx->entries[i];
	uint32_t slot;
	unsigned int j;

	if (!lts_entry_is_fast(&e->key, &e->val))
		return LTS_SLOT_WIDE;
	slot = lts_slot(e->key.tunnel_id, e->key.session_id, r->n_slots);
	for (j = 0; j < i; j++)
		if (r->slot[j] == slot)
			return LTS_SLOT_WIDE;
	return slot;
}

static int read_reasons(struct runner *r, int64_t *counts)
{
	int i;

	for (i = 0; i < LTS_R_MAX; i++) {
		counts[i] = lts_bpf_reason_count(r->skel, (enum lts_reason)i);
		if (counts[i] < 0)
			return (int)counts[i];
	}
	return 0;
}

static uint32_t egress_ifindex(const struct runner *r, enum fx_egress eg)
{
	switch (eg) {
	case FX_EG_TX:
		return r->tx_ifindex;
	case FX_EG_REDIRECT:
		return r->redirect_ifindex;
	case FX_EG_MISSING:
		break;
	}
	return r->missing_ifindex;
}

static int install(struct runner *r, const struct fixture *fx, struct diag *d)
{
	struct lts_nh_entry nh;
	unsigned int i;
	int err;

	err = clear_switch_tables(r);
	if (err) {
		diag_fail(d, "cannot empty the switch tables: %s", strerror(-err));
		return err;
	}
	for (i = 0; i < fx->n_entries; i++) {
		struct fx_entry e = fx->entries[i];

		/* Entry i is behind next hop i + 1, made of its egress fields. */
		e.val.ifindex = egress_ifindex(r, e.egress);
		lts_entry_nh(&e.val, &nh);
		r->slot[i] = place(r, fx, i);
		r->n_installed = i + 1;
		err = lts_bpf_set_nexthop(r->skel, i + 1, &nh);
		err = err ?: lts_bpf_install(r->skel, r->slot[i], &e.key, &e.val, i + 1);
		if (err) {
			diag_fail(d, "cannot install entry %u: %s", i, strerror(-err));
			return err;
		}
	}
	return 0;
}

static void run_packet(struct runner *r, unsigned int pi, const struct fx_packet *p, struct diag *d)
{
	static uint8_t in[FX_MAX_FRAME + ETH_HLEN], out[FX_MAX_FRAME + FX_HEADROOM_GROWTH + 64];
	size_t filler = p->in_len < ETH_HLEN ? ETH_HLEN - p->in_len : 0;
	size_t got_len, tail, i;
	int64_t before[LTS_R_MAX], after[LTS_R_MAX];
	struct xdp_md ctx_in = {
	    .data = 0,
	    .data_end = (__u32)p->in_len,
	    .ingress_ifindex = r->tx_ifindex,
	    .rx_queue_index = 0,
	};
	struct xdp_md ctx_out = {};
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = in,
		    .data_size_in = (__u32)(p->in_len + filler), .data_out = out,
		    .data_size_out = sizeof(out), .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in),
		    .ctx_out = &ctx_out, .ctx_size_out = sizeof(ctx_out), .repeat = 1);
	bool bad_counts = false;
	int err;

	if (p->in_len)
		memcpy(in, p->in, p->in_len);
	memset(in + p->in_len, FX_FILLER, filler);
	memset(out, 0, sizeof(out));

	err = read_reasons(r, before);
	if (err) {
		diag_fail(d, "packet %u: cannot read reason_stats: %s", pi, strerror(-err));
		return;
	}
	err = bpf_prog_test_run_opts(r->prog_fd, &topts);
	if (err) {
		err = -errno;
		if (filler && err == -EINVAL) {
			d->skip = true;
			snprintf(d->why, sizeof(d->why),
				 "kernel cannot test-run a %zu-byte frame (ctx.data_end < %d)",
				 p->in_len, ETH_HLEN);
			return;
		}
		diag_fail(d, "packet %u: BPF_PROG_TEST_RUN failed: %s", pi, strerror(-err));
		return;
	}
	err = read_reasons(r, after);
	if (err) {
		diag_fail(d, "packet %u: cannot read reason_stats: %s", pi, strerror(-err));
		return;
	}

	if (topts.retval != (__u32)p->verdict)
		diag_fail(d, "packet %u: verdict %s, expected %s", pi, verdict_name(topts.retval),
			  verdict_name((unsigned int)p->verdict));

	for (i = 0; i < LTS_R_MAX; i++) {
		int64_t delta = after[i] - before[i], want = (int)i == p->reason;

		if (delta != want)
			bad_counts = true;
	}
	if (bad_counts) {
		diag_fail(d, "packet %u: reason counters wrong, expected %s +1", pi,
			  reason_names[p->reason]);
		for (i = 0; i < LTS_R_MAX; i++)
			if (after[i] != before[i])
				diag_add(d, "#   %s %+" PRId64 "\n", reason_names[i],
					 after[i] - before[i]);
	}

	/* The frame is out[data..data_end]; a filler fragment follows it. */
	if (ctx_out.data > ctx_out.data_end || ctx_out.data_end > topts.data_size_out ||
	    topts.data_size_out > sizeof(out)) {
		diag_fail(d, "packet %u: odd output layout: data %u data_end %u size %u", pi,
			  ctx_out.data, ctx_out.data_end, topts.data_size_out);
		return;
	}
	got_len = ctx_out.data_end - ctx_out.data;
	tail = topts.data_size_out - ctx_out.data_end;
	if (got_len != p->out_len || (p->out_len && memcmp(out + ctx_out.data, p->out, got_len))) {
		diag_fail(d, "packet %u: output frame differs (%s %s)", pi,
			  verdict_name((unsigned int)p->verdict), reason_names[p->reason]);
		diag_hexdiff(d, p->out, p->out_len, out + ctx_out.data, got_len);
	}
	if (tail != filler) {
		diag_fail(d, "packet %u: %zu bytes after data_end, expected %zu", pi, tail, filler);
	} else {
		for (i = 0; i < tail; i++) {
			if (out[ctx_out.data_end + i] != FX_FILLER) {
				diag_fail(d, "packet %u: filler after data_end modified", pi);
				break;
			}
		}
	}
	if (r->verbose) {
		diag_add(d, "# packet %u: %s %s, %zu -> %zu bytes\n", pi,
			 verdict_name(topts.retval), reason_names[p->reason], p->in_len, got_len);
	}
}

/* The counters of the fixture's entries with stats index idx, per direction. */
static int sum_stats(struct runner *r, const struct fixture *fx, uint32_t idx,
		     struct lts_session_stats *out)
{
	struct lts_dir_stats leg;
	struct lts_dir_stats *d;
	unsigned int i;
	int err;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < fx->n_entries; i++) {
		const struct fx_entry *e = &fx->entries[i];

		if (e->val.stats_idx != idx)
			continue;
		err = lts_bpf_leg_stats(r->skel, r->slot[i], &e->key, &leg);
		if (err)
			return err;
		d = &out->dir[e->val.dir & 1];
		d->packets += leg.packets;
		d->bytes += leg.bytes;
		d->dropped += leg.dropped;
		if (leg.last_seen_ns > d->last_seen_ns)
			d->last_seen_ns = leg.last_seen_ns;
	}
	return 0;
}

static void check_stats(struct runner *r, const struct fixture *fx, uint64_t t0, uint64_t t1,
			struct diag *d)
{
	/* Entries stamp in units of 2^LTS_LAST_SEEN_SHIFT ns, lowest bit set. */
	const uint64_t slack = 2ull << LTS_LAST_SEEN_SHIFT;
	unsigned int i, dir;

	for (i = 0; i < fx->n_stats; i++) {
		const struct fx_stats *want = &fx->stats[i];
		struct lts_session_stats got;
		int err = sum_stats(r, fx, want->idx, &got);

		if (err) {
			diag_fail(d, "cannot read the counters of stats index %u: %s", want->idx,
				  strerror(-err));
			continue;
		}
		for (dir = 0; dir < LTS_DIR_MAX; dir++) {
			const struct lts_dir_stats *g = &got.dir[dir];

			if (g->packets != want->packets[dir] || g->bytes != want->bytes[dir] ||
			    g->dropped != want->dropped[dir])
				diag_fail(d,
					  "stats[%u].dir[%u]: %" PRIu64 " packets %" PRIu64
					  " bytes %" PRIu64 " policed, expected %" PRIu64
					  " packets %" PRIu64 " bytes %" PRIu64 " policed",
					  want->idx, dir, (uint64_t)g->packets, (uint64_t)g->bytes,
					  (uint64_t)g->dropped, want->packets[dir], want->bytes[dir],
					  want->dropped[dir]);
			if (want->packets[dir] &&
			    (g->last_seen_ns + slack < t0 || g->last_seen_ns > t1 + slack))
				diag_fail(d,
					  "stats[%u].dir[%u].last_seen_ns %" PRIu64
					  " outside the run [%" PRIu64 ", %" PRIu64 "]",
					  want->idx, dir, (uint64_t)g->last_seen_ns, t0, t1);
			if (!want->packets[dir] && g->last_seen_ns)
				diag_fail(d, "stats[%u].dir[%u].last_seen_ns set, no packets",
					  want->idx, dir);
		}
	}
}

static void run_fixture(struct runner *r, const struct fixture *fx)
{
	static struct diag d;
	uint64_t t0, t1;
	unsigned int i;

	if (r->match && !strstr(fx->name, r->match))
		return;
	memset(&d, 0, sizeof(d));
	r->n++;
	if (!install(r, fx, &d)) {
		t0 = now_ns();
		/* What ltsd does every second: the time the entries are stamped with. */
		lts_bpf_set_clock(r->skel, t0);
		for (i = 0; i < fx->n_packets && !d.skip; i++)
			run_packet(r, i, &fx->packets[i], &d);
		t1 = now_ns();
		if (!d.skip)
			check_stats(r, fx, t0, t1, &d);
	}
	if (d.skip) {
		printf("ok %u %s # SKIP %s\n", r->n, fx->name, d.why);
		r->skipped++;
	} else if (d.why[0]) {
		printf("not ok %u %s: %s\n", r->n, fx->name, d.why);
		r->failed++;
	} else {
		printf("ok %u %s\n", r->n, fx->name);
		r->passed++;
	}
	if (d.len && (d.why[0] || r->verbose))
		fputs(d.buf, stdout);
	fflush(stdout);
}

static int run_file(struct runner *r, FILE *fp, const char *path)
{
	static struct fixture fx;
	char err[256] = "";
	bool open_fx = false;
	unsigned int lineno = 0;
	size_t cap = 0;
	char *line = NULL;
	ssize_t n;
	int ret = 0;

	while ((n = getline(&line, &cap, fp)) >= 0) {
		char *args;

		lineno++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n || line[0] == '#')
			continue;
		args = strchr(line, ' ');
		if (args)
			*args++ = '\0';
		else
			args = line + n;

		if (!strcmp(line, "fixture")) {
			if (open_fx || !*args || strlen(args) >= sizeof(fx.name)) {
				snprintf(err, sizeof(err), "fixture without end, or bad name");
				break;
			}
			fixture_reset(&fx);
			snprintf(fx.name, sizeof(fx.name), "%s", args);
			fx.line = lineno;
			open_fx = true;
		} else if (!open_fx) {
			snprintf(err, sizeof(err), "'%s' outside a fixture", line);
			break;
		} else if (!strcmp(line, "entry")) {
			if (fx.n_entries == FX_MAX_ENTRIES) {
				snprintf(err, sizeof(err), "more than %d entries", FX_MAX_ENTRIES);
				break;
			}
			if (parse_entry(args, &fx.entries[fx.n_entries++], err, sizeof(err)))
				break;
		} else if (!strcmp(line, "packet")) {
			if (fx.n_packets == FX_MAX_PACKETS) {
				snprintf(err, sizeof(err), "more than %d packets", FX_MAX_PACKETS);
				break;
			}
			if (parse_packet(args, &fx.packets[fx.n_packets++], err, sizeof(err)))
				break;
		} else if (!strcmp(line, "stats")) {
			if (fx.n_stats == FX_MAX_STATS) {
				snprintf(err, sizeof(err), "more than %d stats", FX_MAX_STATS);
				break;
			}
			if (parse_stats(args, &fx.stats[fx.n_stats++], err, sizeof(err)))
				break;
		} else if (!strcmp(line, "end")) {
			if (!fx.n_packets) {
				snprintf(err, sizeof(err), "fixture %s has no packet", fx.name);
				break;
			}
			run_fixture(r, &fx);
			open_fx = false;
		} else {
			snprintf(err, sizeof(err), "unknown record '%s'", line);
			break;
		}
	}
	if (!err[0] && open_fx)
		snprintf(err, sizeof(err), "fixture %s without end", fx.name);
	if (!err[0] && ferror(fp))
		snprintf(err, sizeof(err), "read error: %s", strerror(errno));
	if (!err[0] && !r->n)
		snprintf(err, sizeof(err), "no fixture ran");
	if (err[0]) {
		printf("not ok %u %s:%u: %s\n", ++r->n, path, lineno, err);
		r->failed++;
		ret = -EINVAL;
	}
	fixture_reset(&fx);
	free(line);
	return ret;
}

static int resolve_ifindex(const char *name, uint32_t *out)
{
	unsigned int idx = if_nametoindex(name);

	if (!idx) {
		fprintf(stderr, "run_fixtures: no interface %s in this network namespace\n", name);
		return -ENODEV;
	}
	*out = idx;
	return 0;
}

/* An ifindex that names no interface here, hence is in no devmap either. */
static uint32_t unused_ifindex(void)
{
	char name[IF_NAMESIZE];
	uint32_t idx;

	for (idx = 4000; if_indextoname(idx, name); idx++)
		;
	return idx;
}

static void usage(FILE *fp)
{
	fprintf(fp, "usage: run_fixtures --fixtures FILE --tx-if NAME --redirect-if NAME\n"
		    "                    [--match SUBSTRING] [--verbose]\n"
		    "  --tx-if        ingress interface of every run (and egress of TX entries)\n"
		    "  --redirect-if  interface put into tx_ports (egress of REDIRECT entries)\n"
		    "  --match        run only fixtures whose name contains SUBSTRING\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"fixtures", required_argument, NULL, 'f'},
	    {"tx-if", required_argument, NULL, 't'},
	    {"redirect-if", required_argument, NULL, 'r'},
	    {"match", required_argument, NULL, 'm'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	const char *path = NULL, *tx_if = NULL, *redir_if = NULL;
	static const uint16_t ports[] = {LTS_L2TP_PORT_DEFAULT};
	struct lts_bpf_opts opts = {
	    .pin_dir = NULL,
	    .l2tp_ports = ports,
	    .n_l2tp_ports = 1,
	    .police = 1,
	};
	struct runner r = {};
	FILE *fp;
	int c, err;

	while ((c = getopt_long(argc, argv, "f:t:r:m:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			path = optarg;
			break;
		case 't':
			tx_if = optarg;
			break;
		case 'r':
			redir_if = optarg;
			break;
		case 'm':
			r.match = optarg;
			break;
		case 'v':
			r.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!path || !tx_if || !redir_if || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (resolve_ifindex(tx_if, &r.tx_ifindex) || resolve_ifindex(redir_if, &r.redirect_ifindex))
		return 2;
	if (r.tx_ifindex == r.redirect_ifindex) {
		fprintf(stderr, "run_fixtures: --tx-if and --redirect-if must differ\n");
		return 2;
	}
	r.missing_ifindex = unused_ifindex();

	fp = fopen(path, "r");
	if (!fp) {
		fprintf(stderr, "run_fixtures: %s: %s\n", path, strerror(errno));
		return 2;
	}

	lts_log_set_level(LTS_LOG_WARN);
	lts_log_hook_libs();
	err = lts_bpf_load(&opts, &r.skel);
	if (err) {
		printf("not ok 1 load lts_xdp: %s\n0 passed, 1 failed\n", strerror(-err));
		fclose(fp);
		return 1;
	}
	r.prog_fd = bpf_program__fd(r.skel->progs.lts_xdp);
	r.n_slots = lts_bpf_n_slots(r.skel);
	err = lts_bpf_add_tx_port(r.skel, r.redirect_ifindex);
	if (err) {
		printf("not ok 1 setup (tx_ports %s): %s\n0 passed, 1 failed\n", redir_if,
		       strerror(-err));
		lts_bpf_destroy(r.skel, 0);
		fclose(fp);
		return 1;
	}

	run_file(&r, fp, path);
	fclose(fp);
	lts_bpf_destroy(r.skel, 0);
	if (r.skipped)
		printf("# %u skipped\n", r.skipped);
	printf("%u passed, %u failed\n", r.passed, r.failed);
	return r.failed ? 1 : 0;
}
