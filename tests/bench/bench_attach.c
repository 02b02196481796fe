// SPDX-License-Identifier: GPL-2.0
/*
 * Attaches the benchmark's helper XDP programs (issue #5 part 2) and reads
 * the sink's counter. Run it inside the namespace of the interface:
 *
 *   bench_attach fwd --in IF --out IF --dst-mac MAC
 *       reference forwarder on IF: Ethernet addresses rewritten (source =
 *       the --out interface's MAC, destination = MAC), redirected to --out
 *   bench_attach sink --iface IF --pin PATH
 *       counting sink on IF; its counter map is pinned at PATH (a bpffs
 *       path that outlives this process and every `ip netns exec`)
 *   bench_attach ring --iface IF --pin PATH [--sessions K --session ID]
 *       packet-ring bouncer (ring.bpf.c) on IF, its ring_ctl map pinned at
 *       PATH (l2tp_gen --ring reads and stops it there); with --sessions it
 *       moves every frame to the next of session IDs ID .. ID+K-1
 *   bench_attach count --pin PATH
 *       prints "packets=N", the sink's counter summed over CPUs
 *   bench_attach restore --iface IF --id ID
 *       attaches program ID (still loaded, e.g. held by ltsd) to IF again:
 *       the benchmark swaps ltsd's program for the reference and back, so
 *       that their runs can alternate
 *
 * Programs are attached in native (driver) mode through netlink and stay
 * attached when this tool exits; `ip link set dev IF xdp off` removes them.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ref_fwd.skel.h"
#include "ring.skel.h"
#include "sink.skel.h"

static int if_mac(const char *ifname, uint8_t mac[ETH_ALEN])
{
	struct ifreq ifr = {};
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(fd);
	return err;
}

static int parse_mac(const char *s, uint8_t mac[ETH_ALEN])
{
	unsigned int b[ETH_ALEN];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -EINVAL;
	for (i = 0; i < ETH_ALEN; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static int ifindex_of(const char *name, uint32_t *out)
{
	*out = if_nametoindex(name);
	if (!*out) {
		fprintf(stderr, "bench_attach: no interface %s here\n", name);
		return -ENODEV;
	}
	return 0;
}

static int attach(uint32_t ifindex, int prog_fd, const char *what)
{
	int err = bpf_xdp_attach((int)ifindex, prog_fd, XDP_FLAGS_DRV_MODE, NULL);

	if (err)
		fprintf(stderr, "bench_attach: attach %s to ifindex %u: %s\n", what, ifindex,
			strerror(-err));
	return err;
}

static int cmd_fwd(const char *in, const char *out, const char *dst)
{
	struct bench_ref_fwd *skel;
	uint32_t in_idx, out_idx, slot = 0;
	uint8_t src_mac[ETH_ALEN], dst_mac[ETH_ALEN];
	int err;

	if (ifindex_of(in, &in_idx) || ifindex_of(out, &out_idx))
		return -ENODEV;
	err = if_mac(out, src_mac);
	if (err || parse_mac(dst, dst_mac)) {
		fprintf(stderr, "bench_attach: MAC of %s or --dst-mac %s unusable\n", out, dst);
		return -EINVAL;
	}
	skel = bench_ref_fwd__open();
	if (!skel)
		return -errno;
	memcpy((uint8_t *)skel->rodata->fwd_macs, dst_mac, ETH_ALEN);
	memcpy((uint8_t *)skel->rodata->fwd_macs + ETH_ALEN, src_mac, ETH_ALEN);
	err = bench_ref_fwd__load(skel);
	err = err
		  ?: bpf_map__update_elem(skel->maps.fwd_port, &slot, sizeof(slot), &out_idx,
					  sizeof(out_idx), BPF_ANY);
	err = err ?: attach(in_idx, bpf_program__fd(skel->progs.bench_ref_fwd), "bench_ref_fwd");
	bench_ref_fwd__destroy(skel);
	return err;
}

static int cmd_sink(const char *ifname, const char *pin)
{
	struct bench_sink *skel;
	uint32_t idx;
	int err;

	if (ifindex_of(ifname, &idx))
		return -ENODEV;
	skel = bench_sink__open_and_load();
	if (!skel)
		return -errno;
	unlink(pin); /* a stale pin of an earlier run */
	err = bpf_map__pin(skel->maps.sink_count, pin);
	if (err)
		fprintf(stderr, "bench_attach: pin %s: %s\n", pin, strerror(-err));
	err = err ?: attach(idx, bpf_program__fd(skel->progs.bench_sink), "bench_sink");
	bench_sink__destroy(skel);
	return err;
}

