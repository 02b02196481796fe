// SPDX-License-Identifier: GPL-2.0
/*
 * Egress resolution: a cache of next hops (family, peer, local -> outgoing
 * interface, MACs, MTU, VLAN, or unresolved), each with the list of switch
 * entries behind it. Entries are filled from their next hop when installed;
 * a next hop whose answer changes is written to the fast path's nexthops
 * map once and updates the agent's copies of its own entries.
 */
#define LTS_LOG_SUBSYS LTS_TRACE_DATAPLANE
#include <errno.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "egress.h"
#include "entry.h"
#include "lib/log.h"
#include "lts_config.h"

/* A record of by_key: the next hop's key, then its slot. */
struct nh_ref {
	struct lts_egress_nh_key key;
	uint32_t slot;
};

int lts_egress_init(struct lts_egress *eg, const struct lts_egress_ops *ops,
		    struct lts_swtab *tab, const uint32_t *ifindexes, size_t n_ifindexes,
		    uint32_t max_nhs)
{
	int err;

	*eg = (struct lts_egress){ .ops = *ops, .tab = tab, .ifindexes = ifindexes,
				   .n_ifindexes = n_ifindexes, .free = LTS_SWTAB_NONE };
	/* Sized for the worst case (a next hop per entry); untouched pages cost nothing. */
	err = lts_hashtab_init(&eg->by_key, sizeof(struct nh_ref),
			       sizeof(struct lts_egress_nh_key), max_nhs ?: 1);
	if (err)
		lts_egress_fini(eg);
	return err;
}

void lts_egress_fini(struct lts_egress *eg)
{
	lts_hashtab_fini(&eg->by_key);
	free(eg->nhs);
	eg->nhs = NULL;
	eg->n_slots = eg->cap = eg->n_nhs = eg->n_unresolved = 0;
	eg->free = LTS_SWTAB_NONE;
}

static bool attached(const struct lts_egress *eg, uint32_t ifindex)
{
	size_t i;

	for (i = 0; i < eg->n_ifindexes; i++)
		if (eg->ifindexes[i] == ifindex)
			return true;
	return false;
}

static const char *nh_str(const struct lts_egress_nh *n, char *buf, size_t size)
{
	struct lts_ip peer = { .family = n->key.family }, local = { .family = n->key.family };
	char p[INET6_ADDRSTRLEN], l[INET6_ADDRSTRLEN];
	static const uint8_t zero[16];

	memcpy(peer.addr, n->key.peer, sizeof(peer.addr));
	memcpy(local.addr, n->key.local, sizeof(local.addr));
	lts_ip_str(&peer, p, sizeof(p));
	if (memcmp(n->key.local, zero, sizeof(zero)))
		snprintf(buf, size, "%s (from %s)", p, lts_ip_str(&local, l, sizeof(l)));
	else
		snprintf(buf, size, "%s", p);
	return buf;
}

static const char *why_str(int err)
{
	return err == -EAGAIN ? "neighbour resolving"
	       : err == -ENODEV ? "egress interface without the fast path"
				: strerror(-err);
}

/* One answer of the resolver for n, into n->err and n->nh (-ENODEV: not ours). */
static int resolve(struct lts_egress *eg, struct lts_egress_nh_key *key,
		   struct lts_nexthop *nh)
{
	int err;

	memset(nh, 0, sizeof(*nh));
	eg->resolves++;
	err = eg->ops.resolve(eg->ops.ctx, key->family, key->peer, key->local, nh);
	if (!err && !attached(eg, nh->ifindex))
		err = -ENODEV; /* not an interface the fast path runs on */
	return err;
}

/* A next hop is new or its answer changed: one line, whatever the entries behind it. */
static void log_nh(const struct lts_egress_nh *n, const char *what)
{
	char where[2 * INET6_ADDRSTRLEN + 16];

	nh_str(n, where, sizeof(where));
	if (!n->err)
		pr_info("next hop for %s on ifindex %u %02x:%02x:%02x:%02x:%02x:%02x mtu %u%s "
			"(%s)",
			where, n->nh.ifindex, n->nh.dst_mac[0], n->nh.dst_mac[1],
			n->nh.dst_mac[2], n->nh.dst_mac[3], n->nh.dst_mac[4], n->nh.dst_mac[5],
			n->nh.mtu, n->nh.vlan_id ? " (vlan)" : "", what);
	else
		pr_info("next hop for %s unresolved (%s): slow path (%s)", where,
			why_str(n->err), what);
}

