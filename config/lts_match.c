// SPDX-License-Identifier: GPL-2.0
/*
 * Run-time matching against the config: which lac_peer an SCCRQ belongs to
 * and which rule a call follows. Runs for every tunnel and every call, so it
 * lives apart from the YAML parser.
 */
#include <fnmatch.h>
#include <string.h>
#include <strings.h>
#include "lts_match.h"

const struct lts_lac_peer *lts_config_match_lac(const struct lts_config *cfg,
						 const struct lts_ip *addr,
						 const char *hostname)
{
	const struct lts_lac_peer *best = NULL;
	int rank, best_rank = -1;
	size_t i;

	for (i = 0; i < cfg->n_lac_peers; i++) {
		const struct lts_lac_peer *p = &cfg->lac_peers[i];
		bool named = p->hostname[0];

		if (!lts_prefix_has(&p->match, addr))
			continue;
		if (named && (!hostname || strcmp(p->hostname, hostname)))
			continue;
		/* Longest prefix first, then a named peer over an unnamed. */
		rank = 2 * p->match.len + named;
		if (rank > best_rank) {
			best = p;
			best_rank = rank;
		}
	}
	return best;
}

/* A key the rule sets ("" is unset) must be present and equal. */
static bool key_is(const char *want, const char *have)
{
	return !want[0] || (have && !strcmp(want, have));
}

/* Every key but realm and user: known at ICRQ. */
static bool match_icrq_keys(const struct lts_rule *r,
			    const struct lts_call_keys *k)
{
	/* Peer roles: calls from an LNS only by a rule that names it. */
	if (r->lns_peer_idx >= 0 ? !k->from_lns || k->lns_peer_idx != r->lns_peer_idx
				  : k->from_lns)
		return false;
	if (r->lac_peer_idx >= 0 && r->lac_peer_idx != k->lac_peer_idx)
		return false;
	if (r->lac_hostname[0] &&
	    (!k->lac_hostname || fnmatch(r->lac_hostname, k->lac_hostname, 0)))
		return false;
	return key_is(r->called_number, k->called_number) &&
	       key_is(r->calling_number, k->calling_number);
}

static bool needs_user(const struct lts_rule *r)
{
	return r->realm[0] || r->user[0];
}

bool lts_rule_matches(const struct lts_rule *r, const struct lts_call_keys *k)
{
	const char *at;

	if (!match_icrq_keys(r, k))
		return false;
	if (!needs_user(r))
		return true;
	if (!k->user || !key_is(r->user, k->user))
		return false;
	if (!r->realm[0])
		return true;
	at = strrchr(k->user, '@');
	return at && !strcasecmp(at + 1, r->realm);
}

const struct lts_rule *lts_config_match_rule(const struct lts_config *cfg,
					     const struct lts_call_keys *k,
					     bool *need_iccn)
{
	size_t i;

	if (need_iccn)
		*need_iccn = false;
	for (i = 0; i < cfg->n_rules; i++) {
		const struct lts_rule *r = &cfg->rules[i];

		/*
		 * Deciding on a later rule now would break first match if
		 * this one turns out to match at ICCN.
		 */
		if (!k->user && needs_user(r)) {
			if (!match_icrq_keys(r, k))
				continue;
			if (need_iccn)
				*need_iccn = true;
			return NULL;
		}
		if (lts_rule_matches(r, k))
			return r;
	}
	return NULL;
}
