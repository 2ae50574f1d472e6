// SPDX-License-Identifier: GPL-2.0
/*
 * module_test.c - qpu.ko as a module:
 *
 *  - its parameters read back as loaded (nr_devices 1, topology
 *    heavyhex:27 by default);
 *  - an open device pins the module: its refcount rises while files are
 *    open, `rmmod qpu` fails (and so does delete_module(2), with
 *    EWOULDBLOCK), the device keeps working, and the refcount drops back
 *    when the files are closed;
 *  - unloading and reloading with nr_devices=3 topology=grid:2x2 creates
 *    /dev/qpu0..2 of that shape, nr_devices=0 none, nr_devices=64 all
 *    ids; bad parameters make the load fail cleanly.
 *
 * Tests that unload the module always reload it with the default
 * parameters from /lib/qpu.ko and wait for /dev/qpu0, also when they fail
 * (run_with_cleanup()); the final unload and leak check are the harness's.
 */
#include "vm_util.h"

#define PARAM_NR	QPU_MODULE_DIR "/parameters/nr_devices"
#define PARAM_TOPO	QPU_MODULE_DIR "/parameters/topology"
#define MODULE_REFCNT	QPU_MODULE_DIR "/refcnt"

/* ---- loading and unloading ------------------------------------------------- */

static void unload_ok(void)
{
	int ret = unload_module();

	if (ret)
		QT_FAIL("unloading qpu: %s", strerror(-ret));
	QT_ASSERT(!module_loaded());
	QT_ASSERT(wait_for_path(QPU0_PATH, false, 5000));
}

static void load_ok(const char *params)
{
	int ret = load_module(params);

	if (ret)
		QT_FAIL("loading qpu '%s': %s", params, strerror(-ret));
	QT_ASSERT(module_loaded());
}

static bool module_has_defaults(void)
{
	char topo[64];

	read_sysfs_str(PARAM_TOPO, topo, sizeof(topo));
	return read_sysfs_u32(PARAM_NR) == 1 && !strcmp(topo, QPU0_TOPOLOGY);
}

/* Leave qpu.ko loaded with its default parameters and /dev/qpu0 present. */
static void restore_default_module(void *arg)
{
	(void)arg;
	if (module_loaded() && !module_has_defaults())
		unload_ok();
	if (!module_loaded())
		load_ok("");
	if (!wait_for_path(QPU0_PATH, true, 5000))
		QT_FAIL("%s missing after reloading qpu", QPU0_PATH);
}

static void require_module_file(void)
{
	if (!path_exists(MODULE_KO))
		qt_skip("%s not found", MODULE_KO);
}

/* Nothing but devices is alive: safe (and leak-free) to unload. */
static void assert_only_devices(long devices)
{
	struct qpu_objs o, want = { .devices = devices };

	read_objs(&o);
	assert_objs_eq(&o, &want);
}

/* ---- tests ------------------------------------------------------------------- */

QPU_TEST(module_params_default)
{
	char topo[64];

	QT_ASSERT_EQ(read_sysfs_u32(PARAM_NR), 1);
	read_sysfs_str(PARAM_TOPO, topo, sizeof(topo));
	QT_ASSERT(!strcmp(topo, QPU0_TOPOLOGY));
	QT_ASSERT(path_exists(QPU0_PATH));
	QT_ASSERT(!path_exists("/dev/qpu1"));
}

