// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_policy.c - load and attach qpu monitoring policies with libbpf
 * (qpu_policy.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/libbpf.h>

#include "qpu_policy.h"

static int policy_quiet;
/* libbpf's last messages, so a load failure can say what the verifier saw */
static __thread char policy_log[4096];
static __thread size_t policy_log_len;

static int policy_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	const char *tail;
	char *line;
	size_t n;

	/* QPU_POLICY_DEBUG=1 in the environment: libbpf's debug output too */
	if (level == LIBBPF_DEBUG) {
		if (getenv("QPU_POLICY_DEBUG"))
			vfprintf(stderr, fmt, ap);
		return 0;
	}
	/* One message may be the whole verifier log. */
	if (vasprintf(&line, fmt, ap) < 0)
		return 0;
	if (!policy_quiet)
		fputs(line, stderr);
	/* Keep the tail: the verifier's last lines say why it refused. */
	n = strlen(line);
	tail = line;
	if (n >= sizeof(policy_log)) {
		tail = line + n - (sizeof(policy_log) - 1);
		n = sizeof(policy_log) - 1;
	}
	if (policy_log_len + n >= sizeof(policy_log)) {
		size_t keep = sizeof(policy_log) - 1 - n;

		memmove(policy_log, policy_log + policy_log_len - keep, keep);
		policy_log_len = keep;
	}
	memcpy(policy_log + policy_log_len, tail, n);
	policy_log_len += n;
	policy_log[policy_log_len] = '\0';
	free(line);
	return 0;
}

/**
 * qpu_policy_quiet() - keep libbpf's warnings out of stderr (they still
 *	reach qpu_policy_error())
 * @quiet: non-zero to silence
 */
void qpu_policy_quiet(int quiet)
{
	policy_quiet = quiet;
}

static int policy_fail(struct qpu_policy *p, int err, const char *what)
{
	char msg[128];

	libbpf_strerror(err, msg, sizeof(msg));
	snprintf(p->error, sizeof(p->error), "%s: %s%s%s", what, msg,
		 policy_log_len ? "\n" : "", policy_log);
	return err < 0 ? err : -err;
}

/**
 * qpu_policy_open() - open a policy object (not yet loaded)
 * @p: out
 * @obj: the ELF object in memory (it must outlive @p)
 * @size: its size
 *
 * Return: 0, or a negative errno; -ENOENT if it has no struct_ops map.
 */
int qpu_policy_open(struct qpu_policy *p, const void *obj, size_t size)
{
	struct bpf_map *m;
	int err;

	memset(p, 0, sizeof(*p));
	libbpf_set_print(policy_print);
	policy_log_len = 0;
	policy_log[0] = '\0';
	p->obj = bpf_object__open_mem(obj, size, NULL);
	if (!p->obj) {
		err = -errno;
		return policy_fail(p, err, "open");
	}
	bpf_object__for_each_map(m, p->obj) {
		if (bpf_map__type(m) == BPF_MAP_TYPE_STRUCT_OPS) {
			p->ops_map = m;
			break;
		}
	}
	if (!p->ops_map) {
		snprintf(p->error, sizeof(p->error),
			 "object has no struct_ops map");
		bpf_object__close(p->obj);
		p->obj = NULL;
		return -ENOENT;
	}
	return 0;
}

/**
 * qpu_policy_ops() - the policy's struct qpu_bpf_ops, to set its flags,
 *	dev_id and name before qpu_policy_attach()
 * @p: opened, not loaded
 */
struct qpu_bpf_ops *qpu_policy_ops(struct qpu_policy *p)
{
	size_t size;

	return bpf_map__initial_value(p->ops_map, &size);
}

/*
 * The live memory of a loaded global data map: libbpf 1.4 maps it only
 * for skeletons, so map it here (once; unmapped by qpu_policy_close()).
 */
