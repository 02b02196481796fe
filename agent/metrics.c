// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus endpoint (see metrics.h): the exposition rendered from the
 * operator socket's view, monotonic totals over what comes and goes, and
 * libmicrohttpd driven from ltsd's event loop.
 *
 * Naming follows prometheus.io/docs/practices/naming: the lts_ prefix,
 * counters end in _total, base units in the name (_bytes, _seconds), and
 * labels only take values the configuration bounds (peer and rule names,
 * states, reasons) -- never a peer's Host Name or an address. Per-session
 * series, whose label set grows with the sessions, are opt-in
 * (metrics.per_session).
 */
#define LTS_LOG_SUBSYS LTS_TRACE_METRICS
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include "metrics.h"
#include "l2tp/ctrl_msg.h"
#include "lib/log.h"
#include "lib/util.h"

/* ------------------------------------------------------------ text */

/* The exposition being written; errors are sticky (checked once at the end). */
struct mbuf {
	char *buf;
	size_t len, cap;
	int err;
};

static bool mb_reserve(struct mbuf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *nb;

	if (b->err)
		return false;
	if (b->len + more < b->cap)
		return true;
	while (cap <= b->len + more)
		cap *= 2;
	nb = realloc(b->buf, cap);
	if (!nb) {
		b->err = -ENOMEM;
		return false;
	}
	b->buf = nb;
	b->cap = cap;
	return true;
}

static void mb_write(struct mbuf *b, const char *s, size_t n)
{
	if (!mb_reserve(b, n))
		return;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static void mb_puts(struct mbuf *b, const char *s)
{
	mb_write(b, s, strlen(s));
}

static __attribute__((format(printf, 2, 3))) void mb_printf(struct mbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !mb_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Bytes of the valid UTF-8 sequence at s (at most n), 0 if there is none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates, beyond U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/*
 * A label value or HELP text: backslash and newline escaped (and, in a
 * label value, the double quote), as the text format requires. Bytes that
 * are not UTF-8 become U+FFFD: the format is UTF-8 and a scraper rejects
 * the whole page over one bad byte.
 */
static void put_escaped(struct mbuf *b, const char *s, bool quote)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), k;

	while (n) {
		if (*p == '\\') {
			mb_write(b, "\\\\", 2);
			k = 1;
		} else if (*p == '\n') {
			mb_write(b, "\\n", 2);
			k = 1;
		} else if (*p == '"' && quote) {
			mb_write(b, "\\\"", 2);
			k = 1;
		} else if ((k = utf8_len(p, n))) {
			mb_write(b, (const char *)p, k);
		} else {
			mb_write(b, "\xef\xbf\xbd", 3);
			k = 1;
		}
		p += k;
		n -= k;
	}
}

struct label {
	const char *name;
	const char *value;
};

static void family(struct mbuf *b, const char *name, const char *type, const char *help)
{
	mb_printf(b, "# HELP %s ", name);
	put_escaped(b, help, false);
	mb_printf(b, "\n# TYPE %s %s\n", name, type);
}

static void sample(struct mbuf *b, const char *name, const struct label *l, size_t n,
		   uint64_t value)
{
	size_t i;

	mb_puts(b, name);
	for (i = 0; i < n; i++) {
		mb_printf(b, "%s%s=\"", i ? "," : "{", l[i].name);
		put_escaped(b, l[i].value ? l[i].value : "", true);
		mb_write(b, "\"", 1);
	}
	mb_printf(b, "%s %" PRIu64 "\n", n ? "}" : "", value);
}

/* A family of one unlabelled sample. */
static void scalar(struct mbuf *b, const char *name, const char *type, const char *help,
		   uint64_t value)
{
	family(b, name, type, help);
	sample(b, name, NULL, 0, value);
}

/* ------------------------------------------------------------ accumulator */

#define WORD_BITS 64

static size_t bitmap_words(uint32_t n_slots)
{
	return ((size_t)n_slots + WORD_BITS - 1) / WORD_BITS;
}

static bool bit_test(const uint64_t *map, uint32_t i)
{
	return map[i / WORD_BITS] >> (i % WORD_BITS) & 1;
}

static void bit_set(uint64_t *map, uint32_t i)
{
	map[i / WORD_BITS] |= 1ull << (i % WORD_BITS);
}

static void bit_clear(uint64_t *map, uint32_t i)
{
	map[i / WORD_BITS] &= ~(1ull << (i % WORD_BITS));
}

/* Fast and slow counters of slot idx through ops; an unset or failing hook reads as zero. */
static int read_slot(const struct lts_dp_ops *ops, uint32_t idx, struct lts_session_stats st[2])
{
	int err = 0;

	memset(st, 0, 2 * sizeof(*st));
	if (ops->fast_stats && ops->fast_stats(ops->ctx, idx, &st[0])) {
		memset(&st[0], 0, sizeof(st[0]));
		err = -EIO;
	}
	if (ops->slow_stats && ops->slow_stats(ops->ctx, idx, &st[1])) {
		memset(&st[1], 0, sizeof(st[1]));
		err = -EIO;
	}
	return err;
}

static void data_add(struct lts_metrics_data *d, const struct lts_session_stats st[2])
{
	int p, dir;

	for (p = 0; p < 2; p++) {
		for (dir = 0; dir < LTS_DIR_MAX; dir++) {
			d->packets[p][dir] += st[p].dir[dir].packets;
			d->bytes[p][dir] += st[p].dir[dir].bytes;
		}
	}
	for (dir = 0; dir < LTS_DIR_MAX; dir++)
		d->policed[dir] += st[0].dir[dir].dropped;
}

/* What slot idx counted goes into the total: it is about to be zeroed, or no session uses it. */
static void retire(struct lts_metrics_acc *acc, uint32_t idx)
{
	struct lts_session_stats st[2];

	if (read_slot(&acc->inner, idx, st))
		acc->retire_errors++;
	data_add(&acc->retired, st);
	bit_clear(acc->dirty, idx);
}

