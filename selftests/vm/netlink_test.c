// SPDX-License-Identifier: GPL-2.0
/*
 * netlink_test.c - the "qpu" generic netlink family (kmod/qpu_netlink.c,
 * uapi/linux/qpu.h, Documentation/netlink/specs/qpu.yaml).
 *
 * The family and its multicast groups resolve through libnl-genl-3;
 * DEV_GET (do and dump) agrees with QPU_IOC_GET_INFO and sysfs; a process
 * reads its own tenant and its ancestors unprivileged, and nothing else;
 * setting and deleting need CAP_SYS_ADMIN (CAP_NET_ADMIN is not enough);
 * hostile messages (unknown commands, wrong types and lengths, oversized
 * and unknown attributes, reply-only attributes in requests, values out of
 * range, budgets missing half, unknown devices and cgroups) each fail with
 * their errno (EOPNOTSUPP, EINVAL, ERANGE, ENODEV, ENOENT, EPERM) and an
 * extended ack naming the problem, and change nothing.
 *
 * Tests whose assertions need the tenant core (qpu_tenant.c: limits that
 * are kept) skip while GET_INFO does not report QPU_FEAT_TENANTS.
 *
 * Devices used: qpu0 and hotplug devices 40..42. Cgroups: /nlt-* under
 * /sys/fs/cgroup (cgroup2, mounted by the VM's init), removed after.
 */
#include <grp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <linux/capability.h>

#include "vm_util.h"
#include "nl_util.h"

#define CG_ROOT		"/sys/fs/cgroup"
#define NOBODY		65534
#define HP_ID		40
#define HP_N		3

/* ---- helpers ------------------------------------------------------------- */

static struct nlq *nlq_open_ok(void)
{
	struct nlq *q = nlq_open();

	if (!q)
		QT_FAIL("cannot open the qpu family: %s", strerror(errno));
	return q;
}

static struct nlq_msg *msg_new(struct nlq *q, uint8_t cmd, uint16_t flags)
{
	struct nlq_msg *m = malloc(sizeof(*m));

	if (!m)
		QT_FAIL("malloc");
	nlq_msg_init(m, q->family, cmd, flags);
	return m;
}

/* @ret must be -@err with an extack message (and what else is asked). */
#define ASSERT_NLERR(q, ret, err) do {					\
	int _r = (ret);							\
	if (_r != -(err))						\
		QT_FAIL("%s: want -%s, got %d (%s)", #ret, strerror(err), \
			_r, _r < 0 ? strerror(-_r) : "success");		\
	if (!(q)->ext_msg[0] && !(q)->has_miss && !(q)->has_offs)	\
		QT_FAIL("%s: no extended ack", #ret);			\
	printf("# %s: %s (%s)\n", #ret, strerror(err), (q)->ext_msg);	\
} while (0)

/* The bad attribute the extack names must be the one at @off. */
#define ASSERT_BAD_ATTR(q, off) do {					\
	if (!(q)->has_offs || (q)->ext_offs != (off))			\
		QT_FAIL("extack offset: want %zu, got %s%u", (size_t)(off), \
			(q)->has_offs ? "" : "none ", (q)->ext_offs);	\
} while (0)

static bool have_cgroup2(void)
{
	return path_exists(CG_ROOT "/cgroup.procs");
}

static void need_cgroup2(void)
{
	if (!have_cgroup2())
		qt_skip("cgroup2 not mounted at " CG_ROOT);
}

static uint64_t path_ino(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		QT_FAIL("stat %s: %s", path, strerror(errno));
	return st.st_ino;
}

/* /sys/fs/cgroup/@name, created if needed; its cgroup id. */
static uint64_t cg_make(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), CG_ROOT "/%s", name);
	if (mkdir(path, 0755) && errno != EEXIST)
		QT_FAIL("mkdir %s: %s", path, strerror(errno));
	return path_ino(path);
}

static void cg_enter(const char *name)
{
	char path[256], pid[32];
	int ret;

	snprintf(path, sizeof(path), CG_ROOT "/%s/cgroup.procs",
		 name && *name ? name : "");
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	ret = write_sysfs(path, pid);
	if (ret)
		QT_FAIL("write %s: %s", path, strerror(-ret));
}

static void cg_remove(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), CG_ROOT "/%s", name);
	if (rmdir(path) && errno != ENOENT)
		printf("# rmdir %s: %s\n", path, strerror(errno));
}

/* The caller's cgroup id, from /proc/self/cgroup ("0::/path"). */
static uint64_t cg_own_id(void)
{
	char buf[512], path[600], *nl;
	ssize_t n = read_text("/proc/self/cgroup", buf, sizeof(buf));

	if (n < 0 || strncmp(buf, "0::", 3))
		QT_FAIL("/proc/self/cgroup: %s", n < 0 ? strerror(-n) : buf);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = 0;
	snprintf(path, sizeof(path), CG_ROOT "%s", buf + 3);
	return path_ino(path);
}

static void drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		QT_FAIL("dropping to uid %d: %s", NOBODY, strerror(errno));
}

/* Stay root but lose CAP_SYS_ADMIN (keep CAP_NET_ADMIN and the rest). */
static void drop_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		QT_FAIL("capget: %s", strerror(errno));
	data[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
	data[CAP_SYS_ADMIN / 32].permitted &= ~(1u << (CAP_SYS_ADMIN % 32));
	data[CAP_SYS_ADMIN / 32].inheritable &= ~(1u << (CAP_SYS_ADMIN % 32));
	if (syscall(SYS_capset, &hdr, data))
		QT_FAIL("capset: %s", strerror(errno));
	if (!(data[CAP_NET_ADMIN / 32].effective & (1u << (CAP_NET_ADMIN % 32))))
		QT_FAIL("CAP_NET_ADMIN missing");
}

static void need_tenant_core(void)
{
	if (!tenant_core())
		qt_skip("the tenant core is not merged (GET_INFO lacks "
			"QPU_FEAT_TENANTS): limits are not kept");
}

/* A tenant that nobody configured, as TENANT_GET must report it. */
static void assert_default_tenant(const struct nlq_tenant *t, uint64_t cgid)
{
	QT_ASSERT_EQ(t->cgroup_id, cgid);
	QT_ASSERT_EQ(t->configured, 0);
	QT_ASSERT(t->qubits_max == QPU_UNLIMITED);
	QT_ASSERT(t->jobs_max == QPU_UNLIMITED);
	QT_ASSERT(t->shots.limit == QPU_UNLIMITED);
	QT_ASSERT(t->qpu_time.limit == QPU_UNLIMITED);
	QT_ASSERT_EQ(t->weight, QPU_WEIGHT_DEFAULT);
	QT_ASSERT_EQ(t->latency, QPU_LATENCY_BATCH);
	QT_ASSERT_EQ(t->isolation, QPU_ISOLATION_SHARED);
}

