// SPDX-License-Identifier: GPL-2.0
/*
 * Switch entries compiled for the XDP program: field layout, and the one's
 * complement deltas (RFC 1624) of the header rewrite, so that the program
 * only adds them. Words are summed as they lie in memory (the program loads
 * them the same way), so the deltas are right on either byte order.
 */
#include <arpa/inet.h>
#include <string.h>
#include "entry.h"

static uint32_t sum_words(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t sum = 0;
	uint16_t w;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		memcpy(&w, b + i, 2);
		sum += w;
	}
	return sum;
}

/* A 16-bit field as it lies in the frame (network order), as a word in memory. */
static uint32_t word_of(uint16_t host)
{
	uint16_t be = htons(host);

	return be;
}

static uint16_t fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* What turns words summing to old_sum into words summing to new_sum. */
static uint16_t delta(uint32_t old_sum, uint32_t new_sum)
{
	return fold((uint16_t)~fold(old_sum) + (uint32_t)fold(new_sum));
}

static size_t addr_len(uint8_t family)
{
	return family == LTS_FAMILY_IPV4 ? 4 : 16;
}

/*
 * The UDP checksum's delta: pseudo-header addresses, both ports, the L2TP
 * IDs. The destination port the frame arrived on is not known here (any of
 * the L2TP ports); the program adds its term. Length and protocol terms are
 * equal in the IPv4 and IPv6 pseudo-headers.
 */
static uint16_t udp_delta(const struct lts_switch_key *k, const struct lts_switch_val *v)
{
	uint32_t old = sum_words(k->peer_addr, addr_len(k->family)) +
		       sum_words(k->local_addr, addr_len(k->family)) + word_of(k->peer_port) +
		       word_of(k->tunnel_id) + word_of(k->session_id);
	uint32_t new = sum_words(v->local_addr, addr_len(v->family)) +
		       sum_words(v->peer_addr, addr_len(v->family)) + word_of(v->local_port) +
		       word_of(v->peer_port) + word_of(v->peer_tunnel_id) +
		       word_of(v->peer_session_id);

	return delta(old, new);
}

/* The IPv4 header's delta: both addresses and the TTL's decrement (protocol UDP). */
static uint16_t ip_delta(const struct lts_switch_key *k, const struct lts_switch_val *v)
{
	static const uint8_t ttl_before[2] = { 2, 17 }, ttl_after[2] = { 1, 17 };
	uint32_t old = sum_words(k->peer_addr, 4) + sum_words(k->local_addr, 4) +
		       sum_words(ttl_before, 2);
	uint32_t new = sum_words(v->local_addr, 4) + sum_words(v->peer_addr, 4) +
		       sum_words(ttl_after, 2);

	return delta(old, new);
}

bool lts_entry_is_fast(const struct lts_switch_key *key, const struct lts_switch_val *val)
{
	return key->family == LTS_FAMILY_IPV4 && val->family == LTS_FAMILY_IPV4;
}

static uint8_t entry_flags(const struct lts_switch_val *val)
{
	uint8_t f = LTS_FE_VALID;

	if (val->flags & LTS_SW_F_DSCP_SET)
		f |= LTS_FE_DSCP_SET;
	else if (val->flags & LTS_SW_F_DSCP_COPY)
		f |= LTS_FE_DSCP_COPY;
	if (val->police_kbps)
		f |= LTS_FE_POLICE;
	return f;
}

void lts_entry_fast(const struct lts_switch_key *key, const struct lts_switch_val *val,
		    uint16_t nexthop, struct lts_fast_entry *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->peer_addr, key->peer_addr, 4);
	memcpy(out->local_addr, key->local_addr, 4);
	out->peer_port = key->peer_port;
	out->tunnel_id = key->tunnel_id;
	out->session_id = key->session_id;
	out->flags = entry_flags(val);
	out->dscp = val->dscp;
	memcpy(out->out_local_addr, val->local_addr, 4);
	memcpy(out->out_peer_addr, val->peer_addr, 4);
	out->out_local_port = val->local_port;
	out->out_peer_port = val->peer_port;
	out->out_tunnel_id = val->peer_tunnel_id;
	out->out_session_id = val->peer_session_id;
	out->ip_csum = ip_delta(key, val);
	out->udp_csum = udp_delta(key, val);
	out->nexthop = nexthop;
	out->dir = val->dir;
	out->stats_idx = val->stats_idx;
}

void lts_entry_wide(const struct lts_switch_key *key, const struct lts_switch_val *val,
		    uint16_t nexthop, struct lts_wide_val *out)
{
	memset(out, 0, sizeof(*out));
	out->family = val->family;
	out->flags = entry_flags(val);
	out->dscp = val->dscp;
	out->out_local_port = val->local_port;
	out->out_peer_port = val->peer_port;
	out->out_tunnel_id = val->peer_tunnel_id;
	out->out_session_id = val->peer_session_id;
	if (lts_entry_is_fast(key, val))
		out->ip_csum = ip_delta(key, val);
	out->udp_csum = udp_delta(key, val);
	out->nexthop = nexthop;
	out->dir = val->dir;
	out->stats_idx = val->stats_idx;
	memcpy(out->out_local_addr, val->local_addr, sizeof(out->out_local_addr));
	memcpy(out->out_peer_addr, val->peer_addr, sizeof(out->out_peer_addr));
}

void lts_entry_policer(const struct lts_switch_val *val, uint64_t now_ns, struct lts_policer *out)
{
	/* kbit/s -> bytes per 2^LTS_POLICE_SHIFT ns; a full bucket to start with. */
	memset(out, 0, sizeof(*out));
	out->rate = (uint64_t)((double)val->police_kbps * 125.0 *
			       (double)(1ull << LTS_POLICE_SHIFT) / 1e9 + 0.5);
	out->burst = val->police_burst;
	out->tokens = val->police_burst;
	out->last_ns = now_ns;
}

void lts_entry_nh(const struct lts_switch_val *val, struct lts_nh_entry *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->dst_mac, val->dst_mac, sizeof(out->dst_mac));
	memcpy(out->src_mac, val->src_mac, sizeof(out->src_mac));
	out->vlan_tci = val->vlan_tci;
	out->mtu = val->mtu;
	out->ifindex = val->ifindex;
	if (val->flags & LTS_SW_F_NH_VALID)
		out->flags |= LTS_NH_F_VALID;
	if (val->flags & LTS_SW_F_VLAN)
		out->flags |= LTS_NH_F_VLAN;
}

void lts_entry_dir_stats(uint64_t packets, uint64_t bytes, uint32_t last_seen, uint64_t now_ns,
			 struct lts_dir_stats *out)
{
	memset(out, 0, sizeof(*out));
	/* Both with the lowest bit set, like every stamp the program writes. */
	uint32_t age = (uint32_t)(now_ns >> LTS_LAST_SEEN_SHIFT) | 1;
	uint64_t back;

	out->packets = packets;
	out->bytes = bytes;
	out->last_seen_ns = 0;
	if (!last_seen)
		return;
	age -= last_seen;
	back = (uint64_t)age << LTS_LAST_SEEN_SHIFT;
	out->last_seen_ns = back < now_ns ? now_ns - back : 1;
}