int lts_metrics_acc_init(struct lts_metrics_acc *acc, const struct lts_dp_ops *inner,
			 uint32_t n_slots, uint32_t n_static)
{
	size_t words = bitmap_words(n_slots);
	uint32_t i;

	memset(acc, 0, sizeof(*acc));
	acc->inner = *inner;
	acc->dirty = calloc(words ?: 1, sizeof(uint64_t));
	acc->live = calloc(words ?: 1, sizeof(uint64_t));
	if (!acc->dirty || !acc->live) {
		lts_metrics_acc_fini(acc);
		return -ENOMEM;
	}
	acc->n_slots = n_slots;
	/* Installed by the data plane at start, not through the hook. */
	for (i = 0; i < n_static && i < n_slots; i++)
		bit_set(acc->dirty, i);
	return 0;
}

void lts_metrics_acc_fini(struct lts_metrics_acc *acc)
{
	if (!acc)
		return;
	free(acc->dirty);
	free(acc->live);
	free(acc->seen);
	memset(acc, 0, sizeof(*acc));
}

static int acc_install(void *ctx, const struct lts_static_session *pair, uint32_t idx)
{
	struct lts_metrics_acc *acc = ctx;
	int err;

	/* The data plane zeroes the slot: keep what the previous call counted. */
	if (idx < acc->n_slots && bit_test(acc->dirty, idx))
		retire(acc, idx);
	err = acc->inner.install(acc->inner.ctx, pair, idx);
	if (!err && idx < acc->n_slots)
		bit_set(acc->dirty, idx);
	return err;
}

static void acc_remove(void *ctx, const struct lts_static_session *pair)
{
	struct lts_metrics_acc *acc = ctx;

	/* The slot keeps its counts until it is reused or the next scrape retires it. */
	acc->inner.remove(acc->inner.ctx, pair);
}

static int acc_fast_stats(void *ctx, uint32_t idx, struct lts_session_stats *out)
{
	struct lts_metrics_acc *acc = ctx;

	return acc->inner.fast_stats(acc->inner.ctx, idx, out);
}

static int acc_slow_stats(void *ctx, uint32_t idx, struct lts_session_stats *out)
{
	struct lts_metrics_acc *acc = ctx;

	return acc->inner.slow_stats(acc->inner.ctx, idx, out);
}

static uint64_t acc_last_rx_ms(void *ctx, uint32_t idx)
{
	struct lts_metrics_acc *acc = ctx;

	return acc->inner.last_rx_ms(acc->inner.ctx, idx);
}

static int64_t acc_reason_count(void *ctx, enum lts_reason r)
{
	struct lts_metrics_acc *acc = ctx;

	return acc->inner.reason_count(acc->inner.ctx, r);
}

/* A restart: the slot's counters go on, so they are this call's, not retired ones. */
static int acc_adopt(void *ctx, const struct lts_static_session *pair, uint32_t idx)
{
	struct lts_metrics_acc *acc = ctx;
	int err = acc->inner.adopt(acc->inner.ctx, pair, idx);

	if (!err && idx < acc->n_slots)
		bit_set(acc->dirty, idx);
	return err;
}

struct lts_dp_ops lts_metrics_acc_ops(struct lts_metrics_acc *acc)
{
	const struct lts_dp_ops *in = &acc->inner;

	/* An unset hook stays unset: its users test for NULL. */
	return (struct lts_dp_ops){
		.install = in->install ? acc_install : NULL,
		.adopt = in->adopt ? acc_adopt : NULL,
		.remove = in->remove ? acc_remove : NULL,
		.fast_stats = in->fast_stats ? acc_fast_stats : NULL,
		.slow_stats = in->slow_stats ? acc_slow_stats : NULL,
		.last_rx_ms = in->last_rx_ms ? acc_last_rx_ms : NULL,
		.reason_count = in->reason_count ? acc_reason_count : NULL,
		.ctx = acc,
	};
}

/* Slots marked dirty that no session uses now: their counts are final. */
static void retire_unused(struct lts_metrics_acc *acc)
{
	size_t w, words = bitmap_words(acc->n_slots);
	uint64_t bits;

	for (w = 0; w < words; w++) {
		bits = acc->dirty[w] & ~acc->live[w];
		while (bits) {
			retire(acc, (uint32_t)(w * WORD_BITS + (size_t)__builtin_ctzll(bits)));
			bits &= bits - 1;
		}
	}
}

static void xport_values(const struct lts_ctrl_xport_counters *k, uint64_t v[LTS_MX_MAX])
{
	v[LTS_MX_TX_MSGS] = k->tx_msgs;
	v[LTS_MX_RETRANSMITS] = k->retransmits;
	v[LTS_MX_DELIVERED] = k->delivered;
	v[LTS_MX_DUPLICATES] = k->duplicates;
	v[LTS_MX_OUT_OF_WINDOW] = k->out_of_window;
	v[LTS_MX_HELLO_TX] = k->hello_tx;
	v[LTS_MX_TX_ERRORS] = k->tx_errors;
}

static int cmp_seen(const void *a, const void *b)
{
	const struct lts_metrics_tun_seen *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/*
 * Add what every tunnel counted since the previous scrape (all of it for a
 * tunnel not seen before) and remember the values for the next one.
 */
static int xport_update(struct lts_metrics_acc *acc, const struct lts_ctrl_plane *cp)
{
	struct lts_metrics_tun_seen *now = NULL, *prev;
	const struct lts_tunnel *t;
	size_t n = 0, i;
	int k;

	for (t = cp ? cp->all : NULL; t; t = t->next)
		n++;
	if (n) {
		now = calloc(n, sizeof(*now));
		if (!now)
			return -ENOMEM;
	}
	for (i = 0, t = cp ? cp->all : NULL; t; t = t->next, i++) {
		now[i].id = t->id;
		now[i].created_ms = t->created_ms;
		xport_values(&t->xport.ctr, now[i].v);
	}
	if (n)
		qsort(now, n, sizeof(*now), cmp_seen);
	for (i = 0; i < n; i++) {
		prev = acc->n_seen ? bsearch(&now[i], acc->seen, acc->n_seen,
					     sizeof(*acc->seen), cmp_seen) : NULL;
		if (prev && prev->created_ms != now[i].created_ms)
			prev = NULL; /* the ID of a freed tunnel, reused */
		for (k = 0; k < LTS_MX_MAX; k++)
			acc->xport[k] += prev && now[i].v[k] >= prev->v[k] ?
						 now[i].v[k] - prev->v[k] : now[i].v[k];
	}
	free(acc->seen);
	acc->seen = now;
	acc->n_seen = n;
	return 0;
}

/* ------------------------------------------------------------ rendering */

static const char *const reason_names[] = {
#define LTS_REASON_NAME(sym, name, help) name,
	LTS_REASONS(LTS_REASON_NAME)
#undef LTS_REASON_NAME
};

static const char *const path_names[2] = { "fast", "slow" };
static const char *const dir_names[LTS_DIR_MAX] = {
	[LTS_DIR_A_TO_B] = "lac_to_lns",
	[LTS_DIR_B_TO_A] = "lns_to_lac",
};

/* "WAIT_CTL_CONN" -> "wait_ctl_conn" (label values are lower case by habit). */
static const char *lower(const char *s, char *buf, size_t size)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < size; i++)
		buf[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
	buf[i] = '\0';
	return buf;
}