/* Every attribute of a TENANT_GET reply is there. */
static void assert_tenant_complete(const struct nlq_tenant *t)
{
	uint32_t want = 0, bwant = 0;
	int i;

	for (i = QPU_A_TENANT_DEV_ID; i <= QPU_A_TENANT_EVENTS; i++)
		want |= 1u << i;
	for (i = QPU_A_BUDGET_LIMIT; i <= QPU_A_BUDGET_TOTAL; i++)
		bwant |= 1u << i;
	QT_ASSERT_EQ(t->seen & want, want);
	QT_ASSERT_EQ(t->shots.seen & bwant, bwant);
	QT_ASSERT_EQ(t->qpu_time.seen & bwant, bwant);
	QT_ASSERT_EQ(t->events_seen & 0x1e, 0x1e);
}

static void tenant_get_ok(struct nlq *q, uint32_t dev, uint64_t cgid,
			  struct nlq_tenant *t)
{
	int ret = nlq_tenant_get(q, dev, cgid, t);

	if (ret)
		QT_FAIL("TENANT_GET dev %u cgroup %" PRIu64 ": %s (%s)", dev,
			cgid, strerror(-ret), q->ext_msg);
	assert_tenant_complete(t);
}

/* Same limits and usage (the time left in a period moves on). */
static bool tenant_same(struct nlq_tenant a, struct nlq_tenant b)
{
	a.shots.reset_ns = b.shots.reset_ns = 0;
	a.qpu_time.reset_ns = b.qpu_time.reset_ns = 0;
	return !memcmp(&a, &b, sizeof(a));
}

/* A valid TENANT_SET of every limit, for @dev/@cgid. */
static void put_full_set(struct nlq_msg *m, uint32_t dev, uint64_t cgid)
{
	size_t n;

	nlq_put_u32(m, QPU_A_TENANT_DEV_ID, dev);
	nlq_put_u64(m, QPU_A_TENANT_CGROUP_ID, cgid);
	nlq_put_u64(m, QPU_A_TENANT_QUBITS_MAX, 16);
	nlq_put_u64(m, QPU_A_TENANT_JOBS_MAX, 8);
	n = nlq_nest_start(m, QPU_A_TENANT_SHOTS);
	nlq_put_u64(m, QPU_A_BUDGET_LIMIT, 1000000);
	nlq_put_u64(m, QPU_A_BUDGET_PERIOD, 3600);
	nlq_nest_end(m, n);
	n = nlq_nest_start(m, QPU_A_TENANT_QPU_TIME);
	nlq_put_u64(m, QPU_A_BUDGET_LIMIT, 5000000000ULL);
	nlq_put_u64(m, QPU_A_BUDGET_PERIOD, 0);
	nlq_nest_end(m, n);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 200);
	nlq_put_u32(m, QPU_A_TENANT_LATENCY, QPU_LATENCY_INTERACTIVE);
	nlq_put_u32(m, QPU_A_TENANT_ISOLATION, QPU_ISOLATION_GUARD);
}

/* ---- the family ------------------------------------------------------------ */

QPU_TEST(family_resolves)
{
	int audit = -1, events = -1;
	uint16_t family = 0;
	struct nlq *q;

	QT_ASSERT_EQ(nlq_resolve(&family, &audit, &events), 0);
	QT_ASSERT_GT(family, GENL_MIN_ID - 1);
	QT_ASSERT_GT(audit, 0);
	QT_ASSERT_GT(events, 0);
	QT_ASSERT_NE(audit, events);
	q = nlq_open_family(family);
	QT_ASSERT(q);
	nlq_close(q);
}

/* Both groups need CAP_SYS_ADMIN to join; root may. */
QPU_TEST(mcast_groups_need_cap_sys_admin)
{
	int audit, events, fd;
	uint16_t family;
	pid_t pid;

	QT_ASSERT_EQ(nlq_resolve(&family, &audit, &events), 0);
	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	QT_ASSERT(fd >= 0);
	QT_ASSERT_OK(setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				&audit, sizeof(audit)));
	QT_ASSERT_OK(setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				&events, sizeof(events)));
	close(fd);

	pid = fork_ok();
	if (!pid) {
		drop_to_nobody();
		fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
		QT_ASSERT(fd >= 0);
		QT_ASSERT_ERRNO(setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
					   &audit, sizeof(audit)), EPERM);
		QT_ASSERT_ERRNO(setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
					   &events, sizeof(events)), EPERM);
		_exit(0);
	}
	wait_ok(pid);
}

/* ---- DEV_GET ------------------------------------------------------------- */

static void assert_dev_matches(const struct nlq_dev *d, unsigned int id)
{
	struct qpu_info info;
	char name[16];
	int fd = open_dev_id_ok(id);

	get_info_ok(fd, &info);
	close_ok(fd);
	snprintf(name, sizeof(name), "qpu%u", id);
	QT_ASSERT_EQ(d->seen & 0x3fe, 0x3fe);
	QT_ASSERT_EQ(d->id, id);
	QT_ASSERT(!strcmp(d->name, name));
	QT_ASSERT(!strcmp(d->topology, info.topology_name));
	QT_ASSERT_EQ(d->num_qubits, info.num_qubits);
	/* Nothing else allocates here: free is exact. */
	QT_ASSERT_EQ(d->free_qubits, info.free_qubits);
	QT_ASSERT_EQ(d->workers, dev_attr_u32(id, "workers"));
	QT_ASSERT_EQ(d->queued, 0);
	QT_ASSERT_EQ(d->running, 0);
}

QPU_TEST(dev_get_matches_get_info)
{
	struct nlq *q = nlq_open_ok();
	struct nlq_dev d;
	uint32_t phys[4];
	int fd;

	QT_ASSERT_EQ(nlq_dev_get(q, QPU0_ID, &d), 0);
	assert_dev_matches(&d, QPU0_ID);
	QT_ASSERT_EQ(d.num_qubits, QPU0_NUM_QUBITS);

	/* Free qubits follow an allocation. */
	fd = open_dev();
	alloc_ok(fd, 4, phys);
	QT_ASSERT_EQ(nlq_dev_get(q, QPU0_ID, &d), 0);
	QT_ASSERT_EQ(d.free_qubits, QPU0_NUM_QUBITS - 4);
	close_ok(fd);
	QT_ASSERT_EQ(nlq_dev_get(q, QPU0_ID, &d), 0);
	QT_ASSERT_EQ(d.free_qubits, QPU0_NUM_QUBITS);
	nlq_close(q);
}

