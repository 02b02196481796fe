// SPDX-License-Identifier: GPL-2.0
/*
 * Egress resolution: fills each switch entry's outgoing interface, MACs,
 * MTU and VLAN from the kernel's routes and neighbours, and pushes the
 * entries that changed to the XDP switch table.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <string.h>
#include "bpf_loader.h"
#include "egress.h"
#include "lib/log.h"

static int attached(const struct lts_egress *eg, uint32_t ifindex)
{
	size_t i;

	for (i = 0; i < eg->n_ifindexes; i++)
		if (eg->ifindexes[i] == ifindex)
			return 1;
	return 0;
}

static void apply_nexthop(struct lts_switch_val *val, const struct lts_nexthop *nh)
{
	val->ifindex = nh->ifindex;
	val->mtu = nh->mtu > UINT16_MAX ? UINT16_MAX : nh->mtu;
	memcpy(val->src_mac, nh->src_mac, sizeof(val->src_mac));
	memcpy(val->dst_mac, nh->dst_mac, sizeof(val->dst_mac));
	val->flags &= ~LTS_SW_F_VLAN;
	val->vlan_tci = nh->vlan_id;
	if (nh->vlan_id)
		val->flags |= LTS_SW_F_VLAN;
	val->flags |= LTS_SW_F_NH_VALID;
}

static void log_change(const struct lts_swtab_entry *e, const struct lts_switch_val *new, int err)
{
	char peer[INET6_ADDRSTRLEN];

	inet_ntop(new->family == LTS_FAMILY_IPV4 ? AF_INET : AF_INET6, new->peer_addr, peer,
		  sizeof(peer));
	if (new->flags & LTS_SW_F_NH_VALID)
		pr_info("tun %u/%u -> %u/%u: next hop for %s on ifindex %u "
			"%02x:%02x:%02x:%02x:%02x:%02x mtu %u%s",
			e->key.tunnel_id, e->key.session_id, new->peer_tunnel_id,
			new->peer_session_id, peer, new->ifindex, new->dst_mac[0], new->dst_mac[1],
			new->dst_mac[2], new->dst_mac[3], new->dst_mac[4], new->dst_mac[5],
			new->mtu, (new->flags & LTS_SW_F_VLAN) ? " (vlan)" : "");
	else
		pr_info("tun %u/%u -> %u/%u: next hop for %s unresolved (%s): slow path",
			e->key.tunnel_id, e->key.session_id, new->peer_tunnel_id,
			new->peer_session_id, peer,
			err == -EAGAIN ? "neighbour resolving" : strerror(-err));
}

int lts_egress_refresh(const struct lts_egress *eg, struct lts_swtab *tab)
{
	struct lts_swtab_entry *e;
	int unresolved = 0, err;

	lts_swtab_for_each(tab, e) {
		struct lts_switch_val new = e->val;
		struct lts_nexthop nh;

		err = lts_nh_resolve(eg->nl, new.family, new.peer_addr, new.local_addr, &nh);
		if (!err && !attached(eg, nh.ifindex))
			err = -ENODEV; /* not an interface the fast path runs on */
		if (!err) {
			apply_nexthop(&new, &nh);
		} else {
			new.flags &= ~LTS_SW_F_NH_VALID;
			unresolved++;
		}
		if (!memcmp(&new, &e->val, sizeof(new)))
			continue;
		if ((new.flags ^ e->val.flags) & LTS_SW_F_NH_VALID || err == 0)
			log_change(e, &new, err);
		e->val = new;
		err = lts_bpf_install(eg->skel, &e->key, &e->val);
		if (err)
			pr_err("tun %u/%u: cannot update the switch table: %s", e->key.tunnel_id,
			       e->key.session_id, strerror(-err));
	}
	return unresolved;
}
