// SPDX-License-Identifier: GPL-2.0
/*
 * What a reload compares: peers, rules and static sessions are matched by
 * name between the running and the new configuration, and the few keys
 * that only a restart can change are named.
 */
#include <stdio.h>
#include <string.h>
#include "lts_config.h"

#define FIND_BY_NAME(arr, n, name)                                             \
	do {                                                                   \
		for (size_t i_ = 0; i_ < (n); i_++)                           \
			if (!strcmp((arr)[i_].name, (name)))                   \
				return (int)i_;                                \
		return -1;                                                     \
	} while (0)

int lts_config_lac_index(const struct lts_config *cfg, const char *name)
{
	FIND_BY_NAME(cfg->lac_peers, cfg->n_lac_peers, name);
}

int lts_config_lns_index(const struct lts_config *cfg, const char *name)
{
	FIND_BY_NAME(cfg->lns_peers, cfg->n_lns_peers, name);
}

int lts_config_rule_index(const struct lts_config *cfg, const char *name)
{
	FIND_BY_NAME(cfg->rules, cfg->n_rules, name);
}

int lts_config_static_index(const struct lts_config *cfg, const char *name)
{
	FIND_BY_NAME(cfg->static_sessions, cfg->n_static_sessions, name);
}

bool lts_static_session_equal(const struct lts_static_session *a,
			      const struct lts_static_session *b)
{
	/* Legs are zero-initialised by the loader: padding compares equal. */
	return !strcmp(a->name, b->name) && !memcmp(&a->a, &b->a, sizeof(a->a)) &&
	       !memcmp(&a->b, &b->b, sizeof(a->b));
}

int lts_config_needs_restart(const struct lts_config *old, const struct lts_config *new,
			     char *why, size_t size)
{
	const char *key = NULL;

	if (strcmp(old->bpffs, new->bpffs))
		key = "switch.bpffs";
	else if (strcmp(old->control_socket, new->control_socket))
		key = "switch.control_socket";
	else if (old->mode != new->mode)
		key = "dataplane.mode";
	else if (old->n_interfaces != new->n_interfaces ||
		 memcmp(old->interfaces, new->interfaces,
			old->n_interfaces * sizeof(*old->interfaces)))
		key = "dataplane.interfaces";
	else if (old->n_l2tp_ports != new->n_l2tp_ports ||
		 memcmp(old->l2tp_ports, new->l2tp_ports,
			old->n_l2tp_ports * sizeof(*old->l2tp_ports)))
		key = "dataplane.l2tp_ports";
	else if (old->max_sessions != new->max_sessions)
		key = "dataplane.max_sessions";
	else if (old->limits.max_sessions != new->limits.max_sessions)
		key = "limits.max_sessions";
	else if (strcmp(old->metrics.listen, new->metrics.listen))
		key = "metrics.listen";
	if (!key)
		return 0;
	snprintf(why, size, "%s changed: that needs a restart (ltsctl restart keeps the sessions)",
		 key);
	return 1;
}