static void remove_hp(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < HP_N; i++)
		del_device(HP_ID + i);
}

static const char *const hp_specs[HP_N] = { "line:5", "grid:3x4", "ring:9" };

static void dev_dump_body(void *arg)
{
	struct nlq_dev devs[QPU_MAX_DEVICES];
	struct nlq_list l = { .max = QPU_MAX_DEVICES, .devs = devs };
	struct nlq *q = nlq_open_ok();
	struct nlq_msg *m;
	unsigned int i;

	(void)arg;
	for (i = 0; i < HP_N; i++)
		new_device_ok(HP_ID + i, hp_specs[i]);

	m = msg_new(q, QPU_CMD_DEV_GET, NLM_F_DUMP);
	QT_ASSERT_EQ(nlq_xfer(q, m, nlq_collect, &l), 0);
	QT_ASSERT_EQ(l.other, 0);
	QT_ASSERT_EQ(l.n, 1 + HP_N);
	assert_dev_matches(&devs[0], QPU0_ID);
	for (i = 0; i < HP_N; i++) {
		assert_dev_matches(&devs[1 + i], HP_ID + i);
		QT_ASSERT(!strcmp(devs[1 + i].topology, hp_specs[i]));
	}

	/* A removed device is gone from the dump and from DEV_GET. */
	del_device_ok(HP_ID + 1);
	l.n = 0;
	QT_ASSERT_EQ(nlq_xfer(q, m, nlq_collect, &l), 0);
	QT_ASSERT_EQ(l.n, HP_N);
	QT_ASSERT_EQ(devs[1].id, HP_ID);
	QT_ASSERT_EQ(devs[2].id, HP_ID + 2);
	ASSERT_NLERR(q, nlq_dev_get(q, HP_ID + 1, &devs[0]), ENODEV);

	/* The dump takes no attributes. */
	nlq_msg_init(m, q->family, QPU_CMD_DEV_GET, NLM_F_DUMP);
	nlq_put_u32(m, QPU_A_DEV_ID, 0);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), EINVAL);
	free(m);
	nlq_close(q);
}

QPU_TEST(dev_get_dump_lists_every_device)
{
	run_with_cleanup(dev_dump_body, remove_hp, NULL);
}

QPU_TEST(dev_get_unknown_device_enodev)
{
	static const uint32_t ids[] = { 1, QPU_MAX_DEVICES - 1, QPU_MAX_DEVICES,
					0xffffffffu };
	struct nlq *q = nlq_open_ok();
	struct nlq_msg *m = msg_new(q, QPU_CMD_DEV_GET, 0);
	struct nlq_dev d;
	size_t i, off;

	for (i = 0; i < ARRAY_LEN(ids); i++) {
		nlq_msg_init(m, q->family, QPU_CMD_DEV_GET, 0);
		off = nlq_put_u32(m, QPU_A_DEV_ID, ids[i]);
		ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), ENODEV);
		ASSERT_BAD_ATTR(q, off);
	}
	/* No id at all: EINVAL, naming the missing attribute. */
	nlq_msg_init(m, q->family, QPU_CMD_DEV_GET, 0);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), EINVAL);
	QT_ASSERT(q->has_miss);
	QT_ASSERT_EQ(q->miss_type, QPU_A_DEV_ID);
	QT_ASSERT_EQ(nlq_dev_get(q, QPU0_ID, &d), 0);
	free(m);
	nlq_close(q);
}

/* ---- TENANT_GET ------------------------------------------------------------ */

/* An unprivileged process reads its own tenant, by default and by id. */
QPU_TEST(tenant_get_own_unprivileged)
{
	struct nlq_tenant t;
	uint64_t own;
	struct nlq *q;

	need_cgroup2();
	drop_to_nobody();
	own = cg_own_id();
	q = nlq_open_ok();
	tenant_get_ok(q, QPU0_ID, 0, &t);
	QT_ASSERT_EQ(t.dev_id, QPU0_ID);
	QT_ASSERT_EQ(t.cgroup_id, own);
	tenant_get_ok(q, QPU0_ID, own, &t);
	QT_ASSERT_EQ(t.cgroup_id, own);
	nlq_close(q);
}

static void cleanup_cgroups(void *arg)
{
	(void)arg;
	cg_remove("nlt-a/nlt-a1");
	cg_remove("nlt-a");
	cg_remove("nlt-b");
}

/*
 * In /nlt-a/nlt-a1, unprivileged: itself, /nlt-a and the root are
 * readable; /nlt-b (a cousin) is not, nor is an id that does not exist
 * (EPERM too: an unprivileged caller learns nothing about other ids).
 */
static void tenant_perm_body(void *arg)
{
	uint64_t root, a, a1, b;
	struct nlq_tenant t;
	struct nlq *q;
	pid_t pid;

	(void)arg;
	root = path_ino(CG_ROOT);
	a = cg_make("nlt-a");
	a1 = cg_make("nlt-a/nlt-a1");
	b = cg_make("nlt-b");

	pid = fork_ok();
	if (!pid) {
		cg_enter("nlt-a/nlt-a1");
		drop_to_nobody();
		QT_ASSERT_EQ(cg_own_id(), a1);
		q = nlq_open_ok();
		tenant_get_ok(q, QPU0_ID, 0, &t);
		assert_default_tenant(&t, a1);
		QT_ASSERT_EQ(t.level, 2);
		tenant_get_ok(q, QPU0_ID, a, &t);
		assert_default_tenant(&t, a);
		QT_ASSERT_EQ(t.level, 1);
		tenant_get_ok(q, QPU0_ID, root, &t);
		QT_ASSERT_EQ(t.cgroup_id, root);
		QT_ASSERT_EQ(t.level, 0);
		ASSERT_NLERR(q, nlq_tenant_get(q, QPU0_ID, b, &t), EPERM);
		ASSERT_NLERR(q, nlq_tenant_get(q, QPU0_ID, 0x7fffffffffffULL, &t),
			     EPERM);
		nlq_close(q);
		_exit(0);
	}
	wait_ok(pid);

	/* Root reads any of them. */
	q = nlq_open_ok();
	tenant_get_ok(q, QPU0_ID, b, &t);
	assert_default_tenant(&t, b);
	QT_ASSERT_EQ(t.level, 1);
	nlq_close(q);
}

QPU_TEST(tenant_get_other_needs_cap_sys_admin)
{
	need_cgroup2();
	run_with_cleanup(tenant_perm_body, cleanup_cgroups, NULL);
}

