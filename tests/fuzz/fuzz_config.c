// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the config loader, lts_config_load_string(), on
 * arbitrary bytes (config/lts_config.c and libyaml under it). The input is
 * the file, passed with its exact length (no NUL after it).
 *
 * Oracles besides the sanitizers (a leak included):
 *  - the result is 0 or -EINVAL (-ENOMEM only with a message that says so);
 *  - on an error *out is untouched, and the message is NUL-terminated inside
 *    the buffer and starts "fuzz.yaml:LINE:COL: " (1-based, within the
 *    input: LINE at most two more than its line breaks, COL at most one
 *    more than its length); loading again into a short buffer gives the
 *    same error, cut (a prefix of the first message, NUL-terminated within
 *    the short buffer), and without any buffer the same result;
 *  - on success, loading again gives an identical config (every scalar,
 *    string and list, byte for byte), and the config keeps the promises of
 *    lts_config.h and the schema: strings NUL-terminated, names unique, refs
 *    in range, IDs and ports non-zero, addresses of a known family, prefixes
 *    without host bits, a hidden AVP only with a secret, retransmit_initial
 *    <= retransmit_max, limits within dataplane.max_sessions, and the
 *    derived at_iccn; lts_config_free() then frees all of it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lts_config.h"

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,  \
				#cond);                                                    \
			abort();                                                           \
		}                                                                          \
	} while (0)

#define NAME "fuzz.yaml"
#define SHORT_ERR 24 /* enough for the prefix of small inputs, not for the message */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ------------------------------------------------------------ errors */

/* Line breaks YAML counts (\n, \r, NEL, LS, PS): an upper bound on the line. */
static size_t line_breaks(const uint8_t *d, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (d[i] == '\n' || d[i] == '\r')
			k++;
		else if (d[i] == 0xc2 && i + 1 < n && d[i + 1] == 0x85)
			k++;
		else if (d[i] == 0xe2 && i + 2 < n && d[i + 1] == 0x80 &&
			 (d[i + 2] == 0xa8 || d[i + 2] == 0xa9))
			k++;
	}
	return k;
}

/* "NAME:LINE:COL: " at the start of msg: the length of that prefix, or 0. */
static size_t mark_prefix(const char *msg, unsigned long *line, unsigned long *col)
{
	const char *p = msg + strlen(NAME ":");
	char *end;

	if (strncmp(msg, NAME ":", strlen(NAME ":")) || *p < '1' || *p > '9')
		return 0;
	*line = strtoul(p, &end, 10);
	if (*end != ':' || end[1] < '1' || end[1] > '9')
		return 0;
	*col = strtoul(end + 1, &end, 10);
	if (end[0] != ':' || end[1] != ' ')
		return 0;
	return end + 2 - msg;
}

static void check_error(const uint8_t *data, size_t size, int ret, const char *err,
			size_t errlen)
{
	unsigned long line = 0, col = 0;
	size_t n;

	CHECK(memchr(err, '\0', errlen));
	if (ret == -ENOMEM) {
		CHECK(!strncmp(err, NAME ": ", strlen(NAME ": ")));
		return;
	}
	CHECK(ret == -EINVAL);
	n = mark_prefix(err, &line, &col);
	if (!n) {
		fprintf(stderr, "error without \"" NAME ":LINE:COL: \": \"%s\"\n", err);
		abort();
	}
	CHECK(err[n] != '\0'); /* and a message after it */
	/*
	 * libyaml ends a last line that has no line break with one of its
	 * own: an error at the end of the input may point one line further.
	 */
	CHECK(line <= line_breaks(data, size) + 2);
	CHECK(col <= size + 1);
}

/* ------------------------------------------------------------ success */

static void check_str(const char *s, size_t size, bool nonempty)
{
	CHECK(memchr(s, '\0', size));
	CHECK(!nonempty || s[0]);
}

#define STR(s) check_str(s, sizeof(s), false)
#define NONEMPTY(s) check_str(s, sizeof(s), true)

static bool ip_known(const struct lts_ip *ip)
{
	return ip->family == LTS_FAMILY_IPV4 || ip->family == LTS_FAMILY_IPV6;
}

static void check_prefix(const struct lts_prefix *p)
{
	unsigned int bits = p->ip.family == LTS_FAMILY_IPV6 ? 128 : 32, i;

	CHECK(ip_known(&p->ip));
	CHECK(p->len <= bits);
	for (i = p->len; i < bits; i++)
		CHECK(!(p->ip.addr[i / 8] & (0x80 >> (i % 8))));
	if (p->ip.family == LTS_FAMILY_IPV4)
		for (i = 4; i < sizeof(p->ip.addr); i++)
			CHECK(!p->ip.addr[i]);
}

static void check_ctrl(const struct lts_ctrl_cfg *c)
{
	CHECK(c->receive_window >= 1);
	CHECK(c->retransmit_initial_ms >= 100);
	CHECK(c->retransmit_max_ms >= 8000); /* RFC 2661 5.8 */
	CHECK(c->retransmit_initial_ms <= c->retransmit_max_ms);
	CHECK(c->retries >= 1);
}

