/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qpu_policy.h - load and attach a qpu monitoring policy (a BPF object
 * with one "qpu_bpf_ops" struct_ops map in ".struct_ops.link") with
 * libbpf, from an object embedded in the program (tools/bpf/embed.S).
 * Used by qpu-monitor, qpu-bench --monitor, qpu-fuzz and the VM tests.
 *
 * Plain libbpf API (bpf_object__open_mem(), bpf_map__attach_struct_ops()):
 * skeletons from bpftool 7.5 need libbpf 1.5, Debian 12 has 1.4.6.
 *
 *	struct qpu_policy p;
 *	qpu_policy_open(&p, obj, size);		// opened, not loaded
 *	... set globals through qpu_policy_data(&p, ".rodata"), or the ops'
 *	    flags, dev_id and name through qpu_policy_ops(&p) ...
 *	qpu_policy_attach(&p);			// loaded and attached
 *	qpu_policy_close(&p);			// detached and freed
 *
 * Functions return 0 or a negative errno; qpu_policy_error() describes
 * the last failure (with the verifier's log tail when loading failed).
 */
#ifndef QPU_POLICY_H
#define QPU_POLICY_H

#include <stddef.h>
#include <linux/qpu_bpf.h>

struct bpf_link;
struct bpf_map;
struct bpf_object;

#define QPU_POLICY_MAX_DATA	4

struct qpu_policy {
	struct bpf_object *obj;
	struct bpf_map *ops_map;
	struct bpf_link *link;
	struct {
		struct bpf_map *map;
		void *mem;
		size_t len;
	} maps[QPU_POLICY_MAX_DATA];	/* live global data (qpu_policy_data) */
	unsigned int nr_maps;
	char error[4352];	/* what, libbpf's message, its log tail */
};

int qpu_policy_open(struct qpu_policy *p, const void *obj, size_t size);
struct qpu_bpf_ops *qpu_policy_ops(struct qpu_policy *p);
void *qpu_policy_data(struct qpu_policy *p, const char *section, size_t *size);
struct bpf_map *qpu_policy_map(struct qpu_policy *p, const char *name);
int qpu_policy_load(struct qpu_policy *p);
int qpu_policy_attach(struct qpu_policy *p);
int qpu_policy_detach(struct qpu_policy *p);
void qpu_policy_close(struct qpu_policy *p);
const char *qpu_policy_error(const struct qpu_policy *p);
void qpu_policy_quiet(int quiet);

#endif /* QPU_POLICY_H */
