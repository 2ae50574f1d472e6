// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test.c - a short run of the in-VM fuzzer (qpu-fuzz, built from
 * selftests/vm/fuzz/qpu-fuzz.c and installed on the guest's PATH) as part
 * of `make check`.
 *
 * Each test runs qpu-fuzz with a fixed seed and call count on a group of
 * its classes, so a failure names the entry points involved; the last one
 * mixes every class (the bpf class's policy included). A test fails if
 * qpu-fuzz reports an unexpected outcome or dies; the harness fails the
 * run on any kernel splat or leaked object. `make fuzz` runs the same
 * program for much longer.
 */
#include "vm_util.h"

#define FUZZ_SEED	"1"

static void fuzz(const char *classes, const char *calls, const char *threads)
{
	const char *argv[] = {
		"qpu-fuzz", "--seed", FUZZ_SEED, "--calls", calls, "--threads",
		threads, "--classes", classes, NULL,
	};
	pid_t pid;
	int st;

	pid = fork_ok();
	if (!pid) {
		execvp(argv[0], (char *const *)argv);
		printf("# exec qpu-fuzz: %s\n", strerror(errno));
		_exit(127);
	}
	st = wait_status(pid);
	if (st == 127)
		qt_skip("qpu-fuzz not found on PATH");
	if (st)
		QT_FAIL("qpu-fuzz --classes %s: status %d", classes, st);
}

/* Garbage and mutated ioctls, valid sequences one field off. */
QPU_TEST_TIMEOUT(fuzz_ioctl, 300)
{
	fuzz("ioctl,deep", "20000", "2");
}

/* Buffers mapped every wrong way, io_uring commands, poll. */
QPU_TEST_TIMEOUT(fuzz_async, 300)
{
	fuzz("mmap,uring,poll,deep", "12000", "2");
}

/* Shared descriptors closed under other threads, killed batches. */
QPU_TEST_TIMEOUT(fuzz_races, 300)
{
	fuzz("race,kill,deep", "6000", "3");
}

/* sysfs garbage, device removal and rmmod racing open files. */
QPU_TEST_TIMEOUT(fuzz_admin, 300)
{
	fuzz("sysfs,hotplug,module,deep", "10000", "3");
}

/* The netlink family, racing device removal and rmmod. */
QPU_TEST_TIMEOUT(fuzz_netlink, 300)
{
	fuzz("netlink,hotplug,module", "5000", "3");
}

/*
 * A monitoring policy denying admissions at random, attached and detached
 * while jobs are loaded, run and submitted (ioctl and io_uring) and
 * processes are killed mid-batch.
 */
QPU_TEST_TIMEOUT(fuzz_policy, 300)
{
	fuzz("bpf,deep,uring,kill", "8000", "3");
}

/* The policy racing device removal and rmmod (which it holds off). */
QPU_TEST_TIMEOUT(fuzz_policy_admin, 300)
{
	fuzz("bpf,hotplug,module,deep", "5000", "3");
}

/* Everything at once, and rmmod/insmod cycles between rounds. */
QPU_TEST_TIMEOUT(fuzz_all, 400)
{
	fuzz("all", "30000", "3");
}

int main(int argc, char **argv)
{
	return qt_main(argc, argv);
}