QPU_TEST(tenant_get_unknown_cgroup_enoent)
{
	struct nlq *q = nlq_open_ok();
	struct nlq_msg *m = msg_new(q, QPU_CMD_TENANT_GET, 0);
	struct nlq_tenant t;
	size_t off;

	need_cgroup2();
	nlq_put_u32(m, QPU_A_TENANT_DEV_ID, QPU0_ID);
	off = nlq_put_u64(m, QPU_A_TENANT_CGROUP_ID, 0x7fffffffffffULL);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), ENOENT);
	ASSERT_BAD_ATTR(q, off);
	/* The inode of a file in cgroupfs is not a cgroup. */
	ASSERT_NLERR(q, nlq_tenant_get(q, QPU0_ID,
				       path_ino(CG_ROOT "/cgroup.procs"), &t),
		     ENOENT);
	/* Unknown device, and none given. */
	ASSERT_NLERR(q, nlq_tenant_get(q, 1, 0, &t), ENODEV);
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_GET, 0);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), EINVAL);
	QT_ASSERT_EQ(q->miss_type, QPU_A_TENANT_DEV_ID);
	free(m);
	nlq_close(q);
}

/* A dump of a device that does not exist fails; of all devices works. */
QPU_TEST(tenant_dump)
{
	struct nlq_tenant *ts = calloc(64, sizeof(*ts));
	struct nlq_list l = { .max = 64, .tenant = true, .tenants = ts };
	struct nlq *q = nlq_open_ok();
	struct nlq_msg *m = msg_new(q, QPU_CMD_TENANT_GET, NLM_F_DUMP);
	size_t off;

	QT_ASSERT_EQ(nlq_xfer(q, m, nlq_collect, &l), 0);
	QT_ASSERT_EQ(l.other, 0);
	nlq_put_u32(m, QPU_A_TENANT_DEV_ID, QPU0_ID);
	QT_ASSERT_EQ(nlq_xfer(q, m, nlq_collect, &l), 0);
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_GET, NLM_F_DUMP);
	off = nlq_put_u32(m, QPU_A_TENANT_DEV_ID, 1);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), ENODEV);
	ASSERT_BAD_ATTR(q, off);
	/* A cgroup id is not a dump filter. */
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_GET, NLM_F_DUMP);
	nlq_put_u64(m, QPU_A_TENANT_CGROUP_ID, 1);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), EINVAL);
	free(m);
	free(ts);
	nlq_close(q);
}

/* ---- permissions of SET and DEL ------------------------------------------- */

static void set_del_eperm(uint64_t cgid)
{
	struct nlq *q = nlq_open_ok();
	struct nlq_msg *m = msg_new(q, QPU_CMD_TENANT_SET, 0);

	put_full_set(m, QPU0_ID, cgid);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), EPERM);
	/* Even an invalid request is refused for the permission first. */
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_SET, 0);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), EPERM);
	ASSERT_NLERR(q, nlq_tenant_del(q, QPU0_ID, cgid), EPERM);
	free(m);
	nlq_close(q);
}

static void perm_set_body(void *arg)
{
	struct nlq_tenant t;
	uint64_t a, own;
	struct nlq *q;
	pid_t pid;

	(void)arg;
	a = cg_make("nlt-a");

	/* nobody, in /nlt-a: not even its own cgroup. */
	pid = fork_ok();
	if (!pid) {
		cg_enter("nlt-a");
		drop_to_nobody();
		set_del_eperm(a);
		_exit(0);
	}
	wait_ok(pid);

	/* root without CAP_SYS_ADMIN (CAP_NET_ADMIN kept). */
	pid = fork_ok();
	if (!pid) {
		drop_sys_admin();
		own = cg_own_id();
		set_del_eperm(a);
		set_del_eperm(own);
		_exit(0);
	}
	wait_ok(pid);

	q = nlq_open_ok();
	tenant_get_ok(q, QPU0_ID, a, &t);
	assert_default_tenant(&t, a);
	nlq_close(q);
}

QPU_TEST(tenant_set_del_need_cap_sys_admin)
{
	need_cgroup2();
	run_with_cleanup(perm_set_body, cleanup_cgroups, NULL);
}

/* ---- hostile input ------------------------------------------------------- */

QPU_TEST(unknown_commands_eopnotsupp)
{
	static const uint8_t cmds[] = { QPU_CMD_UNSPEC, QPU_CMD_MAX + 1, 77, 255 };
	struct nlq *q = nlq_open_ok();
	struct nlq_msg *m = msg_new(q, 0, 0);
	size_t i;

	for (i = 0; i < ARRAY_LEN(cmds); i++) {
		nlq_msg_init(m, q->family, cmds[i], 0);
		QT_ASSERT_EQ(nlq_xfer(q, m, NULL, NULL), -EOPNOTSUPP);
		nlq_msg_init(m, q->family, cmds[i], NLM_F_DUMP);
		QT_ASSERT_EQ(nlq_xfer(q, m, NULL, NULL), -EOPNOTSUPP);
	}
	/* SET and DEL have no dump. */
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_SET, NLM_F_DUMP);
	QT_ASSERT_EQ(nlq_xfer(q, m, NULL, NULL), -EOPNOTSUPP);
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_DEL, NLM_F_DUMP);
	QT_ASSERT_EQ(nlq_xfer(q, m, NULL, NULL), -EOPNOTSUPP);
	free(m);
	nlq_close(q);
}

/*
 * One malformed TENANT_SET for @cgid: -EINVAL, the extack pointing at
 * the attribute the builder returned (unless it returns (size_t)-1), and
 * the tenant unchanged.
 */
typedef size_t (*bad_set_fn)(struct nlq_msg *m, uint64_t cgid);

static size_t bad_dev_id_u16(struct nlq_msg *m, uint64_t cgid)
{
	uint16_t v = 0;
	size_t off = nlq_put(m, QPU_A_TENANT_DEV_ID, &v, sizeof(v));

	nlq_put_u64(m, QPU_A_TENANT_CGROUP_ID, cgid);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 300);
	return off;
}

static size_t bad_dev_id_u64(struct nlq_msg *m, uint64_t cgid)
{
	size_t off = nlq_put_u64(m, QPU_A_TENANT_DEV_ID, 0);

	nlq_put_u64(m, QPU_A_TENANT_CGROUP_ID, cgid);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 300);
	return off;
}

static size_t bad_cgroup_u32(struct nlq_msg *m, uint64_t cgid)
{
	size_t off;

	nlq_put_u32(m, QPU_A_TENANT_DEV_ID, 0);
	off = nlq_put_u32(m, QPU_A_TENANT_CGROUP_ID, (uint32_t)cgid);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 300);
	return off;
}

static void put_target(struct nlq_msg *m, uint64_t cgid)
{
	nlq_put_u32(m, QPU_A_TENANT_DEV_ID, 0);
	nlq_put_u64(m, QPU_A_TENANT_CGROUP_ID, cgid);
}