static void *policy_mmap(struct qpu_policy *p, struct bpf_map *m, size_t *size)
{
	size_t len = bpf_map__value_size(m);
	unsigned int i;
	void *mem;

	for (i = 0; i < p->nr_maps; i++)
		if (p->maps[i].map == m) {
			*size = len;
			return p->maps[i].mem;
		}
	if (p->nr_maps == QPU_POLICY_MAX_DATA)
		return NULL;
	len = (len + 4095) & ~(size_t)4095;
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		   bpf_map__fd(m), 0);
	if (mem == MAP_FAILED) {
		/* .rodata is frozen at load: read-only from then on */
		mem = mmap(NULL, len, PROT_READ, MAP_SHARED, bpf_map__fd(m), 0);
		if (mem == MAP_FAILED)
			return NULL;
	}
	p->maps[p->nr_maps].map = m;
	p->maps[p->nr_maps].mem = mem;
	p->maps[p->nr_maps].len = len;
	p->nr_maps++;
	*size = bpf_map__value_size(m);
	return mem;
}

/**
 * qpu_policy_data() - a global data section (".rodata", ".bss", ".data")
 * @p: opened (before load: the initial value, to set; after: the live
 *	kernel memory, mapped, read-only for .rodata)
 * @section: ".rodata", ".bss" or ".data"
 * @size: out: its size, or NULL
 *
 * Return: the section's memory, or NULL when the object has none.
 */
void *qpu_policy_data(struct qpu_policy *p, const char *section, size_t *size)
{
	struct bpf_map *m;
	size_t n, sl = strlen(section), nl;
	const char *name;

	bpf_object__for_each_map(m, p->obj) {
		name = bpf_map__name(m);
		nl = strlen(name);
		/* libbpf names them "<object prefix>.rodata" and so on */
		if (nl < sl || strcmp(name + nl - sl, section))
			continue;
		if (bpf_map__fd(m) >= 0)
			return policy_mmap(p, m, size ? size : &n);
		return bpf_map__initial_value(m, size ? size : &n);
	}
	return NULL;
}

/** qpu_policy_map() - one of the policy's maps, by name, or NULL */
struct bpf_map *qpu_policy_map(struct qpu_policy *p, const char *name)
{
	return bpf_object__find_map_by_name(p->obj, name);
}

/** qpu_policy_load() - load the opened object into the kernel */
int qpu_policy_load(struct qpu_policy *p)
{
	int err = bpf_object__load(p->obj);

	return err ? policy_fail(p, err, "load") : 0;
}

/**
 * qpu_policy_attach() - load (if not yet loaded) and attach the policy
 * @p: opened
 *
 * Return: 0; -EBUSY when a policy already applies; -EPERM without
 * CAP_SYS_ADMIN (or without the capabilities bpf() needs); another
 * negative errno from libbpf or the kernel.
 */
int qpu_policy_attach(struct qpu_policy *p)
{
	int err;

	if (bpf_map__fd(p->ops_map) < 0) {
		err = qpu_policy_load(p);
		if (err)
			return err;
	}
	p->link = bpf_map__attach_struct_ops(p->ops_map);
	if (!p->link) {
		err = -errno;
		return policy_fail(p, err, "attach");
	}
	return 0;
}

/** qpu_policy_detach() - destroy the link: the policy stops applying */
int qpu_policy_detach(struct qpu_policy *p)
{
	int err = 0;

	if (p->link)
		err = bpf_link__destroy(p->link);
	p->link = NULL;
	return err;
}

/** qpu_policy_close() - detach and free everything */
void qpu_policy_close(struct qpu_policy *p)
{
	unsigned int i;

	qpu_policy_detach(p);
	for (i = 0; i < p->nr_maps; i++)
		munmap(p->maps[i].mem, p->maps[i].len);
	p->nr_maps = 0;
	bpf_object__close(p->obj);
	p->obj = NULL;
	p->ops_map = NULL;
}

/** qpu_policy_error() - what the last failure was */
const char *qpu_policy_error(const struct qpu_policy *p)
{
	return p->error;
}