static int cmd_ring(const char *ifname, const char *pin, uint32_t sessions, uint16_t base)
{
	struct bench_ring *skel;
	uint32_t idx;
	int err;

	if (ifindex_of(ifname, &idx))
		return -ENODEV;
	skel = bench_ring__open();
	if (!skel)
		return -errno;
	skel->rodata->ring_sessions = sessions;
	skel->rodata->ring_session_base = base;
	err = bench_ring__load(skel);
	if (!err) {
		unlink(pin); /* a stale pin of an earlier run */
		err = bpf_map__pin(skel->maps.ring_ctl, pin);
		if (err)
			fprintf(stderr, "bench_attach: pin %s: %s\n", pin, strerror(-err));
	}
	err = err ?: attach(idx, bpf_program__fd(skel->progs.bench_ring), "bench_ring");
	bench_ring__destroy(skel);
	return err;
}

static int cmd_count(const char *pin)
{
	int ncpu = libbpf_num_possible_cpus(), fd, i, err = 0;
	uint64_t *vals, sum = 0;
	uint32_t key = 0;

	if (ncpu < 0)
		return ncpu;
	fd = bpf_obj_get(pin);
	if (fd < 0) {
		fprintf(stderr, "bench_attach: %s: %s\n", pin, strerror(errno));
		return -errno;
	}
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		err = -ENOMEM;
	else if (bpf_map_lookup_elem(fd, &key, vals))
		err = -errno;
	for (i = 0; !err && i < ncpu; i++)
		sum += vals[i];
	if (!err)
		printf("packets=%" PRIu64 "\n", sum);
	free(vals);
	close(fd);
	return err;
}

static int cmd_restore(const char *ifname, const char *id)
{
	unsigned long v = strtoul(id, NULL, 10);
	uint32_t idx;
	int fd, err;

	if (ifindex_of(ifname, &idx))
		return -ENODEV;
	fd = bpf_prog_get_fd_by_id((uint32_t)v);
	if (fd < 0) {
		fprintf(stderr, "bench_attach: no program with id %lu\n", v);
		return -errno;
	}
	err = attach(idx, fd, id);
	close(fd);
	return err;
}

static void usage(FILE *fp)
{
	fprintf(fp, "usage: bench_attach fwd --in IF --out IF --dst-mac MAC\n"
		    "       bench_attach sink --iface IF --pin PATH\n"
		    "       bench_attach ring --iface IF --pin PATH [--sessions K --session ID]\n"
		    "       bench_attach count --pin PATH\n"
		    "       bench_attach restore --iface IF --id ID\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"in", required_argument, NULL, 'i'},      {"out", required_argument, NULL, 'o'},
	    {"dst-mac", required_argument, NULL, 'm'}, {"iface", required_argument, NULL, 'f'},
	    {"pin", required_argument, NULL, 'p'},     {"id", required_argument, NULL, 'd'},
	    {"sessions", required_argument, NULL, 'k'}, {"session", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},	       {},
	};
	const char *in = NULL, *out = NULL, *mac = NULL, *iface = NULL, *pin = NULL, *id = NULL;
	unsigned long sessions = 0, base = 1;
	const char *cmd;
	int c, err;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			in = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'm':
			mac = optarg;
			break;
		case 'f':
			iface = optarg;
			break;
		case 'p':
			pin = optarg;
			break;
		case 'd':
			id = optarg;
			break;
		case 'k':
			sessions = strtoul(optarg, NULL, 10);
			break;
		case 's':
			base = strtoul(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	if (!strcmp(cmd, "fwd") && in && out && mac)
		err = cmd_fwd(in, out, mac);
	else if (!strcmp(cmd, "sink") && iface && pin)
		err = cmd_sink(iface, pin);
	else if (!strcmp(cmd, "ring") && iface && pin && sessions <= UINT16_MAX && base &&
		 base + (sessions ? sessions - 1 : 0) <= UINT16_MAX)
		err = cmd_ring(iface, pin, (uint32_t)sessions, (uint16_t)base);
	else if (!strcmp(cmd, "count") && pin)
		err = cmd_count(pin);
	else if (!strcmp(cmd, "restore") && iface && id)
		err = cmd_restore(iface, id);
	else {
		usage(stderr);
		return 2;
	}
	if (err)
		fprintf(stderr, "bench_attach %s: %s\n", cmd, strerror(-err));
	return err ? 1 : 0;
}