static const char *lac_peer_name(const struct lts_config *cfg, int idx)
{
	return idx >= 0 && (size_t)idx < cfg->n_lac_peers ? cfg->lac_peers[idx].name : "";
}

static const char *lns_peer_name(const struct lts_config *cfg, int idx)
{
	return idx >= 0 && (size_t)idx < cfg->n_lns_peers ? cfg->lns_peers[idx].name : "";
}

static void render_info(const struct lts_metrics_view *v, struct mbuf *b)
{
	const struct lts_config *cfg = v->ctl.cfg;
	const struct label ver = { "version", v->version ? v->version : "" };

	family(b, "lts_build_info", "gauge", "Always 1; the version of ltsd in a label.");
	sample(b, "lts_build_info", &ver, 1, 1);
	scalar(b, "lts_start_time_seconds", "gauge",
	       "When ltsd started, in seconds since the Unix epoch.", v->start_time_s);
	scalar(b, "lts_static_sessions", "gauge", "Static sessions from the configuration.",
	       cfg->n_static_sessions);
	scalar(b, "lts_max_tunnels", "gauge", "Tunnels the switch takes at most (limits.max_tunnels).",
	       cfg->limits.max_tunnels);
	scalar(b, "lts_max_sessions", "gauge",
	       "Sessions the switch takes at most (limits.max_sessions).", cfg->limits.max_sessions);
}

/*
 * Rows of the state tables: role lns (a LAC's tunnel) per lac_peer, then
 * role lac per lns_peer; row 0 of each role is "no configured peer".
 */
static size_t peer_row(const struct lts_config *cfg, const struct lts_tunnel *t)
{
	if (t->role == LTS_ROLE_LNS)
		return t->lac_idx >= 0 && (size_t)t->lac_idx < cfg->n_lac_peers ? t->lac_idx + 1 : 0;
	return cfg->n_lac_peers + 1 +
	       (t->lns_idx >= 0 && (size_t)t->lns_idx < cfg->n_lns_peers ? t->lns_idx + 1 : 0);
}

static void row_labels(const struct lts_config *cfg, size_t row, struct label *role,
		       struct label *peer)
{
	bool lns = row <= cfg->n_lac_peers;
	size_t i = lns ? row : row - cfg->n_lac_peers - 1;

	role->name = "role";
	role->value = lns ? "lns" : "lac";
	peer->name = "peer";
	peer->value = !i ? "" : lns ? cfg->lac_peers[i - 1].name : cfg->lns_peers[i - 1].name;
}

/*
 * One gauge per (role, state, peer): every state of every configured peer
 * (0 included, so that a graph falls to zero rather than stopping), and
 * whatever else is not zero (no configured peer; DEAD, which lasts until
 * the next safe point).
 */
static void render_state_table(const struct lts_config *cfg, struct mbuf *b, const char *name,
			       const char *help, const uint32_t *count, size_t n_states,
			       size_t dead, const char *(*state_name)(int))
{
	size_t rows = cfg->n_lac_peers + cfg->n_lns_peers + 2, r, s;
	struct label l[3];
	char buf[32];

	family(b, name, "gauge", help);
	for (r = 0; r < rows; r++) {
		row_labels(cfg, r, &l[0], &l[2]);
		for (s = 0; s < n_states; s++) {
			uint32_t c = count[r * n_states + s];
			bool known = r != 0 && r != cfg->n_lac_peers + 1;

			if (!c && (!known || s == dead))
				continue;
			l[1].name = "state";
			l[1].value = lower(state_name((int)s), buf, sizeof(buf));
			sample(b, name, l, 3, c);
		}
	}
}

static const char *tun_state(int s)
{
	return lts_tun_state_name((enum lts_tun_state)s);
}

static const char *sess_state(int s)
{
	return lts_sess_state_name((enum lts_sess_state)s);
}

static int render_control_state(const struct lts_metrics_view *v, struct mbuf *b)
{
	const struct lts_config *cfg = v->ctl.cfg;
	size_t rows = cfg->n_lac_peers + cfg->n_lns_peers + 2, r;
	const struct lts_ctrl_plane *cp = v->ctl.cp;
	const struct lts_session *s;
	const struct lts_tunnel *t;
	uint32_t *tun, *ses;

	tun = calloc(rows * LTS_TUN_STATE_MAX, sizeof(*tun));
	ses = calloc(rows * LTS_SESS_STATE_MAX, sizeof(*ses));
	if (!tun || !ses) {
		free(tun);
		free(ses);
		return -ENOMEM;
	}
	for (t = cp ? cp->all : NULL; t; t = t->next) {
		r = peer_row(cfg, t);
		if (t->state < LTS_TUN_STATE_MAX)
			tun[r * LTS_TUN_STATE_MAX + t->state]++;
		for (s = t->sessions; s; s = s->next)
			if (s->state < LTS_SESS_STATE_MAX)
				ses[r * LTS_SESS_STATE_MAX + s->state]++;
	}
	render_state_table(cfg, b, "lts_tunnels",
			   "Control connections by our role on them (lns: a LAC's tunnel, lac: ours to an LNS), state (RFC 2661 7.2) and configured peer.",
			   tun, LTS_TUN_STATE_MAX, LTS_TUN_DEAD, tun_state);
	render_state_table(cfg, b, "lts_sessions",
			   "Half-sessions (one per leg of a call) by role, state (RFC 2661 7.4) and configured peer.",
			   ses, LTS_SESS_STATE_MAX, LTS_SESS_DEAD, sess_state);
	free(tun);
	free(ses);
	scalar(b, "lts_half_open_tunnels", "gauge",
	       "Tunnels answered with SCCRP whose SCCCN has not arrived (limits.max_half_open).",
	       cp ? cp->n_half_open : 0);
	return 0;
}

