// SPDX-License-Identifier: GPL-2.0
/*
 * Loads the XDP object through its skeleton (rodata, map sizes, pinning,
 * the verifier log on failure) and reads and writes its maps.
 */
#define LTS_LOG_SUBSYS LTS_TRACE_DATAPLANE
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_loader.h"
#include "entry.h"
#include "lib/log.h"
#include "lts_xdp.skel.h"

/* Verifier log buffer: large enough for the whole program's log. */
#define VERIFIER_LOG_SIZE (4 << 20)
/* Frames a spread CPU's queue holds (the kernel's own default for cpumap is 192). */
#define LTS_CPUMAP_QSIZE 2048
#define VERIFIER_TAIL_LINES 40

static int set_pin_paths(struct lts_xdp *skel, const char *pin_dir)
{
	struct bpf_map *map;
	char path[512];
	int err;

	bpf_object__for_each_map(map, skel->obj) {
		/* cpu_map holds a program: nothing for bpftool, and no pin to reuse. */
		if (bpf_map__is_internal(map) || map == skel->maps.cpu_map)
			continue;
		if (!pin_dir) {
			err = bpf_map__set_pin_path(map, NULL);
		} else {
			snprintf(path, sizeof(path), "%s/%s", pin_dir, bpf_map__name(map));
			err = bpf_map__set_pin_path(map, path);
		}
		if (err)
			return err;
	}
	return 0;
}

/*
 * libbpf compares a pinned map's flags with the object's before reusing it,
 * and the kernel adds BPF_F_RDONLY_PROG to every devmap it creates (which
 * the object cannot say: creating one with it is refused). So a pinned
 * tx_ports never compares equal: take it as it is (a restart adopts it).
 */
static int reuse_devmap(struct lts_xdp *skel, const char *pin_dir)
{
	char path[512];
	int fd, err;

	if (!pin_dir)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", pin_dir, bpf_map__name(skel->maps.tx_ports));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = bpf_map__reuse_fd(skel->maps.tx_ports, fd);
	close(fd); /* reuse_fd took its own */
	return err;
}

/* The verdict is at the end of a verifier log; print its last lines. */
static void log_verifier_tail(char *log)
{
	int lines = 0;
	char *p, *line;

	if (!log[0])
		return;
	for (p = log + strlen(log); p > log && lines < VERIFIER_TAIL_LINES; p--)
		if (*p == '\n')
			lines++;
	pr_err("verifier log (last %d lines):", VERIFIER_TAIL_LINES);
	while ((line = strsep(&p, "\n")))
		if (*line)
			pr_err("  %s", line);
}

static uint64_t coarse_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* cpu_map: an entry per possible CPU. */
static int set_cpu_map_size(struct lts_xdp *skel)
{
	int ncpu = libbpf_num_possible_cpus();

	return ncpu < 0 ? ncpu : bpf_map__set_max_entries(skel->maps.cpu_map, (uint32_t)ncpu);
}

/* The spread CPUs' cpumap queues, each running lts_xdp_cpumap. */
static int fill_cpu_map(struct lts_xdp *skel, const struct lts_bpf_opts *opts)
{
	struct bpf_cpumap_val val = {
		.qsize = LTS_CPUMAP_QSIZE,
		.bpf_prog.fd = bpf_program__fd(skel->progs.lts_xdp_cpumap),
	};
	uint32_t cpu;
	size_t i;
	int err;

	for (i = 0; i < opts->n_spread; i++) {
		cpu = opts->spread_cpus[i];
		err = bpf_map__update_elem(skel->maps.cpu_map, &cpu, sizeof(cpu), &val, sizeof(val),
					   BPF_ANY);
		if (err) {
			pr_err("dataplane.spread_cpus: cannot use CPU %u: %s", cpu, strerror(-err));
			return err;
		}
	}
	return 0;
}

