/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_test.h - a small kselftest-style harness printing KTAP.
 *
 *	QPU_TEST(name) { ... QT_ASSERT_EQ(a, b); ... }
 *	int main(int argc, char **argv) { return qt_main(argc, argv); }
 *
 * Each test runs in its own forked child with a timeout, so a crash or a
 * hang fails that test only. A failed assertion prints a diagnostic and
 * ends the test. qt_skip() marks the test skipped. Run one test alone with
 * "prog NAME"; list them with "prog -l".
 */
#ifndef QPU_TEST_H
#define QPU_TEST_H

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define QT_MAX_TESTS	256
#define QT_EXIT_SKIP	4
#define QT_EXIT_FAIL	1

struct qt_case {
	const char *name;
	void (*fn)(void);
	unsigned int timeout;	/* seconds */
};

static struct qt_case qt_cases[QT_MAX_TESTS];
static int qt_ncases;

static inline void qt_register(const char *name, void (*fn)(void),
			       unsigned int timeout)
{
	if (qt_ncases < QT_MAX_TESTS)
		qt_cases[qt_ncases++] = (struct qt_case){ name, fn, timeout };
}

/* Default per-test timeout; TCG is slow, so be generous. */
#ifndef QT_TIMEOUT
#define QT_TIMEOUT 120
#endif

#define QPU_TEST_TIMEOUT(name, secs)					\
	static void qt_fn_##name(void);					\
	__attribute__((constructor)) static void qt_reg_##name(void)	\
	{ qt_register(#name, qt_fn_##name, secs); }			\
	static void qt_fn_##name(void)

#define QPU_TEST(name) QPU_TEST_TIMEOUT(name, QT_TIMEOUT)

static inline void __attribute__((noreturn, format(printf, 1, 2)))
qt_skip(const char *fmt, ...)
{
	va_list ap;

	printf("# SKIP: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	_exit(QT_EXIT_SKIP);
}

static inline void __attribute__((noreturn, format(printf, 3, 4)))
qt_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	_exit(QT_EXIT_FAIL);
}

#define QT_FAIL(...) qt_fail(__FILE__, __LINE__, __VA_ARGS__)

#define QT_ASSERT(cond) do {						\
	if (!(cond))							\
		QT_FAIL("assertion failed: %s (errno %d: %s)", #cond,	\
			errno, strerror(errno));			\
} while (0)

#define QT_ASSERT_CMP(a, op, b) do {					\
	long long _qa = (long long)(a), _qb = (long long)(b);		\
	if (!(_qa op _qb))						\
		QT_FAIL("%s %s %s: %lld vs %lld", #a, #op, #b, _qa, _qb); \
} while (0)

#define QT_ASSERT_EQ(a, b) QT_ASSERT_CMP(a, ==, b)
#define QT_ASSERT_NE(a, b) QT_ASSERT_CMP(a, !=, b)
#define QT_ASSERT_LT(a, b) QT_ASSERT_CMP(a, <, b)
#define QT_ASSERT_LE(a, b) QT_ASSERT_CMP(a, <=, b)
#define QT_ASSERT_GT(a, b) QT_ASSERT_CMP(a, >, b)
#define QT_ASSERT_GE(a, b) QT_ASSERT_CMP(a, >=, b)

/* A syscall-style call (returns -1 and sets errno) must fail with @err. */
#define QT_ASSERT_ERRNO(call, err) do {					\
	errno = 0;							\
	long _qr = (long)(call);					\
	if (_qr != -1 || errno != (err))				\
		QT_FAIL("%s: want -1/%s, got %ld/%s", #call,		\
			strerror(err), _qr, strerror(errno));		\
} while (0)

/* A call returning 0 or a negative errno must return -@err. */
#define QT_ASSERT_NEGERR(call, err) do {				\
	long _qr = (long)(call);					\
	if (_qr != -(long)(err))					\
		QT_FAIL("%s: want -%s, got %ld (%s)", #call,		\
			strerror(err), _qr,				\
			_qr < 0 ? strerror((int)-_qr) : "no error");	\
} while (0)

/* A syscall-style call must succeed. */
#define QT_ASSERT_OK(call) do {						\
	errno = 0;							\
	long _qr = (long)(call);					\
	if (_qr < 0)							\
		QT_FAIL("%s failed: %ld (errno %s)", #call, _qr,	\
			strerror(errno));				\
} while (0)

static inline int qt_run_one(int idx, const struct qt_case *c)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("not ok %d %s # fork: %s\n", idx, c->name,
		       strerror(errno));
		return 1;
	}
	if (pid == 0) {
		alarm(c->timeout);
		c->fn();
		fflush(stdout);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("ok %d %s\n", idx, c->name);
		return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == QT_EXIT_SKIP) {
		printf("ok %d %s # SKIP\n", idx, c->name);
		return 0;
	}
	if (WIFSIGNALED(status))
		printf("# %s: killed by signal %d%s\n", c->name,
		       WTERMSIG(status),
		       WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
	printf("not ok %d %s\n", idx, c->name);
	return 1;
}

/*
 * Set before qt_main() when nothing in the file can run on this machine
 * (a kernel without a feature the file tests): every test is reported
 * skipped with this reason.
 */
static const char *qt_skip_all_reason;

static inline int qt_main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	int i, n = 0, failed = 0, idx = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (only && !strcmp(only, "-l")) {
		for (i = 0; i < qt_ncases; i++)
			printf("%s\n", qt_cases[i].name);
		return 0;
	}
	for (i = 0; i < qt_ncases; i++)
		if (!only || !strcmp(only, qt_cases[i].name))
			n++;
	if (only && !n) {
		fprintf(stderr, "%s: no test named '%s'\n", argv[0], only);
		return 2;
	}
	printf("TAP version 13\n1..%d\n", n);
	for (i = 0; i < qt_ncases; i++) {
		if (only && strcmp(only, qt_cases[i].name))
			continue;
		if (qt_skip_all_reason)
			printf("ok %d %s # SKIP %s\n", ++idx, qt_cases[i].name,
			       qt_skip_all_reason);
		else
			failed += qt_run_one(++idx, &qt_cases[i]);
	}
	return failed ? 1 : 0;
}

/*
 * libqpu's errno convention (libqpu.h, "Errors"): a failing call returns
 * -E and sets errno to E; a succeeding one leaves errno alone.
 */

/* A value no libqpu call has a reason to set. */
#define ERRNO_SENTINEL	EILSEQ

/* @call must return -@err and leave errno == @err. */
#define FAILS_WITH(call, err) do {					\
	errno = 0;							\
	long _r = (long)(call);						\
	int _e = errno;							\
	if (_r != -(long)(err) || _e != (err))				\
		QT_FAIL("%s: want -%s and errno %s, got %ld and %s",	\
			#call, strerror(err), strerror(err), _r,	\
			strerror(_e));					\
} while (0)

/* @call must succeed (>= 0) and leave errno untouched. */
#define KEEPS_ERRNO(call) do {						\
	errno = ERRNO_SENTINEL;						\
	long _r = (long)(call);						\
	int _e = errno;							\
	if (_r < 0 || _e != ERRNO_SENTINEL)					\
		QT_FAIL("%s: want success with errno kept, got %ld and %s", \
			#call, _r, strerror(_e));			\
} while (0)

#endif /* QPU_TEST_H */
