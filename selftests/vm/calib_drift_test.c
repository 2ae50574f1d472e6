// SPDX-License-Identifier: GPL-2.0
/*
 * calib_drift_test.c - the "drift" calibration tunable
 * (Documentation/ABI/testing/sysfs-class-qpu):
 *
 *  - off (0) by default; values past a day fail with ERANGE, non-numbers
 *    with EINVAL, and a refused value changes nothing;
 *  - drift=1 bumps calibration_epoch within a few seconds, the values
 *    change and every record stays in range (T2 <= 2 T1, ppm <= 10^6);
 *  - drift=0 stops it: no epoch after the store returns;
 *  - removing a device, and unloading the module, with drift active is
 *    clean (the harness fails the run on any WARN or splat, and on
 *    leaked objects at unload).
 *
 * The tests drift runtime devices (ids 5 and 6) so qpu0's calibration
 * stays as other tests expect; the unload test drifts qpu0 and reloads
 * the module with its defaults, also when it fails (run_with_cleanup()).
 */
#include "vm_util.h"

#define DRIFT_DEV	5
#define DRIFT_DEV2	6
#define DRIFT_SPEC	"heavyhex:27"
#define DRIFT_MAX_S	86400
#define PPM_MAX		1000000U
#define TIME_MAX_US	9999999U
#define STEP_WAIT_MS	20000	/* TCG is slow; a step is due after 1 s */

static uint64_t epoch_of(unsigned int id)
{
	return dev_attr_u64(id, "calibration_epoch");
}

/* Wait until @id's epoch reaches @want; false after STEP_WAIT_MS. */
static bool wait_epoch(unsigned int id, uint64_t want)
{
	const struct timespec step = { 0, 50 * 1000 * 1000 };
	int waited;

	for (waited = 0; waited < STEP_WAIT_MS; waited += 50) {
		if (epoch_of(id) >= want)
			return true;
		nanosleep(&step, NULL);
	}
	return epoch_of(id) >= want;
}

static char *calib_of(unsigned int id)
{
	char path[128];
	size_t len;

	return read_all_ok(attr_path(path, sizeof(path), id, "calibration"), &len);
}

/* Every record of @text in range, as a write would accept it. */
static void assert_calib_valid(unsigned int id, const char *text)
{
	uint32_t nq = dev_attr_u32(id, "num_qubits"), ne = dev_attr_u32(id, "num_edges");
	unsigned int idx, r, g, t1, t2, r10, a, b, e, i;
	const char *p = text;

	for (i = 0; i < nq; i++, p = strchr(p, '\n') + 1) {
		QT_ASSERT_EQ(sscanf(p, "q %u %u %u %u %u %u", &idx, &r, &g, &t1, &t2,
				    &r10), 6);
		QT_ASSERT_EQ(idx, i);
		QT_ASSERT(r <= PPM_MAX && g <= PPM_MAX && r10 <= PPM_MAX);
		QT_ASSERT(t1 >= 1 && t1 <= TIME_MAX_US);
		QT_ASSERT(t2 >= 1 && t2 <= TIME_MAX_US && t2 <= 2ULL * t1);
	}
	for (i = 0; i < ne; i++, p = strchr(p, '\n') + 1) {
		QT_ASSERT_EQ(sscanf(p, "e %u %u %u", &a, &b, &e), 3);
		QT_ASSERT_LE(e, PPM_MAX);
	}
	QT_ASSERT_EQ(*p, '\0');
}

static void set_drift_ok(unsigned int id, const char *text)
{
	int ret = write_dev_attr(id, "drift", text);

	if (ret)
		QT_FAIL("drift '%s': %s", one_line(text), strerror(-ret));
}

static void del_drift_devs(void *arg)
{
	(void)arg;
	del_device(DRIFT_DEV);
	del_device(DRIFT_DEV2);
}

/* ---- tests ------------------------------------------------------------------- */

static void bad_values_body(void *arg)
{
	static const struct {
		const char *text;
		int err;
	} bad[] = {
		{ "86401\n", ERANGE }, { "4294967295\n", ERANGE },
		{ "4294967296\n", ERANGE }, { "-1\n", EINVAL }, { "one\n", EINVAL },
		{ "1s\n", EINVAL }, { "\n", EINVAL }, { "1 2\n", EINVAL },
	};
	uint64_t ep;
	size_t i;
	int ret;

	(void)arg;
	new_device_ok(DRIFT_DEV, DRIFT_SPEC);
	QT_ASSERT_EQ(dev_attr_u32(DRIFT_DEV, "drift"), 0);	/* off by default */
	ep = epoch_of(DRIFT_DEV);
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		ret = write_dev_attr(DRIFT_DEV, "drift", bad[i].text);
		if (ret != -bad[i].err)
			QT_FAIL("drift '%s': %s, want %s", one_line(bad[i].text),
				ret ? strerror(-ret) : "accepted", strerror(bad[i].err));
		QT_ASSERT_EQ(dev_attr_u32(DRIFT_DEV, "drift"), 0);
	}
	/* The range's ends are accepted and read back; a day is no step now. */
	set_drift_ok(DRIFT_DEV, "86400\n");
	QT_ASSERT_EQ(dev_attr_u32(DRIFT_DEV, "drift"), DRIFT_MAX_S);
	set_drift_ok(DRIFT_DEV, "0\n");
	QT_ASSERT_EQ(dev_attr_u32(DRIFT_DEV, "drift"), 0);
	QT_ASSERT_EQ(epoch_of(DRIFT_DEV), ep);
	del_device_ok(DRIFT_DEV);
}