int lts_bpf_load(const struct lts_bpf_opts *opts, struct lts_xdp **out)
{
	uint32_t max = opts->max_sessions ? opts->max_sessions : LTS_MAX_SESSIONS_DEFAULT;
	struct lts_xdp *skel;
	char *log_buf;
	size_t i;
	int err;

	if (opts->n_l2tp_ports > LTS_MAX_L2TP_PORTS)
		return -EINVAL;
	log_buf = calloc(1, VERIFIER_LOG_SIZE);
	if (!log_buf)
		return -ENOMEM;
	skel = lts_xdp__open();
	if (!skel) {
		err = -errno;
		pr_err("cannot open the XDP object: %s", strerror(-err));
		goto err_free_log;
	}
	bpf_program__set_log_buf(skel->progs.lts_xdp, log_buf, VERIFIER_LOG_SIZE);
	bpf_program__set_log_buf(skel->progs.lts_xdp_cpumap, log_buf, VERIFIER_LOG_SIZE);

	memset((void *)&skel->rodata->lts_cfg, 0, sizeof(skel->rodata->lts_cfg));
	for (i = 0; i < opts->n_l2tp_ports; i++)
		skel->rodata->lts_cfg.l2tp_ports[i] = opts->l2tp_ports[i];
	skel->rodata->lts_cfg.n_slots = 2 * max;
	if (opts->n_spread > LTS_MAX_SPREAD) {
		err = -EINVAL;
		goto err_destroy;
	}
	for (i = 0; i < opts->n_spread; i++)
		skel->rodata->lts_cfg.spread[i] = opts->spread_cpus[i];
	skel->rodata->lts_cfg.n_spread = (uint32_t)opts->n_spread;

	err = bpf_map__set_max_entries(skel->maps.switch_table, 2 * max);
	err = err ?: bpf_map__set_max_entries(skel->maps.switch_wide,
					      opts->wide_entries ?: 2 * max);
	err = err ?: bpf_map__set_max_entries(skel->maps.nexthops, lts_nexthops_size(max));
	err = err ?: bpf_map__set_max_entries(skel->maps.policers, opts->police ? 2 * max : 1);
	err = err ?: set_cpu_map_size(skel);
	err = err ?: bpf_map__set_max_entries(skel->maps.slow_stats, max);
	err = err ?: set_pin_paths(skel, opts->pin_dir);
	err = err ?: reuse_devmap(skel, opts->pin_dir);
	if (err)
		goto err_destroy;

	err = lts_xdp__load(skel);
	if (err) {
		pr_err("cannot load the XDP program: %s", strerror(-err));
		log_verifier_tail(log_buf);
		goto err_destroy;
	}
	err = lts_bpf_set_clock(skel, coarse_now_ns());
	err = err ?: fill_cpu_map(skel, opts);
	if (err)
		goto err_destroy;
	free(log_buf);
	*out = skel;
	return 0;

err_destroy:
	lts_xdp__destroy(skel);
err_free_log:
	free(log_buf);
	return err;
}

void lts_bpf_destroy(struct lts_xdp *skel, int unpin)
{
	struct bpf_map *map;

	if (!skel)
		return;
	if (unpin) {
		bpf_object__for_each_map(map, skel->obj)
			if (bpf_map__is_pinned(map))
				bpf_map__unpin(map, NULL);
	}
	lts_xdp__destroy(skel);
}

int64_t lts_bpf_reason_count(struct lts_xdp *skel, enum lts_reason reason)
{
	int ncpu = libbpf_num_possible_cpus();
	struct lts_reason_stats *vals;
	uint32_t key = reason;
	int64_t sum = 0;
	int i, err;

	if (ncpu < 0)
		return ncpu;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	err = bpf_map__lookup_elem(skel->maps.reason_stats, &key, sizeof(key), vals,
				   ncpu * sizeof(*vals), 0);
	for (i = 0; !err && i < ncpu; i++)
		sum += vals[i].packets;
	free(vals);
	return err ? err : sum;
}

uint32_t lts_bpf_n_slots(const struct lts_xdp *skel)
{
	return bpf_map__max_entries(skel->maps.switch_table);
}