static void check_leg(const struct lts_config *cfg, const struct lts_static_leg *l)
{
	size_t i;

	CHECK(ip_known(&l->local) && l->local.family == l->peer.family);
	CHECK(l->tunnel_id && l->session_id && l->peer_tunnel_id && l->peer_session_id);
	CHECK(l->peer_port && l->local_port);
	CHECK(l->dscp >= -1 && l->dscp <= 63);
	for (i = 0; i < cfg->n_l2tp_ports && cfg->l2tp_ports[i] != l->local_port; i++)
		;
	CHECK(i < cfg->n_l2tp_ports);
}

/* The n names at stride apart from first differ (small n: all pairs). */
static void check_unique(const char *first, size_t n, size_t stride, size_t size)
{
	size_t i, j;

	for (i = 0; i < n && i < 512; i++)
		for (j = 0; j < i; j++)
			CHECK(strncmp(first + i * stride, first + j * stride, size));
}

static void check_invariants(const struct lts_config *cfg)
{
	size_t i, j, k;

	NONEMPTY(cfg->hostname);
	NONEMPTY(cfg->tsa_id);
	NONEMPTY(cfg->bpffs);
	NONEMPTY(cfg->control_socket);
	CHECK(cfg->bpffs[0] == '/' && cfg->control_socket[0] == '/');
	CHECK(strcmp(lts_dp_mode_name(cfg->mode), "unknown"));

	CHECK(cfg->mode == LTS_DP_OFF || cfg->n_interfaces >= 1);
	CHECK(cfg->n_interfaces <= LTS_MAX_TX_PORTS);
	CHECK(!cfg->n_interfaces == !cfg->interfaces);
	for (i = 0; i < cfg->n_interfaces; i++)
		NONEMPTY(cfg->interfaces[i]);
	if (cfg->n_interfaces)
		check_unique(cfg->interfaces[0], cfg->n_interfaces, sizeof(cfg->interfaces[0]),
			     sizeof(cfg->interfaces[0]));
	CHECK(cfg->n_l2tp_ports >= 1 && cfg->n_l2tp_ports <= LTS_MAX_L2TP_PORTS);
	for (i = 0; i < cfg->n_l2tp_ports; i++) {
		CHECK(cfg->l2tp_ports[i]);
		for (j = 0; j < i; j++)
			CHECK(cfg->l2tp_ports[i] != cfg->l2tp_ports[j]);
	}

	CHECK(cfg->max_sessions >= 1);
	CHECK(cfg->n_static_sessions <= cfg->max_sessions);
	CHECK(!cfg->n_static_sessions == !cfg->static_sessions);
	for (i = 0; i < cfg->n_static_sessions; i++) {
		NONEMPTY(cfg->static_sessions[i].name);
		check_leg(cfg, &cfg->static_sessions[i].a);
		check_leg(cfg, &cfg->static_sessions[i].b);
	}
	if (cfg->n_static_sessions)
		check_unique(cfg->static_sessions[0].name, cfg->n_static_sessions,
			     sizeof(cfg->static_sessions[0]), LTS_CFG_NAME_MAX);

	CHECK(cfg->limits.max_tunnels >= 1 && cfg->limits.max_sessions >= 1);
	CHECK(cfg->limits.max_sessions <= cfg->max_sessions);
	CHECK(cfg->limits.sccrq_rate >= 1 && cfg->limits.sccrq_burst >= 1);
	CHECK(cfg->limits.max_half_open >= 1 && cfg->limits.max_half_open_per_source >= 1);
	check_ctrl(&cfg->control);

	CHECK(!cfg->n_lac_peers == !cfg->lac_peers);
	for (i = 0; i < cfg->n_lac_peers; i++) {
		const struct lts_lac_peer *p = &cfg->lac_peers[i];

		NONEMPTY(p->name);
		STR(p->hostname);
		STR(p->secret);
		CHECK(p->secret_len == strlen(p->secret));
		CHECK(!p->hide_avps || p->secret_len); /* RFC 2661 4.3 */
		check_prefix(&p->match);
		check_ctrl(&p->ctrl);
	}
	if (cfg->n_lac_peers)
		check_unique(cfg->lac_peers[0].name, cfg->n_lac_peers, sizeof(cfg->lac_peers[0]),
			     LTS_CFG_NAME_MAX);

	CHECK(!cfg->n_lns_peers == !cfg->lns_peers);
	for (i = 0; i < cfg->n_lns_peers; i++) {
		const struct lts_lns_peer *p = &cfg->lns_peers[i];

		NONEMPTY(p->name);
		NONEMPTY(p->hostname);
		STR(p->secret);
		CHECK(p->secret_len == strlen(p->secret));
		CHECK(!p->hide_avps || p->secret_len);
		CHECK(ip_known(&p->address) && p->port);
		CHECK(p->local.family == LTS_FAMILY_NONE || p->local.family == p->address.family);
		CHECK(strcmp(lts_tunnel_mode_name(p->tunnel), "unknown"));
		CHECK(p->max_sessions_per_tunnel >= 1);
		check_ctrl(&p->ctrl);
	}
	if (cfg->n_lns_peers)
		check_unique(cfg->lns_peers[0].name, cfg->n_lns_peers, sizeof(cfg->lns_peers[0]),
			     LTS_CFG_NAME_MAX);

	CHECK(!cfg->n_rules == !cfg->rules);
	for (i = 0; i < cfg->n_rules; i++) {
		const struct lts_rule *r = &cfg->rules[i];

		NONEMPTY(r->name);
		STR(r->realm);
		STR(r->user);
		STR(r->called_number);
		STR(r->calling_number);
		STR(r->lac_hostname);
		CHECK(!strchr(r->realm, '@'));
		CHECK(r->at_iccn == (r->realm[0] || r->user[0]));
		CHECK(r->lac_peer_idx >= -1 && r->lac_peer_idx < (long long)cfg->n_lac_peers);
		CHECK(r->lns_peer_idx >= -1 && r->lns_peer_idx < (long long)cfg->n_lns_peers);
		CHECK(r->lac_peer_idx < 0 || r->lns_peer_idx < 0);
		CHECK(r->calling_number_policy == LTS_AVP_POLICY_RELAY ||
		      r->calling_number_policy == LTS_AVP_POLICY_DROP);
		CHECK(r->bearer_type_policy == LTS_AVP_POLICY_RELAY ||
		      r->bearer_type_policy == LTS_AVP_POLICY_DROP);
		CHECK(r->n_pool >= 1 && r->n_pool <= LTS_RULE_POOL_MAX && r->pool);
		for (j = 0; j < r->n_pool; j++) {
			CHECK(r->pool[j].lns_idx < cfg->n_lns_peers);
			CHECK(r->pool[j].preference <= 65535);
			CHECK(r->pool[j].weight >= 1 && r->pool[j].weight <= 1000);
			for (k = 0; k < j; k++)
				CHECK(r->pool[j].lns_idx != r->pool[k].lns_idx);
		}
	}
	if (cfg->n_rules)
		check_unique(cfg->rules[0].name, cfg->n_rules, sizeof(cfg->rules[0]),
			     LTS_CFG_NAME_MAX);
}