/* Calls of the switch by rule and state (setup, up); the rule is "" until it is decided. */
static int render_calls(const struct lts_metrics_view *v, struct mbuf *b)
{
	const struct lts_config *cfg = v->ctl.cfg;
	const struct lts_call *c;
	struct label l[2];
	uint32_t *count;
	size_t r, rule;
	int st;

	count = calloc((cfg->n_rules + 1) * 2, sizeof(*count));
	if (!count)
		return -ENOMEM;
	for (c = v->ctl.sw ? v->ctl.sw->calls : NULL; c; c = c->next) {
		rule = c->rule && c->rule >= cfg->rules && c->rule < cfg->rules + cfg->n_rules ?
			       (size_t)(c->rule - cfg->rules) + 1 : 0;
		count[rule * 2 + c->installed]++;
	}
	family(b, "lts_calls", "gauge",
	       "Switched calls by rule and state (setup: legs being set up, up: installed in the data plane).");
	for (r = 0; r <= cfg->n_rules; r++) {
		for (st = 0; st < 2; st++) {
			if (!r && !count[st])
				continue;
			l[0] = (struct label){ "rule", r ? cfg->rules[r - 1].name : "" };
			l[1] = (struct label){ "state", st ? "up" : "setup" };
			sample(b, "lts_calls", l, 2, count[r * 2 + st]);
		}
	}
	free(count);
	return 0;
}

static void render_switch(const struct lts_metrics_view *v, struct mbuf *b)
{
	const struct lts_switch_counters zero = { 0 };
	const struct lts_switch_counters *s = v->ctl.sw ? &v->ctl.sw->ctr : &zero;

	scalar(b, "lts_switch_calls_switched_total", "counter",
	       "Calls whose two legs came up and were installed in the data plane.",
	       s->calls_switched);
	scalar(b, "lts_switch_calls_refused_total", "counter",
	       "Calls refused: no rule, no LNS of the pool answered, a limit, a loop.",
	       s->calls_refused);
	scalar(b, "lts_switch_failovers_total", "counter",
	       "Second legs retried on another LNS of the pool after one failed.", s->failovers);
	scalar(b, "lts_switch_loops_detected_total", "counter",
	       "ICRQs that already carried our TSA ID (CDN 26, loop detected).", s->loops_detected);
	scalar(b, "lts_switch_info_dropped_total", "counter",
	       "WEN and SLI messages over a call's relay budget, not relayed.", s->info_dropped);
	scalar(b, "lts_switch_calls_cleared_total", "counter",
	       "Calls cleared by the operator (ltsctl clear).", s->calls_cleared);
}

/* Per rule: bounded by the configuration, every rule shown (0 included). */
static void render_rules(const struct lts_metrics_view *v, struct mbuf *b)
{
	static const struct {
		const char *name, *help;
		size_t off; /* in struct lts_switch_rule_counters */
	} f[] = {
		{ "lts_rule_calls_total", "Calls each rule matched.",
		  offsetof(struct lts_switch_rule_counters, hits) },
		{ "lts_rule_calls_switched_total", "Calls of each rule installed in the data plane.",
		  offsetof(struct lts_switch_rule_counters, switched) },
		{ "lts_rule_calls_failed_total",
		  "Calls of each rule refused toward the LAC: no pool member took the call, or the switch failed (CDN 2/10, 2/11, 2/12).",
		  offsetof(struct lts_switch_rule_counters, failures) },
	};
	const struct lts_config *cfg = v->ctl.cfg;
	const struct lts_switch_rule_counters *rc = v->ctl.sw ? v->ctl.sw->rule_ctr : NULL;
	struct label l;
	size_t i, r;

	for (i = 0; i < ARRAY_SIZE(f); i++) {
		family(b, f[i].name, "counter", f[i].help);
		for (r = 0; r < cfg->n_rules; r++) {
			l = (struct label){ "rule", cfg->rules[r].name };
			sample(b, f[i].name, &l, 1,
			       rc ? *(const uint64_t *)((const char *)&rc[r] + f[i].off) : 0);
		}
	}
}

static void render_cp_counters(const struct lts_metrics_view *v, struct mbuf *b)
{
	const struct lts_cp_counters zero = { 0 };
	const struct lts_cp_counters *k = v->ctl.cp ? &v->ctl.cp->ctr : &zero;

	scalar(b, "lts_control_rx_packets_total", "counter",
	       "Control packets (T=1) received.", k->rx_packets);
	scalar(b, "lts_control_rx_malformed_total", "counter",
	       "Control packets whose header was rejected.", k->rx_malformed);
	scalar(b, "lts_control_rx_no_tunnel_total", "counter",
	       "Control packets for a tunnel ID we do not have.", k->rx_no_tunnel);
	scalar(b, "lts_control_rx_wrong_peer_total", "counter",
	       "Control packets with the tunnel ID of another peer.", k->rx_wrong_peer);
	scalar(b, "lts_control_sccrq_rate_limited_total", "counter",
	       "SCCRQs over the per-source rate (limits.sccrq_rate), dropped unanswered.",
	       k->sccrq_rate_limited);
	scalar(b, "lts_control_sccrq_refused_total", "counter",
	       "SCCRQs refused with one StopCCN and no state (no lac_peer, a limit, malformed).",
	       k->sccrq_refused);
	scalar(b, "lts_control_half_open_evicted_total", "counter",
	       "Half-open tunnels dropped to make room for a newer SCCRQ.", k->half_open_evicted);
	scalar(b, "lts_control_tunnels_opened_total", "counter",
	       "Tunnels established, both roles.", k->tunnels_opened);
	scalar(b, "lts_control_sessions_opened_total", "counter",
	       "Half-sessions established, both roles.", k->sessions_opened);
	scalar(b, "lts_control_drain_refused_total", "counter",
	       "SCCRQs and ICRQs of a drained lac_peer, refused with 2/7 (try another).",
	       k->drain_refused);
}

