// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses of the config model (struct lts_ip, struct lts_prefix): the one
 * place that formats, compares and matches them, for the parser, the
 * control plane, the data plane and the operator socket alike.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "lts_config.h"

const char *lts_ip_str(const struct lts_ip *ip, char *buf, size_t size)
{
	int af = ip->family == LTS_FAMILY_IPV4 ? AF_INET :
		 ip->family == LTS_FAMILY_IPV6 ? AF_INET6 : AF_UNSPEC;

	if (af == AF_UNSPEC || !inet_ntop(af, ip->addr, buf, size))
		snprintf(buf, size, "?");
	return buf;
}

bool lts_ip_equal(const struct lts_ip *a, const struct lts_ip *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

bool lts_prefix_has(const struct lts_prefix *p, const struct lts_ip *ip)
{
	unsigned int full = p->len / 8, rest = p->len % 8;

	if (p->ip.family != ip->family)
		return false;
	if (memcmp(p->ip.addr, ip->addr, full))
		return false;
	return !rest ||
	       !((p->ip.addr[full] ^ ip->addr[full]) & (0xff00 >> rest));
}