static size_t bad_weight_u64(struct nlq_msg *m, uint64_t cgid)
{
	put_target(m, cgid);
	nlq_put_u64(m, QPU_A_TENANT_QUBITS_MAX, 3);
	return nlq_put_u64(m, QPU_A_TENANT_WEIGHT, 300);
}

static size_t bad_weight_string(struct nlq_msg *m, uint64_t cgid)
{
	put_target(m, cgid);
	return nlq_put(m, QPU_A_TENANT_WEIGHT, "2000", 5);
}

static size_t bad_qubits_u32(struct nlq_msg *m, uint64_t cgid)
{
	put_target(m, cgid);
	return nlq_put_u32(m, QPU_A_TENANT_QUBITS_MAX, 3);
}

static size_t bad_weight_0(struct nlq_msg *m, uint64_t cgid)
{
	put_target(m, cgid);
	nlq_put_u64(m, QPU_A_TENANT_QUBITS_MAX, 3);
	return nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 0);
}

static size_t bad_weight_10001(struct nlq_msg *m, uint64_t cgid)
{
	put_target(m, cgid);
	return nlq_put_u32(m, QPU_A_TENANT_WEIGHT, QPU_WEIGHT_MAX + 1);
}

static size_t bad_weight_huge(struct nlq_msg *m, uint64_t cgid)
{
	put_target(m, cgid);
	return nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 0xffffffffu);
}

static size_t bad_latency(struct nlq_msg *m, uint64_t cgid)
{
	put_target(m, cgid);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 300);
	return nlq_put_u32(m, QPU_A_TENANT_LATENCY, QPU_LATENCY_INTERACTIVE + 1);
}

static size_t bad_isolation(struct nlq_msg *m, uint64_t cgid)
{
	put_target(m, cgid);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 300);
	return nlq_put_u32(m, QPU_A_TENANT_ISOLATION, QPU_ISOLATION_EXCLUSIVE + 1);
}

static size_t bad_period(struct nlq_msg *m, uint64_t cgid)
{
	size_t n, off;

	put_target(m, cgid);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 300);
	n = nlq_nest_start(m, QPU_A_TENANT_SHOTS);
	nlq_put_u64(m, QPU_A_BUDGET_LIMIT, 10);
	off = nlq_put_u64(m, QPU_A_BUDGET_PERIOD, QPU_BUDGET_PERIOD_MAX + 1);
	nlq_nest_end(m, n);
	return off;
}

static size_t bad_period_huge(struct nlq_msg *m, uint64_t cgid)
{
	size_t n, off;

	put_target(m, cgid);
	n = nlq_nest_start(m, QPU_A_TENANT_QPU_TIME);
	nlq_put_u64(m, QPU_A_BUDGET_LIMIT, 10);
	off = nlq_put_u64(m, QPU_A_BUDGET_PERIOD, ~0ULL);
	nlq_nest_end(m, n);
	return off;
}

/* A budget with a reply-only attribute. */
static size_t bad_budget_used(struct nlq_msg *m, uint64_t cgid)
{
	size_t n, off;

	put_target(m, cgid);
	n = nlq_nest_start(m, QPU_A_TENANT_SHOTS);
	nlq_put_u64(m, QPU_A_BUDGET_LIMIT, 10);
	nlq_put_u64(m, QPU_A_BUDGET_PERIOD, 10);
	off = nlq_put_u64(m, QPU_A_BUDGET_USED, 0);
	nlq_nest_end(m, n);
	return off;
}

/* A budget that is not a nest. */
static size_t bad_budget_flat(struct nlq_msg *m, uint64_t cgid)
{
	put_target(m, cgid);
	return nlq_put_u64(m, QPU_A_TENANT_SHOTS, 10);
}

/* Reply-only attributes in a request. */
static size_t bad_reply_current(struct nlq_msg *m, uint64_t cgid)
{
	put_target(m, cgid);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 300);
	return nlq_put_u64(m, QPU_A_TENANT_QUBITS_CURRENT, 0);
}

static size_t bad_reply_events(struct nlq_msg *m, uint64_t cgid)
{
	size_t n;

	put_target(m, cgid);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 300);
	n = nlq_nest_start(m, QPU_A_TENANT_EVENTS);
	nlq_put_u64(m, QPU_A_EVENTS_QUBITS, 0);
	nlq_nest_end(m, n);
	return n;
}

static size_t bad_reply_configured(struct nlq_msg *m, uint64_t cgid)
{
	put_target(m, cgid);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 300);
	return nlq_put_u8(m, QPU_A_TENANT_CONFIGURED, 1);
}

/* Attribute types beyond the set, and type 0. */
static size_t bad_type_unknown(struct nlq_msg *m, uint64_t cgid)
{
	put_target(m, cgid);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 300);
	return nlq_put_u32(m, QPU_A_TENANT_MAX + 1, 1);
}

static size_t bad_type_zero(struct nlq_msg *m, uint64_t cgid)
{
	put_target(m, cgid);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 300);
	return nlq_put_u32(m, QPU_A_TENANT_UNSPEC, 1);
}

/* 60 KiB in one attribute of an unknown type. */
static size_t bad_oversized(struct nlq_msg *m, uint64_t cgid)
{
	static char big[60000];

	put_target(m, cgid);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 300);
	memset(big, 0xa5, sizeof(big));
	return nlq_put(m, 0x3ff, big, sizeof(big));
}

/* A 4 KiB "weight". */
static size_t bad_oversized_weight(struct nlq_msg *m, uint64_t cgid)
{
	static char big[4096];

	put_target(m, cgid);
	return nlq_put(m, QPU_A_TENANT_WEIGHT, big, sizeof(big));
}

/* A nested flag on a u32. */
static size_t bad_nested_flag(struct nlq_msg *m, uint64_t cgid)
{
	uint32_t v = 300;

	put_target(m, cgid);
	return nlq_put(m, QPU_A_TENANT_WEIGHT | NLA_F_NESTED, &v, sizeof(v));
}

/*
 * What each gives: a value outside its range is ERANGE (the genetlink
 * core's errno for a range policy), everything else EINVAL.
 */