/*
 * StopCCN or CDN Result Codes in one direction. Slot 0 of result[] holds
 * 0 (reserved) and codes beyond it, the last of general[] the Error Codes
 * beyond it: both "other".
 */
static void render_results(struct mbuf *b, const char *msg, const char *dir,
			   const struct lts_cp_result_counters *rc)
{
	char rbuf[8], ebuf[8];
	struct label l[4];
	size_t r, e;

	l[0] = (struct label){ "message", msg };
	l[1] = (struct label){ "direction", dir };
	for (r = 0; r < LTS_CP_RESULTS; r++) {
		snprintf(rbuf, sizeof(rbuf), "%zu", r);
		l[2] = (struct label){ "result", r ? rbuf : "other" };
		l[3] = (struct label){ "error", "" };
		if (r != LTS_CDN_GENERAL_ERROR) {
			if (rc->result[r])
				sample(b, "lts_control_result_codes_total", l, 4, rc->result[r]);
			continue;
		}
		/* 2 "general error": by Error Code. */
		for (e = 0; e < LTS_CP_ERRORS; e++) {
			if (!rc->general[e])
				continue;
			snprintf(ebuf, sizeof(ebuf), "%zu", e);
			l[3].value = e < LTS_CP_ERRORS - 1 ? ebuf : "other";
			sample(b, "lts_control_result_codes_total", l, 4, rc->general[e]);
		}
	}
}

/*
 * Control messages by type and direction, every type RFC 2661 defines
 * (reserved and unknown values as "other"); StopCCN and CDN by Result Code.
 */
static void render_messages(const struct lts_metrics_view *v, struct mbuf *b)
{
	const struct lts_cp_msg_counters zero = { 0 };
	const struct lts_cp_msg_counters *k = v->ctl.cp ? &v->ctl.cp->msgs : &zero;
	const uint64_t *per_dir[2] = { k->rx, k->tx };
	static const char *const dirs[2] = { "rx", "tx" };
	uint64_t other;
	struct label l[2];
	char buf[16];
	int d, t;

	family(b, "lts_control_messages_total", "counter",
	       "Control messages by direction and type (rx: delivered in sequence; tx: sent once each, retransmissions and our Hellos not included).");
	for (d = 0; d < 2; d++) {
		l[0] = (struct label){ "direction", dirs[d] };
		other = per_dir[d][0];
		for (t = 1; t < LTS_CP_MSG_TYPES; t++) {
			if (!lts_ctrl_type_known((uint16_t)t)) {
				other += per_dir[d][t];
				continue;
			}
			l[1] = (struct label){ "type", lower(lts_ctrl_type_name((uint16_t)t), buf,
							   sizeof(buf)) };
			sample(b, "lts_control_messages_total", l, 2, per_dir[d][t]);
		}
		l[1] = (struct label){ "type", "other" };
		sample(b, "lts_control_messages_total", l, 2, other);
	}
	family(b, "lts_control_result_codes_total", "counter",
	       "StopCCN and CDN messages by direction and Result Code (RFC 2661 4.4.2); for result 2 (general error) also by Error Code.");
	render_results(b, "stopccn", "rx", &k->stopccn_rx);
	render_results(b, "stopccn", "tx", &k->stopccn_tx);
	render_results(b, "cdn", "rx", &k->cdn_rx);
	render_results(b, "cdn", "tx", &k->cdn_tx);
}

static void render_xport(const struct lts_metrics_acc *acc, struct mbuf *b)
{
	static const struct {
		const char *name, *help;
	} x[LTS_MX_MAX] = {
		[LTS_MX_TX_MSGS] = { "lts_control_messages_sent_total",
				     "Control messages sent for the first time (ZLBs and retransmissions not included), all tunnels." },
		[LTS_MX_RETRANSMITS] = { "lts_control_retransmits_total",
					 "Control messages retransmitted (RFC 2661 5.8), all tunnels." },
		[LTS_MX_DELIVERED] = { "lts_control_messages_received_total",
				       "Control messages received in sequence and delivered, all tunnels." },
		[LTS_MX_DUPLICATES] = { "lts_control_duplicates_total",
					"Control messages received again (already delivered), acknowledged, all tunnels." },
		[LTS_MX_OUT_OF_WINDOW] = { "lts_control_out_of_window_total",
					   "Control messages beyond our receive window, dropped, all tunnels." },
		[LTS_MX_HELLO_TX] = { "lts_control_hellos_sent_total",
				      "Hello messages sent (RFC 2661 5.5), all tunnels." },
		[LTS_MX_TX_ERRORS] = { "lts_control_tx_errors_total",
				       "Control messages the socket refused to send, all tunnels." },
	};
	int k;

	for (k = 0; k < LTS_MX_MAX; k++)
		scalar(b, x[k].name, "counter", x[k].help, acc->xport[k]);
}

/* Per-session series being written, and the totals over the live sessions. */
struct sess_pass {
	const struct lts_metrics_view *v;
	struct lts_metrics_acc *acc;
	bool per_session;
	struct lts_metrics_data live;
	struct mbuf pkts, bytes; /* the two per-session families */
};