/* An entry's egress fields from its next hop. */
static void apply(struct lts_switch_val *val, const struct lts_egress_nh *n)
{
	if (n->err) {
		/* The last good MACs stay; without the flag the fast path ignores them. */
		val->flags &= ~LTS_SW_F_NH_VALID;
		return;
	}
	val->ifindex = n->nh.ifindex;
	val->mtu = n->nh.mtu > UINT16_MAX ? UINT16_MAX : n->nh.mtu;
	memcpy(val->src_mac, n->nh.src_mac, sizeof(val->src_mac));
	memcpy(val->dst_mac, n->nh.dst_mac, sizeof(val->dst_mac));
	val->flags &= ~LTS_SW_F_VLAN;
	val->vlan_tci = n->nh.vlan_id;
	if (n->nh.vlan_id)
		val->flags |= LTS_SW_F_VLAN;
	val->flags |= LTS_SW_F_NH_VALID;
}

/* Write next hop slot to the fast path, from its (last good) answer. */
static void write_nh(struct lts_egress *eg, uint32_t slot)
{
	const struct lts_egress_nh *n = &eg->nhs[slot];
	struct lts_switch_val val = { 0 };
	struct lts_nh_entry rec;
	int err;

	apply(&val, n);
	lts_entry_nh(&val, &rec);
	err = eg->ops.write_nh(eg->ops.ctx, slot + 1, &rec);
	if (err)
		pr_err("next hop %u: cannot write to the fast path: %s", slot + 1, strerror(-err));
}

static void log_entry(const struct lts_swtab_entry *e, const struct lts_egress_nh *n)
{
	pr_debug("tun %u/%u -> %u/%u: %s, ifindex %u", e->key.tunnel_id, e->key.session_id,
		 e->val.peer_tunnel_id, e->val.peer_session_id,
		 n->err ? "slow path" : "fast path", e->val.ifindex);
}

/* A zeroed free slot for a new next hop, or LTS_SWTAB_NONE when out of memory. */
static uint32_t slot_new(struct lts_egress *eg)
{
	struct lts_egress_nh *nhs;
	uint32_t slot, cap;

	if (eg->free != LTS_SWTAB_NONE) {
		slot = eg->free;
		eg->free = eg->nhs[slot].next_free;
	} else {
		if (eg->n_slots == eg->cap) {
			cap = eg->cap ? 2 * eg->cap : 16;
			nhs = realloc(eg->nhs, (size_t)cap * sizeof(*nhs));
			if (!nhs)
				return LTS_SWTAB_NONE;
			eg->nhs = nhs;
			eg->cap = cap;
		}
		slot = eg->n_slots++;
	}
	/* n_entries 0: a slot that is not (yet) a next hop is skipped by refresh. */
	memset(&eg->nhs[slot], 0, sizeof(eg->nhs[slot]));
	return slot;
}

static void nh_key_of(const struct lts_switch_val *val, struct lts_egress_nh_key *key)
{
	memset(key, 0, sizeof(*key));
	key->family = val->family;
	memcpy(key->peer, val->peer_addr, sizeof(key->peer));
	memcpy(key->local, val->local_addr, sizeof(key->local));
}

int lts_egress_hold(struct lts_egress *eg, uint32_t n)
{
	struct lts_egress_nh *nhs;

	if (n <= eg->n_slots)
		return 0;
	if (n > eg->cap) {
		nhs = realloc(eg->nhs, (size_t)n * sizeof(*nhs));
		if (!nhs)
			return -ENOMEM;
		eg->nhs = nhs;
		eg->cap = n;
	}
	/* n_entries 0 and on no free list: neither refreshed nor handed out. */
	memset(&eg->nhs[eg->n_slots], 0, (size_t)(n - eg->n_slots) * sizeof(*nhs));
	eg->n_slots = n;
	eg->held = n;
	return 0;
}

void lts_egress_release_held(struct lts_egress *eg)
{
	uint32_t slot;

	for (slot = 0; slot < eg->held; slot++) {
		if (eg->nhs[slot].n_entries)
			continue;
		eg->nhs[slot].next_free = eg->free;
		eg->free = slot;
	}
	eg->held = 0;
}