static const struct bad_set {
	const char *name;
	bad_set_fn fn;
	int err;
} bad_sets[] = {
	{ "dev id as u16", bad_dev_id_u16, EINVAL },
	{ "dev id as u64", bad_dev_id_u64, EINVAL },
	{ "cgroup id as u32", bad_cgroup_u32, EINVAL },
	{ "weight as u64", bad_weight_u64, EINVAL },
	{ "weight as a string", bad_weight_string, EINVAL },
	{ "qubits.max as u32", bad_qubits_u32, EINVAL },
	{ "weight 0", bad_weight_0, ERANGE },
	{ "weight 10001", bad_weight_10001, ERANGE },
	{ "weight 2^32-1", bad_weight_huge, ERANGE },
	{ "latency 2", bad_latency, ERANGE },
	{ "isolation 3", bad_isolation, ERANGE },
	{ "period one year + 1", bad_period, ERANGE },
	{ "period 2^64-1", bad_period_huge, ERANGE },
	{ "budget with USED", bad_budget_used, EINVAL },
	{ "budget not a nest", bad_budget_flat, EINVAL },
	{ "QUBITS_CURRENT in a request", bad_reply_current, EINVAL },
	{ "EVENTS in a request", bad_reply_events, EINVAL },
	{ "CONFIGURED in a request", bad_reply_configured, EINVAL },
	{ "attribute type past the set", bad_type_unknown, EINVAL },
	{ "attribute type 0", bad_type_zero, EINVAL },
	{ "60 KiB attribute", bad_oversized, EINVAL },
	{ "4 KiB weight", bad_oversized_weight, EINVAL },
	{ "nested flag on a u32", bad_nested_flag, EINVAL },
};

static void hostile_body(void *arg)
{
	struct nlq *q = nlq_open_ok();
	struct nlq_msg *m = msg_new(q, QPU_CMD_TENANT_SET, 0);
	bool core = tenant_core();
	struct nlq_tenant before, after;
	uint64_t a;
	size_t i, off;

	(void)arg;
	a = cg_make("nlt-a");
	if (core) {
		/* Known values to compare against. */
		put_full_set(m, QPU0_ID, a);
		QT_ASSERT_EQ(nlq_xfer(q, m, NULL, NULL), 0);
	}
	tenant_get_ok(q, QPU0_ID, a, &before);

	for (i = 0; i < ARRAY_LEN(bad_sets); i++) {
		nlq_msg_init(m, q->family, QPU_CMD_TENANT_SET, 0);
		off = bad_sets[i].fn(m, a);
		printf("# %s\n", bad_sets[i].name);
		ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), bad_sets[i].err);
		ASSERT_BAD_ATTR(q, off);
		tenant_get_ok(q, QPU0_ID, a, &after);
		if (!tenant_same(before, after))
			QT_FAIL("%s changed the tenant", bad_sets[i].name);
	}
	free(m);
	nlq_close(q);
}

QPU_TEST(tenant_set_hostile_attributes)
{
	need_cgroup2();
	run_with_cleanup(hostile_body, cleanup_cgroups, NULL);
}

static void semantic_body(void *arg)
{
	struct nlq *q = nlq_open_ok();
	struct nlq_msg *m = msg_new(q, QPU_CMD_TENANT_SET, 0);
	struct nlq_tenant before, after;
	size_t n, off;
	uint64_t a;

	(void)arg;
	a = cg_make("nlt-a");
	tenant_get_ok(q, QPU0_ID, a, &before);

	/* Budgets need both halves. */
	put_target(m, a);
	n = nlq_nest_start(m, QPU_A_TENANT_SHOTS);
	nlq_put_u64(m, QPU_A_BUDGET_LIMIT, 100);
	nlq_nest_end(m, n);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), EINVAL);
	QT_ASSERT(q->has_miss);
	QT_ASSERT_EQ(q->miss_type, QPU_A_BUDGET_PERIOD);
	QT_ASSERT_EQ(q->miss_nest, n);

	nlq_msg_init(m, q->family, QPU_CMD_TENANT_SET, 0);
	put_target(m, a);
	n = nlq_nest_start(m, QPU_A_TENANT_QPU_TIME);
	nlq_put_u64(m, QPU_A_BUDGET_PERIOD, 100);
	nlq_nest_end(m, n);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), EINVAL);
	QT_ASSERT_EQ(q->miss_type, QPU_A_BUDGET_LIMIT);

	nlq_msg_init(m, q->family, QPU_CMD_TENANT_SET, 0);
	put_target(m, a);
	n = nlq_nest_start(m, QPU_A_TENANT_SHOTS);
	nlq_nest_end(m, n);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), EINVAL);

	/* A valid budget next to an invalid one: nothing is applied. */
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_SET, 0);
	put_target(m, a);
	nlq_put_u64(m, QPU_A_TENANT_QUBITS_MAX, 2);
	n = nlq_nest_start(m, QPU_A_TENANT_SHOTS);
	nlq_put_u64(m, QPU_A_BUDGET_LIMIT, 100);
	nlq_put_u64(m, QPU_A_BUDGET_PERIOD, 100);
	nlq_nest_end(m, n);
	n = nlq_nest_start(m, QPU_A_TENANT_QPU_TIME);
	nlq_put_u64(m, QPU_A_BUDGET_LIMIT, 100);
	nlq_nest_end(m, n);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), EINVAL);

	/* Nothing to set. */
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_SET, 0);
	put_target(m, a);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), EINVAL);

	/* Missing device, missing cgroup. */
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_SET, 0);
	nlq_put_u64(m, QPU_A_TENANT_CGROUP_ID, a);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 300);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), EINVAL);
	QT_ASSERT_EQ(q->miss_type, QPU_A_TENANT_DEV_ID);
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_SET, 0);
	nlq_put_u32(m, QPU_A_TENANT_DEV_ID, QPU0_ID);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 300);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), EINVAL);
	QT_ASSERT_EQ(q->miss_type, QPU_A_TENANT_CGROUP_ID);

	/* Unknown device, unknown cgroup, a file's inode. */
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_SET, 0);
	off = nlq_put_u32(m, QPU_A_TENANT_DEV_ID, 9);
	nlq_put_u64(m, QPU_A_TENANT_CGROUP_ID, a);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 300);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), ENODEV);
	ASSERT_BAD_ATTR(q, off);
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_SET, 0);
	nlq_put_u32(m, QPU_A_TENANT_DEV_ID, QPU0_ID);
	off = nlq_put_u64(m, QPU_A_TENANT_CGROUP_ID, 0x7fffffffffffULL);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 300);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), ENOENT);
	ASSERT_BAD_ATTR(q, off);
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_SET, 0);
	nlq_put_u32(m, QPU_A_TENANT_DEV_ID, QPU0_ID);
	nlq_put_u64(m, QPU_A_TENANT_CGROUP_ID,
		    path_ino(CG_ROOT "/nlt-a/cgroup.procs"));
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 300);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), ENOENT);

	/* DEL: unknown device, unknown cgroup, no limits there. */
	ASSERT_NLERR(q, nlq_tenant_del(q, 9, a), ENODEV);
	ASSERT_NLERR(q, nlq_tenant_del(q, QPU0_ID, 0x7fffffffffffULL), ENOENT);
	ASSERT_NLERR(q, nlq_tenant_del(q, QPU0_ID, a), ENOENT);
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_DEL, 0);
	nlq_put_u32(m, QPU_A_TENANT_DEV_ID, QPU0_ID);
	nlq_put_u64(m, QPU_A_TENANT_CGROUP_ID, a);
	off = nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 300);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), EINVAL);
	ASSERT_BAD_ATTR(q, off);

	tenant_get_ok(q, QPU0_ID, a, &after);
	QT_ASSERT(tenant_same(before, after));
	assert_default_tenant(&after, a);
	free(m);
	nlq_close(q);
}