static void session_series(struct sess_pass *sp, const char *rule, const char *lac_peer,
			   const char *lns_peer, const struct lts_static_leg *a,
			   const struct lts_static_leg *lns, const struct lts_session_stats st[2])
{
	char ids[4][8];
	struct label l[9];
	int p, d;

	snprintf(ids[0], sizeof(ids[0]), "%u", a->tunnel_id);
	snprintf(ids[1], sizeof(ids[1]), "%u", a->session_id);
	snprintf(ids[2], sizeof(ids[2]), "%u", lns->tunnel_id);
	snprintf(ids[3], sizeof(ids[3]), "%u", lns->session_id);
	l[0] = (struct label){ "rule", rule };
	l[1] = (struct label){ "lac_peer", lac_peer };
	l[2] = (struct label){ "lns_peer", lns_peer };
	l[3] = (struct label){ "lac_tunnel_id", ids[0] };
	l[4] = (struct label){ "lac_session_id", ids[1] };
	l[5] = (struct label){ "lns_tunnel_id", ids[2] };
	l[6] = (struct label){ "lns_session_id", ids[3] };
	for (p = 0; p < 2; p++) {
		for (d = 0; d < LTS_DIR_MAX; d++) {
			l[7] = (struct label){ "path", path_names[p] };
			l[8] = (struct label){ "direction", dir_names[d] };
			sample(&sp->pkts, "lts_session_packets_total", l, 9, st[p].dir[d].packets);
			sample(&sp->bytes, "lts_session_bytes_total", l, 9, st[p].dir[d].bytes);
		}
	}
}

/* A session in slot idx: into the live totals, and its own series if asked for. */
static void session_seen(struct sess_pass *sp, uint32_t idx, const char *rule,
			 const char *lac_peer, const char *lns_peer,
			 const struct lts_static_leg *a, const struct lts_static_leg *b)
{
	struct lts_session_stats st[2];

	read_slot(&sp->v->ctl.dp, idx, st);
	data_add(&sp->live, st);
	if (idx < sp->acc->n_slots)
		bit_set(sp->acc->live, idx);
	if (sp->per_session)
		session_series(sp, rule, lac_peer, lns_peer, a, b, st);
}

static void render_sessions(struct sess_pass *sp)
{
	const struct lts_config *cfg = sp->v->ctl.cfg;
	const struct lts_call *c;
	char rule[LTS_CFG_NAME_MAX + 8];
	size_t i;

	for (i = 0; i < cfg->n_static_sessions; i++) {
		const struct lts_static_session *s = &cfg->static_sessions[i];

		snprintf(rule, sizeof(rule), "static:%s", s->name);
		session_seen(sp, s->stats_idx, rule, "", "", &s->a, &s->b);
	}
	/* Pushed at the head: from the tail, oldest first (as ltsctl). */
	for (c = sp->v->ctl.sw ? sp->v->ctl.sw->calls : NULL; c && c->next; c = c->next)
		;
	for (; c; c = c->prev) {
		if (!c->installed)
			continue;
		session_seen(sp, c->stats_idx, c->rule ? c->rule->name : "",
			     c->first ? lac_peer_name(cfg, c->first->t->lac_idx) : "",
			     c->second ? lns_peer_name(cfg, c->second->t->lns_idx) : "",
			     &c->pair.a, &c->pair.b);
	}
}

static void render_data(const struct lts_metrics_data *d, struct mbuf *b)
{
	struct label l[2];
	int p, dir;

	family(b, "lts_data_packets_total", "counter",
	       "L2TP data frames switched, every session since ltsd started, by path (fast: XDP, slow: the userspace relay) and direction (lac_to_lns: arrived on the LAC leg).");
	for (p = 0; p < 2; p++) {
		for (dir = 0; dir < LTS_DIR_MAX; dir++) {
			l[0] = (struct label){ "path", path_names[p] };
			l[1] = (struct label){ "direction", dir_names[dir] };
			sample(b, "lts_data_packets_total", l, 2, d->packets[p][dir]);
		}
	}
	family(b, "lts_data_bytes_total", "counter",
	       "L2TP bytes (UDP payload) of the frames in lts_data_packets_total.");
	for (p = 0; p < 2; p++) {
		for (dir = 0; dir < LTS_DIR_MAX; dir++) {
			l[0] = (struct label){ "path", path_names[p] };
			l[1] = (struct label){ "direction", dir_names[dir] };
			sample(b, "lts_data_bytes_total", l, 2, d->bytes[p][dir]);
		}
	}
	family(b, "lts_data_policed_total", "counter",
	       "L2TP data frames dropped by the XDP fast path over a rule's or static session's police rate, by direction.");
	for (dir = 0; dir < LTS_DIR_MAX; dir++) {
		l[0] = (struct label){ "direction", dir_names[dir] };
		sample(b, "lts_data_policed_total", l, 1, d->policed[dir]);
	}
}

static void render_xdp(const struct lts_metrics_view *v, struct mbuf *b)
{
	struct label l = { "reason", NULL };
	int64_t n;
	int r;

	family(b, "lts_xdp_verdicts_total", "counter",
	       "Frames the XDP program handled, by verdict reason (maps/lts_reasons.h; docs/dataplane.md).");
	for (r = 0; v->ctl.dp.reason_count && r < LTS_R_MAX; r++) {
		n = v->ctl.dp.reason_count(v->ctl.dp.ctx, (enum lts_reason)r);
		if (n < 0)
			continue; /* unreadable: no sample rather than a wrong one */
		l.value = reason_names[r];
		sample(b, "lts_xdp_verdicts_total", &l, 1, (uint64_t)n);
	}
}

static void render_slowpath(const struct lts_metrics_view *v, struct mbuf *b)
{
	const struct lts_slowpath_counters *k = v->slow;
	const struct {
		const char *result;
		uint64_t n;
	} rows[] = {
		{ "relayed", k ? k->relayed : 0 },
		{ "control", k ? k->control : 0 },
		{ "no_session", k ? k->no_session : 0 },
		{ "malformed", k ? k->malformed : 0 },
		{ "ttl_expired", k ? k->ttl_expired : 0 },
		{ "send_error", k ? k->send_errors : 0 },
	};
	struct label l = { "result", NULL };
	size_t i;

	family(b, "lts_slowpath_datagrams_total", "counter",
	       "Datagrams the userspace relay received on the L2TP ports, by what became of them (control: to the control plane).");
	for (i = 0; k && i < ARRAY_SIZE(rows); i++) {
		l.value = rows[i].result;
		sample(b, "lts_slowpath_datagrams_total", &l, 1, rows[i].n);
	}
}

