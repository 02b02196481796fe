// SPDX-License-Identifier: GPL-2.0
/*
 * The restart store on bpffs (state_store.h): three mmap()able BPF arrays,
 * a header, tunnel records and call records, created, pinned, found again
 * and checked by a later process.
 */
#define LTS_LOG_SUBSYS LTS_TRACE_DATAPLANE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include "lib/log.h"
#include "lts_maps.h"
#include "state_store.h"

/* Anything that changes the meaning of a record or of a data-plane map. */
static uint32_t state_layout(void)
{
	return (uint32_t)(sizeof(struct lts_state_tunnel) ^ sizeof(struct lts_state_call) << 10 ^
			  sizeof(struct lts_fast_entry) << 20 ^ sizeof(struct lts_wide_val) << 24 ^
			  sizeof(struct lts_nh_entry) << 14 ^ sizeof(struct lts_switch_key) << 27);
}

static void pin_path(char *buf, size_t size, const char *dir, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

static size_t map_bytes(uint32_t value_size, uint32_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return ((size_t)value_size * n + page - 1) / page * page;
}

static void *map_mem(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* An existing pinned array: its fd if it has these sizes; else -1 and why. */
static int get_array(const char *dir, const char *name, uint32_t value_size, uint32_t n,
		     char *why, size_t size)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	char path[LTS_CFG_PATH_MAX + 32];
	int fd;

	pin_path(path, sizeof(path), dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		snprintf(why, size, "%s: %s", name, errno == ENOENT ? "none" : strerror(errno));
		return -1;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_MAP_TYPE_ARRAY ||
	    info.value_size != value_size || info.max_entries != n ||
	    !(info.map_flags & BPF_F_MMAPABLE)) {
		snprintf(why, size, "%s: other layout (value %u bytes x %u, expected %u x %u)",
			 name, info.value_size, info.max_entries, value_size, n);
		close(fd);
		return -1;
	}
	return fd;
}

static int map_all(struct lts_state *st)
{
	st->len_hdr = map_bytes(sizeof(*st->hdr), 1);
	st->len_tunnels = map_bytes(sizeof(*st->tunnels), st->n_tunnels);
	st->len_calls = map_bytes(sizeof(*st->calls), st->n_calls);
	st->hdr = map_mem(st->fd_hdr, st->len_hdr);
	st->tunnels = map_mem(st->fd_tunnels, st->len_tunnels);
	st->calls = map_mem(st->fd_calls, st->len_calls);
	return st->hdr && st->tunnels && st->calls ? 0 : -errno;
}

static void unmap_all(struct lts_state *st)
{
	if (st->hdr)
		munmap(st->hdr, st->len_hdr);
	if (st->tunnels)
		munmap(st->tunnels, st->len_tunnels);
	if (st->calls)
		munmap(st->calls, st->len_calls);
	st->hdr = NULL;
	st->tunnels = NULL;
	st->calls = NULL;
}

static void reset(struct lts_state *st)
{
	memset(st, 0, sizeof(*st));
	st->fd_hdr = st->fd_tunnels = st->fd_calls = -1;
}

int lts_state_find(struct lts_state *st, const char *dir, uint32_t n_calls, char *why,
		   size_t size)
{
	int err;

	reset(st);
	st->n_tunnels = LTS_STATE_TUNNEL_SLOTS;
	st->n_calls = n_calls;
	st->fd_hdr = get_array(dir, LTS_STATE_MAP_HDR, sizeof(*st->hdr), 1, why, size);
	if (st->fd_hdr < 0)
		goto out;
	st->fd_tunnels = get_array(dir, LTS_STATE_MAP_TUNNELS, sizeof(*st->tunnels),
				   st->n_tunnels, why, size);
	st->fd_calls = st->fd_tunnels < 0 ? -1 :
		       get_array(dir, LTS_STATE_MAP_CALLS, sizeof(*st->calls), n_calls, why, size);
	if (st->fd_calls < 0)
		goto out;
	err = map_all(st);
	if (err) {
		snprintf(why, size, "cannot map it: %s", strerror(-err));
		goto out;
	}
	if (__atomic_load_n(&st->hdr->magic, __ATOMIC_ACQUIRE) != LTS_STATE_MAGIC) {
		snprintf(why, size, "incomplete (the process that made it died making it)");
		goto out;
	}
	if (st->hdr->version != LTS_STATE_VERSION || st->hdr->layout != state_layout()) {
		snprintf(why, size, "from another version of ltsd (version %u layout %#x, "
			 "this one %u %#x)", st->hdr->version, st->hdr->layout, LTS_STATE_VERSION,
			 state_layout());
		goto out;
	}
	return 1;
out:
	lts_state_close(st, dir, false);
	return 0;
}

static int create_array(const char *dir, const char *name, uint32_t value_size, uint32_t n)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	char path[LTS_CFG_PATH_MAX + 32];
	int fd, err;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, sizeof(uint32_t), value_size, n, &opts);
	if (fd < 0)
		return -errno;
	pin_path(path, sizeof(path), dir, name);
	if (bpf_obj_pin(fd, path)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int lts_state_create(struct lts_state *st, const char *dir, uint32_t n_calls)
{
	int err;

	reset(st);
	st->n_tunnels = LTS_STATE_TUNNEL_SLOTS;
	st->n_calls = n_calls;
	st->fd_hdr = create_array(dir, LTS_STATE_MAP_HDR, sizeof(*st->hdr), 1);
	st->fd_tunnels = st->fd_hdr < 0 ? st->fd_hdr :
			 create_array(dir, LTS_STATE_MAP_TUNNELS, sizeof(*st->tunnels),
				      st->n_tunnels);
	st->fd_calls = st->fd_tunnels < 0 ? st->fd_tunnels :
		       create_array(dir, LTS_STATE_MAP_CALLS, sizeof(*st->calls), n_calls);
	err = st->fd_calls < 0 ? st->fd_calls : map_all(st);
	if (err) {
		lts_state_close(st, dir, true);
		return err;
	}
	st->hdr->version = LTS_STATE_VERSION;
	st->hdr->layout = state_layout();
	st->hdr->n_tunnels = st->n_tunnels;
	st->hdr->n_calls = n_calls;
	st->hdr->created_s = (uint64_t)time(NULL);
	__atomic_store_n(&st->hdr->magic, LTS_STATE_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

void lts_state_unlink(const char *dir)
{
	static const char *const names[] = { LTS_STATE_MAP_HDR, LTS_STATE_MAP_TUNNELS,
					     LTS_STATE_MAP_CALLS };
	char path[LTS_CFG_PATH_MAX + 32];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		pin_path(path, sizeof(path), dir, names[i]);
		unlink(path);
	}
}

void lts_state_close(struct lts_state *st, const char *dir, bool unpin)
{
	unmap_all(st);
	if (st->fd_hdr >= 0)
		close(st->fd_hdr);
	if (st->fd_tunnels >= 0)
		close(st->fd_tunnels);
	if (st->fd_calls >= 0)
		close(st->fd_calls);
	st->fd_hdr = st->fd_tunnels = st->fd_calls = -1;
	if (unpin)
		lts_state_unlink(dir);
}

int lts_state_tunnel_alloc(struct lts_state *st)
{
	uint32_t i, slot;

	for (i = 0; i < st->n_tunnels; i++) {
		slot = (st->tunnel_cursor + i) % st->n_tunnels;
		if (!__atomic_load_n(&st->tunnels[slot].valid, __ATOMIC_RELAXED)) {
			st->tunnel_cursor = slot + 1;
			return (int)slot;
		}
	}
	if (!st->full_warned)
		pr_warn("restart store full (%u tunnels): further tunnels will not survive a "
			"restart", st->n_tunnels);
	st->full_warned = true;
	return -1;
}

void lts_state_publish(uint32_t *valid)
{
	__atomic_store_n(valid, LTS_STATE_VALID, __ATOMIC_RELEASE);
}

void lts_state_retire(uint32_t *valid)
{
	__atomic_store_n(valid, 0, __ATOMIC_RELEASE);
}