QPU_TEST(tenant_set_del_bad_requests)
{
	need_cgroup2();
	run_with_cleanup(semantic_body, cleanup_cgroups, NULL);
}

/* Messages broken below the attribute level. */
QPU_TEST(malformed_messages_einval)
{
	struct nlq *q = nlq_open_ok();
	struct nlq_msg *m = msg_new(q, QPU_CMD_DEV_GET, 0);
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;
	struct nlattr *a;
	struct nlq_dev d;
	int ret;

	/* An attribute whose length runs past the message. */
	nlq_put_u32(m, QPU_A_DEV_ID, 0);
	a = (struct nlattr *)(m->buf + NLMSG_HDRLEN + GENL_HDRLEN);
	a->nla_len = 200;
	nlh->nlmsg_len = (uint32_t)m->len;
	nlh->nlmsg_flags |= NLM_F_ACK;
	ret = nlq_xfer_raw(q, m->buf, m->len, true, NULL, NULL);
	QT_ASSERT_EQ(ret, -EINVAL);

	/* An attribute length below its header. */
	a->nla_len = 2;
	ret = nlq_xfer_raw(q, m->buf, m->len, true, NULL, NULL);
	QT_ASSERT_EQ(ret, -EINVAL);

	/* Trailing bytes after the last attribute. */
	nlq_msg_init(m, q->family, QPU_CMD_DEV_GET, 0);
	nlq_put_u32(m, QPU_A_DEV_ID, 0);
	memset(m->buf + m->len, 0, 2);
	m->len += 2;
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), EINVAL);

	/* A message too short for the genetlink header. */
	nlq_msg_init(m, q->family, QPU_CMD_DEV_GET, 0);
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	nlh->nlmsg_flags |= NLM_F_ACK;
	ret = nlq_xfer_raw(q, m->buf, NLMSG_HDRLEN + 2, true, NULL, NULL);
	QT_ASSERT_EQ(ret, -EINVAL);

	/* Duplicate attributes: the last one counts, both are checked. */
	nlq_msg_init(m, q->family, QPU_CMD_DEV_GET, 0);
	nlq_put_u32(m, QPU_A_DEV_ID, 0);
	nlq_put(m, QPU_A_DEV_ID, "x", 1);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), EINVAL);

	/* The family still answers. */
	QT_ASSERT_EQ(nlq_dev_get(q, QPU0_ID, &d), 0);
	free(m);
	nlq_close(q);
}

