/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Run-time matching against the config (lts_match.c): the lac_peer of an
 * SCCRQ and the rule of a call.
 */
#ifndef LTS_MATCH_H
#define LTS_MATCH_H

#include <stdbool.h>
#include "lts_config.h"

/*
 * The lac_peer that an SCCRQ from addr presenting Host Name hostname (NULL:
 * none) belongs to, or NULL: refuse it (StopCCN result 4). Candidates are
 * the peers whose prefix holds addr and whose hostname is unset or equal to
 * hostname; the longest prefix wins, and at equal length the peer that names
 * hostname beats the one that names none. The loader refuses configs where
 * this could tie. IPv4 must be passed as LTS_FAMILY_IPV4, not v4-mapped.
 */
const struct lts_lac_peer *lts_config_match_lac(const struct lts_config *cfg,
						 const struct lts_ip *addr,
						 const char *hostname);

/*
 * What a call offers to the rules. Strings are NUL-terminated; NULL means
 * the AVP was absent. lac_peer_idx is the index of the lac_peer of the
 * call's tunnel in lts_config.lac_peers, lac_hostname the Host Name that
 * LAC presented in its SCCRQ.
 */
struct lts_call_keys {
	const char *user; /* Proxy Authen Name; NULL: not known yet (ICRQ). At
			   * ICCN pass "" if the ICCN carried none. */
	const char *called_number, *calling_number;
	int lac_peer_idx;
	bool from_lns;    /* an LNS placed the call on our tunnel to it ... */
	int lns_peer_idx; /* ... lns_peers[lns_peer_idx] */
	const char *lac_hostname;
};

/*
 * Whether every key r sets matches k. A key the rule sets never matches an
 * absent call key; realm and user never match while k->user is NULL.
 */
bool lts_rule_matches(const struct lts_rule *r, const struct lts_call_keys *k);

/*
 * The first rule of cfg that matches k, or NULL: refuse the call. While
 * k->user is NULL (ICRQ), an at_iccn rule that comes first and whose other
 * keys match might still match once the user is known: then NULL is
 * returned with *need_iccn set, and the caller answers the ICRQ and asks
 * again at ICCN with k->user set. Otherwise *need_iccn is cleared.
 * need_iccn may be NULL.
 */
const struct lts_rule *lts_config_match_rule(const struct lts_config *cfg,
					     const struct lts_call_keys *k,
					     bool *need_iccn);

#endif /* LTS_MATCH_H */