int lts_metrics_render(const struct lts_metrics_view *v, struct lts_metrics_acc *acc,
		       bool per_session, char **out, size_t *len)
{
	struct sess_pass sp = { .v = v, .acc = acc, .per_session = per_session };
	struct lts_metrics_data total;
	struct mbuf b = { 0 };
	int p, d, err;

	render_info(v, &b);
	err = render_control_state(v, &b);
	err = err ?: render_calls(v, &b);
	if (err)
		goto fail;
	render_switch(v, &b);
	render_rules(v, &b);
	render_cp_counters(v, &b);
	render_messages(v, &b);
	err = xport_update(acc, v->ctl.cp);
	if (err)
		goto fail;
	render_xport(acc, &b);

	if (acc->live)
		memset(acc->live, 0, bitmap_words(acc->n_slots) * sizeof(uint64_t));
	render_sessions(&sp);
	retire_unused(acc);
	total = acc->retired;
	for (p = 0; p < 2; p++) {
		for (d = 0; d < LTS_DIR_MAX; d++) {
			total.packets[p][d] += sp.live.packets[p][d];
			total.bytes[p][d] += sp.live.bytes[p][d];
		}
	}
	for (d = 0; d < LTS_DIR_MAX; d++)
		total.policed[d] += sp.live.policed[d];
	render_data(&total, &b);
	render_xdp(v, &b);
	render_slowpath(v, &b);
	if (per_session) {
		family(&b, "lts_session_packets_total", "counter",
		       "L2TP data frames of one session (metrics.per_session), by path and direction; the IDs are ours on each leg.");
		if (sp.pkts.len)
			mb_write(&b, sp.pkts.buf, sp.pkts.len);
		family(&b, "lts_session_bytes_total", "counter",
		       "L2TP bytes (UDP payload) of the frames in lts_session_packets_total.");
		if (sp.bytes.len)
			mb_write(&b, sp.bytes.buf, sp.bytes.len);
		err = sp.pkts.err ?: sp.bytes.err;
	}
	err = err ?: b.err;
	if (err)
		goto fail;
	free(sp.pkts.buf);
	free(sp.bytes.buf);
	*out = b.buf;
	*len = b.len;
	return 0;

fail:
	free(sp.pkts.buf);
	free(sp.bytes.buf);
	free(b.buf);
	return err;
}

/* ------------------------------------------------------------ HTTP */

/* MHD's own messages (a refused connection, a failed accept): rate-limited. */
#define MHD_LOG_INTERVAL_MS 10000

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct lts_metrics *m = cls;
	uint64_t now = mono_ms();
	char msg[256];
	size_t n;

	if (now < m->log_next_ms) {
		m->log_quiet++;
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	pr_warn("metrics: %s (%" PRIu64 " more messages not logged)", msg, m->log_quiet);
	m->log_quiet = 0;
	m->log_next_ms = now + MHD_LOG_INTERVAL_MS;
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned int status, char *body,
			       size_t len, bool owned, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body,
					    owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		if (owned)
			free(body);
		return MHD_NO; /* closes the connection */
	}
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				    status == MHD_HTTP_OK ? LTS_METRICS_CONTENT_TYPE :
							    "text/plain; charset=utf-8") != MHD_YES ||
	    (allow && MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow) != MHD_YES)) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * GET and HEAD are answered on the second call, once MHD has the whole
 * request (an answer queued on the first call makes MHD close the
 * connection: no keep-alive for the scraper). Anything else is refused at
 * once, body unread, and the connection closed.
 */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	static char not_found[] = "not found: the metrics are at " LTS_METRICS_PATH "\n";
	static char bad_method[] = "method not allowed: GET or HEAD\n";
	static char failed[] = "cannot render the metrics\n";
	struct lts_metrics *m = cls;
	char *text;
	size_t len;
	int err;

	static int seen;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		m->ctr.bad_method++;
		return respond(conn, MHD_HTTP_METHOD_NOT_ALLOWED, bad_method,
			       sizeof(bad_method) - 1, false, "GET, HEAD");
	}
	if (!*req_cls) {
		*req_cls = &seen; /* headers in; answer on the next call */
		return MHD_YES;
	}
	if (strcmp(url, LTS_METRICS_PATH)) {
		m->ctr.not_found++;
		return respond(conn, MHD_HTTP_NOT_FOUND, not_found, sizeof(not_found) - 1, false,
			       NULL);
	}
	err = lts_metrics_render(&m->view, &m->acc, m->cfg->per_session, &text, &len);
	if (err) {
		m->ctr.errors++;
		pr_warn("metrics: cannot render: %s", strerror(-err));
		return respond(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, failed, sizeof(failed) - 1,
			       false, NULL);
	}
	m->ctr.scrapes++;
	return respond(conn, MHD_HTTP_OK, text, len, true, NULL);
}

/* Connections open, and whether the limit was reached (see lts_metrics_handle). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
			  enum MHD_ConnectionNotificationCode what)
{
	struct lts_metrics *m = cls;

	(void)conn;
	(void)socket_ctx;
	if (what == MHD_CONNECTION_NOTIFY_STARTED) {
		m->n_conns++;
		m->hit_limit |= m->n_conns >= LTS_METRICS_MAX_CONNECTIONS;
	} else if (what == MHD_CONNECTION_NOTIFY_CLOSED && m->n_conns) {
		m->n_conns--;
	}
}

/* MHD must run again within MHD_get_timeout() even without socket events. */
static void arm_timer(struct lts_metrics *m)
{
	MHD_UNSIGNED_LONG_LONG ms;
	struct itimerspec its = { 0 };

	if (MHD_get_timeout(m->mhd, &ms) == MHD_YES) {
		its.it_value.tv_sec = (time_t)(ms / 1000);
		its.it_value.tv_nsec = (long)(ms % 1000) * 1000000;
		if (!ms)
			its.it_value.tv_nsec = 1; /* now: 0 would disarm */
	}
	if (timerfd_settime(m->timerfd, 0, &its, NULL))
		pr_warn("metrics: timer: %s", strerror(errno));
}