/* The first rmmod found: busybox puts it in /sbin or /bin. */
static const char *rmmod_path(void)
{
	static const char *const paths[] = {
		"/sbin/rmmod", "/bin/rmmod", "/usr/sbin/rmmod",
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(paths); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return "rmmod";
}

static void rmmod_refused_body(void *arg)
{
	const char *argv[] = { rmmod_path(), "qpu", NULL };
	uint32_t refs, h;
	struct qpu_info info;
	int fd, fd2, st;

	(void)arg;
	refs = read_sysfs_u32(MODULE_REFCNT);
	fd = open_dev();
	fd2 = open_dev();
	/* Open files pin the module (how many references each is not ABI). */
	QT_ASSERT_GT(read_sysfs_u32(MODULE_REFCNT), refs);
	h = alloc_ok(fd, 5, NULL);

	st = run_cmd(argv);
	if (st == 127)
		QT_FAIL("could not run %s", argv[0]);
	QT_ASSERT_NE(st, 0);
	QT_ASSERT_EQ(unload_module(), -EWOULDBLOCK);
	QT_ASSERT(module_loaded());

	/* Everything still works. */
	get_info_ok(fd, &info);
	QT_ASSERT_EQ(info.num_qubits, QPU0_NUM_QUBITS);
	assert_free_qubits(fd, 0, QPU0_NUM_QUBITS - 5);
	free_ok(fd, h);
	alloc_ok(fd2, 3, NULL);
	close_ok(fd2);
	assert_qpu0_idle(fd);
	close_ok(fd);
	QT_ASSERT_EQ(read_sysfs_u32(MODULE_REFCNT), refs);
	fd = open_dev();
	get_info_ok(fd, &info);
	close_ok(fd);
}

QPU_TEST(rmmod_refused_while_open)
{
	run_with_cleanup(rmmod_refused_body, restore_default_module, NULL);
}

/* Device @id exists with topology grid:2x2 and works. */
static void assert_grid2x2(unsigned int id)
{
	struct qpu_info info;
	char text[64];
	int fd;

	QT_ASSERT_EQ(dev_attr_u32(id, "dev_id"), id);
	QT_ASSERT_EQ(dev_attr_u32(id, "num_qubits"), 4);
	QT_ASSERT_EQ(dev_attr_u32(id, "num_edges"), 4);
	dev_attr_str(id, "topology", text, sizeof(text));
	QT_ASSERT(!strcmp(text, "grid:2x2"));
	fd = open_dev_id_ok(id);
	get_info_ok(fd, &info);
	QT_ASSERT_EQ(info.dev_id, id);
	QT_ASSERT_EQ(info.topology, QPU_TOPO_GRID);
	QT_ASSERT_EQ(info.free_qubits, 4);
	alloc_ok(fd, 4, NULL);
	close_ok(fd);
}

static void reload_body(void *arg)
{
	char path[64], topo[64];
	unsigned int id;

	(void)arg;
	assert_only_devices(1);
	unload_ok();

	load_ok("nr_devices=3 topology=grid:2x2");
	QT_ASSERT_EQ(read_sysfs_u32(PARAM_NR), 3);
	read_sysfs_str(PARAM_TOPO, topo, sizeof(topo));
	QT_ASSERT(!strcmp(topo, "grid:2x2"));
	for (id = 0; id < 3; id++) {
		if (!wait_for_path(dev_path(path, sizeof(path), id), true, 5000))
			QT_FAIL("%s missing", path);
		assert_grid2x2(id);
	}
	QT_ASSERT(!path_exists("/dev/qpu3"));
	QT_ASSERT(!path_exists(QPU_CLASS_DIR "/qpu3"));
	assert_only_devices(3);
	unload_ok();
	for (id = 0; id < 3; id++)
		QT_ASSERT(!path_exists(dev_path(path, sizeof(path), id)));

	/* No devices at all is a valid configuration; more can be added. */
	load_ok("nr_devices=0");
	QT_ASSERT(!path_exists(QPU_CLASS_DIR "/qpu0"));
	QT_ASSERT(path_exists(QPU_NEW_DEVICE));
	assert_only_devices(0);
	unload_ok();

	load_ok("");
	QT_ASSERT(module_has_defaults());
	QT_ASSERT(wait_for_path(QPU0_PATH, true, 5000));
	QT_ASSERT_EQ(dev_attr_u32(0, "num_qubits"), QPU0_NUM_QUBITS);
	assert_only_devices(1);
}

QPU_TEST(reload_with_params)
{
	require_module_file();
	run_with_cleanup(reload_body, restore_default_module, NULL);
}

/* The most devices a load may create: every id is then taken. */
static void max_devices_body(void *arg)
{
	char path[64];
	unsigned int id;
	int ret;

	(void)arg;
	assert_only_devices(1);
	unload_ok();
	load_ok("nr_devices=64 topology=line:2");
	for (id = 0; id < QPU_MAX_DEVICES; id++)
		QT_ASSERT_EQ(dev_attr_u32(id, "num_qubits"), 2);
	if (!wait_for_path(dev_path(path, sizeof(path), QPU_MAX_DEVICES - 1),
			   true, 5000))
		QT_FAIL("%s missing", path);
	assert_only_devices(QPU_MAX_DEVICES);
	ret = new_device(7, "line:1");
	QT_ASSERT_EQ(ret, -EEXIST);
	unload_ok();
	load_ok("");
	QT_ASSERT(wait_for_path(QPU0_PATH, true, 5000));
}

QPU_TEST(reload_max_devices)
{
	require_module_file();
	run_with_cleanup(max_devices_body, restore_default_module, NULL);
}

static void bad_params_body(void *arg)
{
	static const struct {
		const char *params;
		int err;
	} bad[] = {
		{ "nr_devices=65", EINVAL },
		{ "topology=bogus", EINVAL },
		{ "topology=heavyhex:28", EINVAL },
		{ "nr_devices=2 topology=full:2048", E2BIG },
	};
	size_t i;
	int ret;

	(void)arg;
	assert_only_devices(1);
	unload_ok();
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		ret = load_module(bad[i].params);
		if (ret != -bad[i].err)
			QT_FAIL("loading with '%s': got %s, want %s",
				bad[i].params, ret ? strerror(-ret) : "success",
				strerror(bad[i].err));
		QT_ASSERT(!module_loaded());
		QT_ASSERT(!path_exists(QPU_CLASS_DIR));
	}
	/* A failed load leaves nothing behind that stops a good one. */
	load_ok("");
	QT_ASSERT(wait_for_path(QPU0_PATH, true, 5000));
	assert_only_devices(1);
}

QPU_TEST(reload_bad_params)
{
	require_module_file();
	run_with_cleanup(bad_params_body, restore_default_module, NULL);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
