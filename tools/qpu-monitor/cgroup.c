// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup.c - the tenant of an event by name: its cgroup v2 id (the
 * inode number of its directory) back to a path below the cgroup2
 * mount, with qpuctl's walker and cache (tools/qpuctl/cgroup.c). A
 * monitor runs for long and tenants come and go, so an id the cache
 * does not know makes it walk the mount again; an id still unknown after
 * a walk (a cgroup already removed, or outside our cgroup namespace) is
 * remembered and walked for at most once a second, and written
 * "cgroup:ID".
 */
#include <string.h>
#include <time.h>

#include "tool.h"
#include "qpuctl.h"

static struct qpuctl_cg cg;
static bool cg_ok;
static uint64_t last_walk_ns;
static uint64_t unknown[64];	/* ids a walk did not find, a ring */
static unsigned int nr_unknown;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* 0, or -errno when there is no cgroup2 mount (ids stay numbers). */
int mon_cg_init(void)
{
	int err = qpuctl_cg_init(&cg, NULL, 0);

	cg_ok = !err;
	return err;
}

static bool is_unknown(uint64_t id)
{
	unsigned int i;

	for (i = 0; i < nr_unknown && i < 64; i++)
		if (unknown[i] == id)
			return true;
	return false;
}

const char *mon_cg_path(uint64_t id, char *buf, size_t len)
{
	bool fresh = !cg.walked;
	uint64_t now = mono_ns();

	if (!cg_ok) {
		snprintf(buf, len, "cgroup:%llu", (unsigned long long)id);
		return buf;
	}
	if (fresh)
		last_walk_ns = now;
	qpuctl_cg_path(&cg, id, buf, len);
	if (strncmp(buf, "cgroup:", 7))
		return buf;
	if (!fresh && !(is_unknown(id) &&
			now - last_walk_ns < 1000000000ULL)) {
		last_walk_ns = now;
		qpuctl_cg_fini(&cg);	/* forget the table: walk again */
		qpuctl_cg_path(&cg, id, buf, len);
		if (strncmp(buf, "cgroup:", 7))
			return buf;
	}
	if (!is_unknown(id))
		unknown[nr_unknown++ % 64] = id;
	return buf;
}

void mon_cg_fini(void)
{
	if (cg_ok)
		qpuctl_cg_fini(&cg);
}