int lts_egress_attach(struct lts_egress *eg, struct lts_swtab_entry *e)
{
	struct nh_ref ref, *r;
	struct lts_egress_nh *n;
	uint32_t idx = lts_swtab_idx(eg->tab, e);
	bool fresh = false;
	int err = -ENOMEM;

	nh_key_of(&e->val, &ref.key);
	r = lts_hashtab_lookup(&eg->by_key, &ref.key);
	if (!r) {
		ref.slot = slot_new(eg);
		if (ref.slot == LTS_SWTAB_NONE)
			goto fail;
		r = lts_hashtab_insert(&eg->by_key, &ref);
		if (!r) {
			err = -errno;
			eg->nhs[ref.slot].next_free = eg->free;
			eg->free = ref.slot;
			goto fail;
		}
		n = &eg->nhs[ref.slot];
		*n = (struct lts_egress_nh){ .key = ref.key, .first = LTS_SWTAB_NONE };
		n->err = resolve(eg, &n->key, &n->nh);
		if (n->err)
			eg->n_unresolved++;
		eg->n_nhs++;
		fresh = true;
	}
	n = &eg->nhs[r->slot];
	/* Push on the front of the next hop's list: O(1). */
	e->nh = r->slot;
	e->nh_prev = LTS_SWTAB_NONE;
	e->nh_next = n->first;
	if (n->first != LTS_SWTAB_NONE)
		lts_swtab_at(eg->tab, n->first)->nh_prev = idx;
	n->first = idx;
	n->n_entries++;
	apply(&e->val, n);
	if (fresh) {
		write_nh(eg, r->slot);
		log_nh(n, "new");
	}
	log_entry(e, n);
	return 0;

fail:
	e->val.flags &= ~LTS_SW_F_NH_VALID;
	pr_err("tun %u/%u: no room for its next hop (%s): slow path", e->key.tunnel_id,
	       e->key.session_id, strerror(-err));
	return err;
}

void lts_egress_detach(struct lts_egress *eg, struct lts_swtab_entry *e)
{
	struct lts_egress_nh *n;
	uint32_t slot = e->nh;

	if (slot == LTS_SWTAB_NONE)
		return;
	n = &eg->nhs[slot];
	if (e->nh_prev != LTS_SWTAB_NONE)
		lts_swtab_at(eg->tab, e->nh_prev)->nh_next = e->nh_next;
	else
		n->first = e->nh_next;
	if (e->nh_next != LTS_SWTAB_NONE)
		lts_swtab_at(eg->tab, e->nh_next)->nh_prev = e->nh_prev;
	e->nh = e->nh_prev = e->nh_next = LTS_SWTAB_NONE;
	if (--n->n_entries)
		return;
	/* The last entry is gone: forget the next hop, its answer would go stale. */
	lts_hashtab_remove(&eg->by_key, &n->key);
	if (n->err)
		eg->n_unresolved--;
	eg->n_nhs--;
	n->next_free = eg->free;
	eg->free = slot;
}

/* Field by field: struct lts_nexthop has tail padding. */
static bool nh_equal(const struct lts_nexthop *a, const struct lts_nexthop *b)
{
	return a->ifindex == b->ifindex && a->mtu == b->mtu && a->vlan_id == b->vlan_id &&
	       !memcmp(a->src_mac, b->src_mac, sizeof(a->src_mac)) &&
	       !memcmp(a->dst_mac, b->dst_mac, sizeof(a->dst_mac));
}

/* The agent's copies of the entries behind n follow its (changed) answer; how many changed. */
static uint32_t rewrite(struct lts_egress *eg, const struct lts_egress_nh *n)
{
	struct lts_swtab_entry *e;
	uint32_t i, changed = 0;

	for (i = n->first; i != LTS_SWTAB_NONE; i = e->nh_next) {
		struct lts_switch_val val;

		e = lts_swtab_at(eg->tab, i);
		val = e->val;
		apply(&val, n);
		if (!memcmp(&val, &e->val, sizeof(val)))
			continue;
		e->val = val;
		changed++;
		log_entry(e, n);
	}
	return changed;
}

int lts_egress_refresh(struct lts_egress *eg, bool all)
{
	uint32_t slot;

	for (slot = 0; slot < eg->n_slots; slot++) {
		struct lts_egress_nh *n = &eg->nhs[slot];
		struct lts_nexthop nh;
		bool was_ok = !n->err, changed;
		char what[64];
		int err;

		if (!n->n_entries || (!all && !n->err))
			continue;
		err = resolve(eg, &n->key, &nh);
		/* A failure is a failure: its reason alone changes no entry. */
		changed = err ? was_ok : !was_ok || !nh_equal(&nh, &n->nh);
		if (err && was_ok)
			eg->n_unresolved++;
		else if (!err && !was_ok)
			eg->n_unresolved--;
		n->err = err;
		if (!err)
			n->nh = nh;
		if (!changed)
			continue;
		write_nh(eg, slot);
		snprintf(what, sizeof(what), "%u of %u entries follow", rewrite(eg, n),
			 n->n_entries);
		log_nh(n, what);
	}
	return (int)eg->n_unresolved;
}