/* A dump abandoned half way (the socket closed) leaves nothing behind. */
static void dump_close_body(void *arg)
{
	struct qpu_objs before, after;
	struct nlq_msg *m;
	struct nlq *q;
	int i, rcvbuf = 1;

	(void)arg;
	for (i = 0; i < HP_N; i++)
		new_device_ok(HP_ID + i, hp_specs[i]);
	read_objs(&before);
	for (i = 0; i < 50; i++) {
		q = nlq_open_ok();
		/* The smallest receive buffer: one message per part. */
		setsockopt(q->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		m = msg_new(q, i & 1 ? QPU_CMD_TENANT_GET : QPU_CMD_DEV_GET,
			    NLM_F_DUMP);
		((struct nlmsghdr *)m->buf)->nlmsg_len = (uint32_t)m->len;
		QT_ASSERT_OK(send(q->fd, m->buf, m->len, 0));
		if (i & 2)
			recv(q->fd, q->rbuf, 64, MSG_DONTWAIT);
		free(m);
		nlq_close(q);
		if (i == 25)
			del_device_ok(HP_ID + 1);
	}
	read_objs(&after);
	QT_ASSERT_EQ(after.devices, before.devices - 1);
}

QPU_TEST(dump_abandoned_mid_way)
{
	run_with_cleanup(dump_close_body, remove_hp, NULL);
}

/* ---- with the tenant core: limits are kept --------------------------------- */

static void assert_full_set(const struct nlq_tenant *t, uint64_t cgid)
{
	QT_ASSERT_EQ(t->cgroup_id, cgid);
	QT_ASSERT_EQ(t->configured, 1);
	QT_ASSERT_EQ(t->qubits_max, 16);
	QT_ASSERT_EQ(t->jobs_max, 8);
	QT_ASSERT_EQ(t->shots.limit, 1000000);
	QT_ASSERT_EQ(t->shots.period, 3600);
	QT_ASSERT_EQ(t->shots.used, 0);
	QT_ASSERT_EQ(t->shots.remaining, 1000000);
	QT_ASSERT(t->qpu_time.limit == 5000000000ULL);
	QT_ASSERT_EQ(t->qpu_time.period, 0);
	QT_ASSERT(t->qpu_time.remaining == 5000000000ULL);
	QT_ASSERT_EQ(t->weight, 200);
	QT_ASSERT_EQ(t->latency, QPU_LATENCY_INTERACTIVE);
	QT_ASSERT_EQ(t->isolation, QPU_ISOLATION_GUARD);
}

static void round_trip_body(void *arg)
{
	struct nlq_tenant *ts = calloc(QPU_MAX_TENANTS, sizeof(*ts));
	struct nlq_list l = { .max = QPU_MAX_TENANTS, .tenant = true,
			      .tenants = ts };
	struct nlq *q = nlq_open_ok();
	struct nlq_msg *m = msg_new(q, QPU_CMD_TENANT_SET, 0);
	struct nlq_tenant t;
	struct nlq_dev d;
	uint64_t a, a1, b;
	unsigned int i, found;
	size_t n;
	pid_t pid;

	(void)arg;
	a = cg_make("nlt-a");
	a1 = cg_make("nlt-a/nlt-a1");
	b = cg_make("nlt-b");

	put_full_set(m, QPU0_ID, a);
	QT_ASSERT_EQ(nlq_xfer(q, m, NULL, NULL), 0);
	tenant_get_ok(q, QPU0_ID, a, &t);
	assert_full_set(&t, a);

	/* Only what is given changes. */
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_SET, 0);
	put_target(m, a);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, QPU_WEIGHT_MAX);
	QT_ASSERT_EQ(nlq_xfer(q, m, NULL, NULL), 0);
	tenant_get_ok(q, QPU0_ID, a, &t);
	QT_ASSERT_EQ(t.weight, QPU_WEIGHT_MAX);
	t.weight = 200;
	assert_full_set(&t, a);
	/* Back to the full set, which the checks below expect. */
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_SET, 0);
	put_target(m, a);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, 200);
	QT_ASSERT_EQ(nlq_xfer(q, m, NULL, NULL), 0);

	/* "max", the longest period, the extreme weight and isolation. */
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_SET, 0);
	put_target(m, b);
	nlq_put_u64(m, QPU_A_TENANT_QUBITS_MAX, QPU_UNLIMITED);
	nlq_put_u32(m, QPU_A_TENANT_WEIGHT, QPU_WEIGHT_MIN);
	n = nlq_nest_start(m, QPU_A_TENANT_SHOTS);
	nlq_put_u64(m, QPU_A_BUDGET_LIMIT, 7);
	nlq_put_u64(m, QPU_A_BUDGET_PERIOD, QPU_BUDGET_PERIOD_MAX);
	nlq_nest_end(m, n);
	nlq_put_u32(m, QPU_A_TENANT_ISOLATION, QPU_ISOLATION_EXCLUSIVE);
	QT_ASSERT_EQ(nlq_xfer(q, m, NULL, NULL), 0);
	tenant_get_ok(q, QPU0_ID, b, &t);
	QT_ASSERT_EQ(t.configured, 1);
	QT_ASSERT(t.qubits_max == QPU_UNLIMITED);
	QT_ASSERT_EQ(t.weight, QPU_WEIGHT_MIN);
	QT_ASSERT_EQ(t.shots.limit, 7);
	QT_ASSERT_EQ(t.shots.period, QPU_BUDGET_PERIOD_MAX);
	QT_ASSERT_EQ(t.isolation, QPU_ISOLATION_EXCLUSIVE);

	/* Other devices are not affected. */
	new_device_ok(HP_ID, "line:5");
	tenant_get_ok(q, HP_ID, a, &t);
	assert_default_tenant(&t, a);

	/* DEV_GET counts the records; the dump lists both. */
	QT_ASSERT_EQ(nlq_dev_get(q, QPU0_ID, &d), 0);
	QT_ASSERT_GE(d.tenants, 2);
	nlq_msg_init(m, q->family, QPU_CMD_TENANT_GET, NLM_F_DUMP);
	nlq_put_u32(m, QPU_A_TENANT_DEV_ID, QPU0_ID);
	QT_ASSERT_EQ(nlq_xfer(q, m, nlq_collect, &l), 0);
	QT_ASSERT_EQ(l.n, d.tenants);
	for (i = found = 0; i < l.n; i++) {
		assert_tenant_complete(&ts[i]);
		if (i)
			QT_ASSERT_GT(ts[i].cgroup_id, ts[i - 1].cgroup_id);
		if (ts[i].cgroup_id == a) {
			assert_full_set(&ts[i], a);
			found++;
		}
		found += ts[i].cgroup_id == b;
	}
	QT_ASSERT_EQ(found, 2);

	/* Unprivileged, in /nlt-a/nlt-a1: the dump shows /nlt-a, not /nlt-b. */
	pid = fork_ok();
	if (!pid) {
		cg_enter("nlt-a/nlt-a1");
		drop_to_nobody();
		nlq_close(q);
		q = nlq_open_ok();
		l.n = 0;
		QT_ASSERT_EQ(nlq_xfer(q, m, nlq_collect, &l), 0);
		for (i = found = 0; i < l.n; i++) {
			QT_ASSERT(ts[i].cgroup_id != b);
			found += ts[i].cgroup_id == a;
		}
		QT_ASSERT_EQ(found, 1);
		tenant_get_ok(q, QPU0_ID, a, &t);
		assert_full_set(&t, a);
		tenant_get_ok(q, QPU0_ID, 0, &t);
		QT_ASSERT_EQ(t.cgroup_id, a1);
		_exit(0);
	}
	wait_ok(pid);

	/* DEL forgets; a second DEL finds nothing. */
	QT_ASSERT_EQ(nlq_tenant_del(q, QPU0_ID, a), 0);
	tenant_get_ok(q, QPU0_ID, a, &t);
	assert_default_tenant(&t, a);
	ASSERT_NLERR(q, nlq_tenant_del(q, QPU0_ID, a), ENOENT);
	QT_ASSERT_EQ(nlq_tenant_del(q, QPU0_ID, b), 0);
	free(m);
	free(ts);
	nlq_close(q);
}

/* Forget what a failed body may have left on qpu0, then remove it all. */
static void round_trip_cleanup(void *arg)
{
	static const char *const names[] = { "nlt-a", "nlt-a/nlt-a1", "nlt-b" };
	struct nlq *q = nlq_open();
	struct stat st;
	size_t i;
	char path[128];

	for (i = 0; q && i < ARRAY_LEN(names); i++) {
		snprintf(path, sizeof(path), CG_ROOT "/%s", names[i]);
		if (!stat(path, &st))
			nlq_tenant_del(q, QPU0_ID, st.st_ino);
	}
	nlq_close(q);
	remove_hp(arg);
	cleanup_cgroups(arg);
}

QPU_TEST(tenant_set_get_del_round_trip)
{
	need_cgroup2();
	need_tenant_core();
	run_with_cleanup(round_trip_body, round_trip_cleanup, NULL);
}

/* Limits on a device that goes away: no leak, ENODEV after. */
static void removal_body(void *arg)
{
	struct nlq *q = nlq_open_ok();
	struct nlq_msg *m = msg_new(q, QPU_CMD_TENANT_SET, 0);
	struct nlq_tenant t;
	uint64_t a;

	(void)arg;
	a = cg_make("nlt-a");
	new_device_ok(HP_ID, "line:5");
	put_full_set(m, HP_ID, a);
	QT_ASSERT_EQ(nlq_xfer(q, m, NULL, NULL), 0);
	tenant_get_ok(q, HP_ID, a, &t);
	assert_full_set(&t, a);
	del_device_ok(HP_ID);
	ASSERT_NLERR(q, nlq_tenant_get(q, HP_ID, a, &t), ENODEV);
	ASSERT_NLERR(q, nlq_xfer(q, m, NULL, NULL), ENODEV);
	/* A new device of that id starts empty. */
	new_device_ok(HP_ID, "line:5");
	tenant_get_ok(q, HP_ID, a, &t);
	assert_default_tenant(&t, a);
	free(m);
	nlq_close(q);
}

QPU_TEST(tenant_limits_on_removed_device)
{
	need_cgroup2();
	need_tenant_core();
	run_with_cleanup(removal_body, round_trip_cleanup, NULL);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