QPU_TEST(drift_bad_values_refused)
{
	run_with_cleanup(bad_values_body, del_drift_devs, NULL);
}

static void steps_body(void *arg)
{
	const struct timespec quiet = { 3, 0 };
	char *before, *after;
	uint64_t ep;

	(void)arg;
	new_device_ok(DRIFT_DEV, DRIFT_SPEC);
	before = calib_of(DRIFT_DEV);
	ep = epoch_of(DRIFT_DEV);
	set_drift_ok(DRIFT_DEV, "1\n");
	QT_ASSERT_EQ(dev_attr_u32(DRIFT_DEV, "drift"), 1);
	if (!wait_epoch(DRIFT_DEV, ep + 2))
		QT_FAIL("drift=1: epoch %llu after %d ms, want %llu",
			(unsigned long long)epoch_of(DRIFT_DEV), STEP_WAIT_MS,
			(unsigned long long)ep + 2);
	after = calib_of(DRIFT_DEV);
	QT_ASSERT(strcmp(before, after));	/* the values moved */
	assert_calib_valid(DRIFT_DEV, after);
	free(after);

	/* Off: once the store returns, no step follows. */
	set_drift_ok(DRIFT_DEV, "0\n");
	ep = epoch_of(DRIFT_DEV);
	after = calib_of(DRIFT_DEV);
	nanosleep(&quiet, NULL);
	QT_ASSERT_EQ(epoch_of(DRIFT_DEV), ep);
	before = calib_of(DRIFT_DEV);
	QT_ASSERT(!strcmp(before, after));
	assert_calib_valid(DRIFT_DEV, before);
	free(before);
	free(after);
	del_device_ok(DRIFT_DEV);
}

QPU_TEST(drift_steps_and_stops)
{
	run_with_cleanup(steps_body, del_drift_devs, NULL);
}

/* Removal with drift armed: one device mid-wait, one just after a step. */
static void remove_body(void *arg)
{
	uint64_t ep;

	(void)arg;
	new_device_ok(DRIFT_DEV, DRIFT_SPEC);
	new_device_ok(DRIFT_DEV2, "grid:3x3");
	set_drift_ok(DRIFT_DEV, "1\n");
	set_drift_ok(DRIFT_DEV2, "1\n");
	ep = epoch_of(DRIFT_DEV2);
	QT_ASSERT(wait_epoch(DRIFT_DEV2, ep + 1));
	del_device_ok(DRIFT_DEV2);
	set_drift_ok(DRIFT_DEV, "3600\n");
	del_device_ok(DRIFT_DEV);
	/* The ids are free again, and a new device starts with drift off. */
	new_device_ok(DRIFT_DEV, DRIFT_SPEC);
	QT_ASSERT_EQ(dev_attr_u32(DRIFT_DEV, "drift"), 0);
	QT_ASSERT_EQ(epoch_of(DRIFT_DEV), 1);
	del_device_ok(DRIFT_DEV);
}

QPU_TEST(drift_device_removal_clean)
{
	run_with_cleanup(remove_body, del_drift_devs, NULL);
}

/* Leave qpu.ko loaded with its defaults and /dev/qpu0 present. */
static void reload_module(void *arg)
{
	(void)arg;
	if (!module_loaded() && load_module(""))
		QT_FAIL("reloading qpu failed");
	if (!wait_for_path(QPU0_PATH, true, 5000))
		QT_FAIL("%s missing after reloading qpu", QPU0_PATH);
}

static void unload_body(void *arg)
{
	uint64_t ep;
	int ret;

	(void)arg;
	if (!path_exists(MODULE_KO))
		qt_skip("%s not found", MODULE_KO);
	set_drift_ok(QPU0_ID, "1\n");
	ep = epoch_of(QPU0_ID);
	QT_ASSERT(wait_epoch(QPU0_ID, ep + 1));
	ret = unload_module();
	if (ret)
		QT_FAIL("unloading qpu with drift on: %s", strerror(-ret));
	QT_ASSERT(!module_loaded());
}

QPU_TEST(drift_module_unload_clean)
{
	run_with_cleanup(unload_body, reload_module, NULL);
	/* Reloaded: drift off, the defaults at epoch 1. */
	QT_ASSERT_EQ(dev_attr_u32(QPU0_ID, "drift"), 0);
	QT_ASSERT_EQ(epoch_of(QPU0_ID), 1);
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
