// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching the program to an interface with libxdp: one ltsd per
 * interface (an abstract UNIX socket lock), native with a generic fallback,
 * and removal of a crashed instance's leftover program.
 */
#define LTS_LOG_SUBSYS LTS_TRACE_DATAPLANE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <xdp/libxdp.h>
#include "lib/log.h"
#include "xdp_attach.h"

#define LTS_PROG_NAME "lts_xdp"

int lts_xdp_lock(struct lts_xdp_link *l, const char *ifname)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int err;

	memset(l, 0, sizeof(*l));
	l->lock_fd = -1;
	snprintf(l->ifname, sizeof(l->ifname), "%s", ifname);
	l->ifindex = if_nametoindex(ifname);
	if (!l->ifindex) {
		err = -errno;
		pr_err("interface %s: %s", ifname, strerror(-err));
		return err;
	}
	/* Abstract name: sun_path[0] == 0; per network namespace. */
	len = offsetof(struct sockaddr_un, sun_path) + 1 +
	      snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "ltsd/ifindex/%u", l->ifindex);
	l->lock_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (l->lock_fd < 0)
		return -errno;
	if (bind(l->lock_fd, (struct sockaddr *)&sa, len)) {
		err = errno == EADDRINUSE ? -EBUSY : -errno;
		if (err == -EBUSY)
			pr_err("interface %s is in use by another ltsd in this network namespace",
			       ifname);
		close(l->lock_fd);
		l->lock_fd = -1;
		return err;
	}
	return 0;
}

/*
 * With the lock held, a program already on the interface is either a
 * leftover of a crashed ltsd (same name: replaced) or somebody else's
 * (refused: we never take over a foreign program).
 */
int lts_xdp_clear_leftover(struct lts_xdp_link *l)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(l->ifindex);
	struct xdp_program *old;
	const char *name;
	int err = 0;

	if (libxdp_get_error(mp))
		return 0; /* nothing attached */
	old = xdp_multiprog__main_prog(mp);
	if (!old)
		old = xdp_multiprog__hw_prog(mp);
	name = old ? xdp_program__name(old) : "?";
	if (!strcmp(name, LTS_PROG_NAME)) {
		pr_warn("interface %s: replacing a leftover %s program (was ltsd killed?)",
			l->ifname, name);
		err = xdp_multiprog__detach(mp);
	} else {
		pr_err("interface %s already has XDP program '%s' attached; detach it first",
		       l->ifname, name);
		err = -EBUSY;
	}
	xdp_multiprog__close(mp);
	return err;
}

int lts_xdp_attach(struct lts_xdp_link *l, int prog_fd, enum lts_dp_mode mode)
{
	struct xdp_program *prog;
	int err;

	err = lts_xdp_clear_leftover(l);
	if (err)
		return err;
	prog = xdp_program__from_fd(prog_fd);
	err = libxdp_get_error(prog);
	if (err)
		return err;

	if (mode == LTS_DP_NATIVE) {
		err = xdp_program__attach(prog, l->ifindex, XDP_MODE_NATIVE, 0);
		if (!err) {
			pr_info("interface %s: XDP attached in native mode", l->ifname);
			l->prog = prog;
			return 0;
		}
		pr_warn("interface %s: native XDP refused (%s); falling back to skb mode",
			l->ifname, strerror(-err));
	}
	err = xdp_program__attach(prog, l->ifindex, XDP_MODE_SKB, 0);
	if (err) {
		pr_err("interface %s: cannot attach XDP: %s", l->ifname, strerror(-err));
		xdp_program__close(prog);
		return err;
	}
	pr_info("interface %s: XDP attached in skb mode", l->ifname);
	l->skb_mode = 1;
	l->prog = prog;
	return 0;
}

int lts_xdp_replace(struct lts_xdp_link *l, int prog_fd, enum lts_dp_mode mode)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(l->ifindex);
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	struct xdp_program *old;
	enum xdp_attach_mode am;
	__u32 flags;
	int err;

	if (libxdp_get_error(mp))
		return lts_xdp_attach(l, prog_fd, mode); /* nothing attached */
	old = xdp_multiprog__main_prog(mp);
	if (!old || strcmp(xdp_program__name(old), LTS_PROG_NAME)) {
		xdp_multiprog__close(mp);
		return lts_xdp_attach(l, prog_fd, mode); /* refuses a foreign program */
	}
	am = xdp_multiprog__attach_mode(mp);
	flags = XDP_FLAGS_REPLACE | (am == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);
	opts.old_prog_fd = xdp_program__fd(old);
	err = bpf_xdp_attach((int)l->ifindex, prog_fd, flags, &opts);
	xdp_multiprog__close(mp);
	if (err) {
		pr_warn("interface %s: cannot replace the running program (%s): detaching it",
			l->ifname, strerror(-err));
		return lts_xdp_attach(l, prog_fd, mode);
	}
	l->prog = xdp_program__from_fd(prog_fd);
	if (libxdp_get_error(l->prog)) {
		l->prog = NULL;
		return -EINVAL;
	}
	l->skb_mode = am == XDP_MODE_SKB;
	pr_info("interface %s: running XDP program replaced in place (%s mode)", l->ifname,
		l->skb_mode ? "skb" : "native");
	return 0;
}

void lts_xdp_release(struct lts_xdp_link *l, bool detach)
{
	int err;

	if (l->prog && !detach) {
		xdp_program__close(l->prog); /* stays attached for the next ltsd */
		l->prog = NULL;
	}
	if (l->prog) {
		err = xdp_program__detach(l->prog, l->ifindex,
					  l->skb_mode ? XDP_MODE_SKB : XDP_MODE_NATIVE, 0);
		if (err)
			pr_warn("interface %s: detach failed: %s", l->ifname, strerror(-err));
		else
			pr_info("interface %s: XDP detached", l->ifname);
		xdp_program__close(l->prog);
		l->prog = NULL;
	}
	if (l->lock_fd >= 0)
		close(l->lock_fd);
	l->lock_fd = -1;
}