/* Two loads of one file: the same config, byte for byte (allocations are zeroed). */
static void check_same(const struct lts_config *a, const struct lts_config *b)
{
	struct lts_config ta, tb;
	struct lts_rule ra, rb;
	size_t i;

	memcpy(&ta, a, sizeof(ta));
	memcpy(&tb, b, sizeof(tb));

	ta.interfaces = tb.interfaces = NULL;
	ta.static_sessions = tb.static_sessions = NULL;
	ta.lac_peers = tb.lac_peers = NULL;
	ta.lns_peers = tb.lns_peers = NULL;
	ta.rules = tb.rules = NULL;
	CHECK(!memcmp(&ta, &tb, sizeof(ta)));
#define SAME(arr, n) CHECK(!(n) || !memcmp(a->arr, b->arr, (n) * sizeof(a->arr[0])))
	SAME(interfaces, a->n_interfaces);
	SAME(static_sessions, a->n_static_sessions);
	SAME(lac_peers, a->n_lac_peers);
	SAME(lns_peers, a->n_lns_peers);
#undef SAME
	for (i = 0; i < a->n_rules; i++) {
		memcpy(&ra, &a->rules[i], sizeof(ra));
		memcpy(&rb, &b->rules[i], sizeof(rb));
		ra.pool = rb.pool = NULL;
		CHECK(!memcmp(&ra, &rb, sizeof(ra)));
		CHECK(!memcmp(a->rules[i].pool, b->rules[i].pool,
			      a->rules[i].n_pool * sizeof(a->rules[i].pool[0])));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char sentinel;
	struct lts_config *const untouched = (struct lts_config *)&sentinel;
	struct lts_config *cfg = untouched, *again = untouched;
	char err[LTS_CFG_ERR_MAX], short_err[SHORT_ERR];
	const char *yaml = (const char *)data;
	int ret, ret2;

	memset(err, 0x5a, sizeof(err));
	ret = lts_config_load_string(NAME, yaml, size, &cfg, err, sizeof(err));
	if (ret) {
		CHECK(cfg == untouched);
		check_error(data, size, ret, err, sizeof(err));

		memset(short_err, 0x5a, sizeof(short_err));
		ret2 = lts_config_load_string(NAME, yaml, size, &cfg, short_err,
					      sizeof(short_err));
		CHECK(ret2 == ret && cfg == untouched);
		CHECK(memchr(short_err, '\0', sizeof(short_err)));
		CHECK(!strncmp(err, short_err, strlen(short_err)));
		CHECK(lts_config_load_string(NAME, yaml, size, &cfg, NULL, 0) == ret);
		CHECK(cfg == untouched);
		return 0;
	}
	CHECK(cfg && cfg != untouched);
	check_invariants(cfg);
	CHECK(lts_config_load_string(NAME, yaml, size, &again, err, sizeof(err)) == 0);
	CHECK(again && again != untouched && again != cfg);
	check_same(cfg, again);
	lts_config_free(again);
	lts_config_free(cfg);
	return 0;
}