/* A listening TCP socket on the configured address (ours: a clean errno when it fails). */
static int listen_socket(const struct lts_metrics_cfg *cfg)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd, one = 1, err;

	if (cfg->listen_ip.family == LTS_FAMILY_IPV6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(cfg->listen_port);
		memcpy(&s6->sin6_addr, cfg->listen_ip.addr, 16);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(cfg->listen_port);
		memcpy(&s4->sin_addr, cfg->listen_ip.addr, 4);
		sl = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A restarted ltsd must not wait for the old connections' TIME_WAIT. */
	err = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	      bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 16) ? -errno : 0;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int lts_metrics_wrap_dp(struct lts_metrics *m, const struct lts_config *cfg,
			struct lts_dp_ops *dp)
{
	int err;

	if (!cfg->metrics.listen[0])
		return 0;
	err = lts_metrics_acc_init(&m->acc, dp, cfg->max_sessions, (uint32_t)cfg->n_static_sessions);
	if (err)
		return err;
	m->wrapped = true;
	*dp = lts_metrics_acc_ops(&m->acc);
	return 0;
}

void lts_metrics_set_config(struct lts_metrics *m, const struct lts_config *cfg)
{
	m->cfg = &cfg->metrics;
	m->view.ctl.cfg = cfg;
}

int lts_metrics_open(struct lts_metrics *m, const struct lts_config *cfg,
		     const struct lts_metrics_view *view)
{
	const union MHD_DaemonInfo *info;
	struct epoll_event ev = { .events = EPOLLIN };
	int lfd, err;

	m->cfg = &cfg->metrics;
	m->view = *view;
	m->mhd = NULL;
	m->epfd = m->timerfd = -1;
	m->n_conns = 0;
	if (!cfg->metrics.listen[0])
		return 0;
	if (!m->wrapped) {
		/* Not in the data path: totals then only cover the sessions that exist. */
		err = lts_metrics_acc_init(&m->acc, &view->ctl.dp, 0, 0);
		if (err)
			return err;
		m->wrapped = true;
	}
	lfd = listen_socket(&cfg->metrics);
	if (lfd < 0)
		return lfd;
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	m->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (m->epfd < 0 || m->timerfd < 0) {
		err = -errno;
		close(lfd);
		goto fail;
	}
	/*
	 * No thread: MHD_run() from our loop, on MHD's epoll fd. The request
	 * handler reads the control plane, which only this thread may touch.
	 */
	m->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
				  (cfg->metrics.listen_ip.family == LTS_FAMILY_IPV6 ? MHD_USE_IPv6 : 0),
				  0, NULL, NULL, on_request, m,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, (void *)m,
				  MHD_OPTION_LISTEN_SOCKET, lfd,
				  MHD_OPTION_NOTIFY_CONNECTION, on_connection, (void *)m,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)LTS_METRICS_MAX_CONNECTIONS,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)LTS_METRICS_TIMEOUT_S,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)LTS_METRICS_CONN_MEMORY,
				  MHD_OPTION_END);
	if (!m->mhd) {
		/*
		 * Whether MHD closed the socket on its way out depends on where
		 * it failed; one thread, nothing opened since: a second close()
		 * can only fail with EBADF.
		 */
		close(lfd);
		err = -EIO;
		goto fail;
	}
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	err = !info || info->epoll_fd < 0 ? -EIO : 0;
	ev.data.u64 = 0;
	err = err ?: epoll_ctl(m->epfd, EPOLL_CTL_ADD, info->epoll_fd, &ev) ? -errno : 0;
	ev.data.u64 = 1;
	err = err ?: epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->timerfd, &ev) ? -errno : 0;
	if (err)
		goto fail;
	arm_timer(m);
	return 0;

fail:
	if (m->mhd)
		MHD_stop_daemon(m->mhd); /* closes the listening socket */
	m->mhd = NULL;
	if (m->epfd >= 0)
		close(m->epfd);
	if (m->timerfd >= 0)
		close(m->timerfd);
	m->epfd = m->timerfd = -1;
	return err;
}

int lts_metrics_poll_fd(const struct lts_metrics *m)
{
	return m->mhd ? m->epfd : -1;
}

void lts_metrics_handle(struct lts_metrics *m)
{
	uint64_t expirations;
	int runs = 0;

	if (!m->mhd)
		return;
	if (read(m->timerfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		pr_debug("metrics: timer: %s", strerror(errno));
	/*
	 * At the connection limit MHD takes its listening socket out of its
	 * epoll set, and puts it back only at the start of a run. When
	 * connections went since the limit was reached, run again: a client
	 * waiting in the backlog is served now, not at the next timeout.
	 */
	do {
		m->hit_limit = m->n_conns >= LTS_METRICS_MAX_CONNECTIONS;
		if (MHD_run(m->mhd) != MHD_YES)
			pr_debug("metrics: MHD_run failed");
	} while (m->hit_limit && m->n_conns < LTS_METRICS_MAX_CONNECTIONS &&
		 ++runs <= LTS_METRICS_MAX_CONNECTIONS);
	arm_timer(m);
}

void lts_metrics_close_server(struct lts_metrics *m)
{
	if (!m || !m->mhd)
		return;
	MHD_stop_daemon(m->mhd);
	close(m->epfd);
	close(m->timerfd);
	m->mhd = NULL;
	m->epfd = m->timerfd = -1;
	pr_info("metrics: %" PRIu64 " scrapes answered, %" PRIu64 " not found, %" PRIu64
		" bad methods, %" PRIu64 " errors", m->ctr.scrapes, m->ctr.not_found,
		m->ctr.bad_method, m->ctr.errors);
}

void lts_metrics_close(struct lts_metrics *m)
{
	if (!m)
		return;
	lts_metrics_close_server(m);
	if (m->wrapped)
		lts_metrics_acc_fini(&m->acc);
	m->wrapped = false;
}