static int write_slot(struct lts_xdp *skel, uint32_t slot, const struct lts_fast_entry *fe)
{
	return bpf_map__update_elem(skel->maps.switch_table, &slot, sizeof(slot), fe, sizeof(*fe),
				    BPF_ANY);
}

int lts_bpf_install(struct lts_xdp *skel, uint32_t slot, const struct lts_switch_key *key,
		    const struct lts_switch_val *val, uint16_t nexthop)
{
	struct lts_fast_entry fe;
	struct lts_wide_val w;
	uint8_t flags;
	int err;

	if (val->police_kbps) {
		struct lts_policer p;
		uint32_t idx = 2 * val->stats_idx + (val->dir & 1);

		lts_entry_policer(val, coarse_now_ns(), &p);
		err = bpf_map__update_elem(skel->maps.policers, &idx, sizeof(idx), &p, sizeof(p),
					   BPF_ANY);
		if (err)
			return err;
	}
	if (slot == LTS_SLOT_WIDE) {
		lts_entry_wide(key, val, nexthop, &w);
		return bpf_map__update_elem(skel->maps.switch_wide, key, sizeof(*key), &w,
					    sizeof(w), BPF_ANY);
	}
	lts_entry_fast(key, val, nexthop, &fe);
	flags = fe.flags;
	fe.flags &= (uint8_t)~LTS_FE_VALID;
	err = write_slot(skel, slot, &fe);
	fe.flags = flags;
	return err ?: write_slot(skel, slot, &fe);
}

/* The fast table's match fields: the same leg, whatever it rewrites to. */
static bool same_leg(const struct lts_fast_entry *a, const struct lts_fast_entry *b)
{
	return !memcmp(a, b, offsetof(struct lts_fast_entry, flags));
}

int lts_bpf_adopt(struct lts_xdp *skel, uint32_t slot, const struct lts_switch_key *key,
		  const struct lts_switch_val *val, uint16_t nexthop)
{
	struct lts_fast_entry fe, old;
	struct lts_wide_val w, oldw;

	if (slot == LTS_SLOT_WIDE) {
		lts_entry_wide(key, val, nexthop, &w);
		if (!bpf_map__lookup_elem(skel->maps.switch_wide, key, sizeof(*key), &oldw,
					  sizeof(oldw), 0)) {
			w.packets = oldw.packets;
			w.bytes = oldw.bytes;
			w.last_seen = oldw.last_seen;
		}
		return bpf_map__update_elem(skel->maps.switch_wide, key, sizeof(*key), &w, sizeof(w),
					    BPF_ANY);
	}
	lts_entry_fast(key, val, nexthop, &fe);
	if (bpf_map__lookup_elem(skel->maps.switch_table, &slot, sizeof(slot), &old, sizeof(old),
				 0) ||
	    !(old.flags & LTS_FE_VALID) || !same_leg(&old, &fe))
		return lts_bpf_install(skel, slot, key, val, nexthop);
	/*
	 * The same leg, switching all along: one write, never invalid in
	 * between; a frame read half old, half new goes the same way.
	 */
	fe.packets = old.packets;
	fe.bytes = old.bytes;
	fe.last_seen = old.last_seen;
	return write_slot(skel, slot, &fe);
}

uint32_t lts_bpf_nexthops_top(struct lts_xdp *skel)
{
	static const struct lts_nh_entry empty;
	uint32_t i, top = 0, n = bpf_map__max_entries(skel->maps.nexthops);
	struct lts_nh_entry nh;

	for (i = 1; i < n; i++)
		if (!bpf_map__lookup_elem(skel->maps.nexthops, &i, sizeof(i), &nh, sizeof(nh), 0) &&
		    memcmp(&nh, &empty, sizeof(nh)))
			top = i;
	return top;
}

int lts_bpf_remove(struct lts_xdp *skel, uint32_t slot, const struct lts_switch_key *key)
{
	struct lts_fast_entry fe;
	int err;

	if (slot == LTS_SLOT_WIDE)
		return bpf_map__delete_elem(skel->maps.switch_wide, key, sizeof(*key), 0);
	err = bpf_map__lookup_elem(skel->maps.switch_table, &slot, sizeof(slot), &fe, sizeof(fe),
				   0);
	fe.flags &= (uint8_t)~LTS_FE_VALID;
	return err ?: write_slot(skel, slot, &fe);
}

/* Frames the policer of (stats_idx, dir) dropped, added to out. */
static int add_policed(struct lts_xdp *skel, uint32_t stats_idx, uint8_t dir,
		       struct lts_dir_stats *out)
{
	uint32_t idx = 2 * stats_idx + (dir & 1);
	struct lts_policer p;
	int err;

	err = bpf_map__lookup_elem(skel->maps.policers, &idx, sizeof(idx), &p, sizeof(p), 0);
	if (!err)
		out->dropped += p.dropped;
	return err;
}

int lts_bpf_leg_stats(struct lts_xdp *skel, uint32_t slot, const struct lts_switch_key *key,
		      struct lts_dir_stats *out)
{
	struct lts_fast_entry fe;
	struct lts_wide_val w;
	int err;

	if (slot == LTS_SLOT_WIDE) {
		err = bpf_map__lookup_elem(skel->maps.switch_wide, key, sizeof(*key), &w,
					   sizeof(w), 0);
		if (err)
			return err;
		lts_entry_dir_stats(w.packets, w.bytes, w.last_seen, coarse_now_ns(), out);
		return (w.flags & LTS_FE_POLICE) ? add_policed(skel, w.stats_idx, w.dir, out) : 0;
	}
	err = bpf_map__lookup_elem(skel->maps.switch_table, &slot, sizeof(slot), &fe, sizeof(fe),
				   0);
	if (!err && !(fe.flags & LTS_FE_VALID))
		err = -ENOENT;
	if (err)
		return err;
	lts_entry_dir_stats(fe.packets, fe.bytes, fe.last_seen, coarse_now_ns(), out);
	return (fe.flags & LTS_FE_POLICE) ? add_policed(skel, fe.stats_idx, fe.dir, out) : 0;
}

int lts_bpf_set_nexthop(struct lts_xdp *skel, uint32_t idx, const struct lts_nh_entry *nh)
{
	return bpf_map__update_elem(skel->maps.nexthops, &idx, sizeof(idx), nh, sizeof(*nh),
				    BPF_ANY);
}

int lts_bpf_set_clock(struct lts_xdp *skel, uint64_t coarse_ns)
{
	uint32_t key = 0, now = (uint32_t)(coarse_ns >> LTS_LAST_SEEN_SHIFT) | 1;

	return bpf_map__update_elem(skel->maps.clock, &key, sizeof(key), &now, sizeof(now),
				    BPF_ANY);
}

int lts_bpf_add_tx_port(struct lts_xdp *skel, uint32_t ifindex)
{
	return bpf_map__update_elem(skel->maps.tx_ports, &ifindex, sizeof(ifindex), &ifindex,
				    sizeof(ifindex), BPF_ANY);
}

int lts_bpf_write_slow_stats(struct lts_xdp *skel, uint32_t idx,
			     const struct lts_session_stats *stats)
{
	return bpf_map__update_elem(skel->maps.slow_stats, &idx, sizeof(idx), stats,
				    sizeof(*stats), BPF_ANY);
}

int lts_bpf_clear_slow_stats(struct lts_xdp *skel, uint32_t idx)
{
	int err = bpf_map__delete_elem(skel->maps.slow_stats, &idx, sizeof(idx), 0);

	return err == -ENOENT ? 0 : err;
}

int lts_bpf_read_slow_stats(struct lts_xdp *skel, uint32_t idx, struct lts_session_stats *stats)
{
	return bpf_map__lookup_elem(skel->maps.slow_stats, &idx, sizeof(idx), stats,
				    sizeof(*stats), 0);
}
