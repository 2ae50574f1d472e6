// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * device.c - libqpu device handles: open, info, topology, and qubit
 * allocation over the ioctls of <linux/qpu.h>.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

/*
 * The failure is the return value; errno is restored either way, so an
 * EINTR retry or a failure the caller recovers from does not leak into the
 * errno of a call that succeeds.
 */
int qpu_ioctl(struct qpu_dev *dev, unsigned long cmd, void *arg)
{
	int saved_errno = errno;
	int ret;

	do {
		ret = ioctl(dev->fd, cmd, arg);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		ret = -errno;
	errno = saved_errno;
	return ret;
}

QPU_EXPORT int qpu_open(const char *path, struct qpu_dev **out)
{
	struct qpu_info info;
	struct qpu_dev *dev;
	int ret;

	if (!path)
		path = getenv("QPU_DEVICE");
	if (!path)
		path = "/dev/qpu0";

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return qpu_err(-ENOMEM);
	dev->path = strdup(path);
	if (!dev->path) {
		free(dev);
		return qpu_err(-ENOMEM);
	}
	dev->fd = open(path, O_RDWR | O_CLOEXEC);
	if (dev->fd < 0) {
		ret = -errno;
		goto err;
	}
	/*
	 * Refuse anything that is not a qpu device, or a driver older than
	 * the header this library was built against. A newer driver is fine:
	 * the uAPI only grows.
	 */
	memset(&info, 0, sizeof(info));
	ret = qpu_ioctl(dev, QPU_IOC_GET_INFO, &info);
	if (ret == -ENOTTY || (!ret && info.api_version < QPU_API_VERSION))
		ret = -ENODEV;
	if (ret)
		goto err;
	*out = dev;
	return 0;
err:
	if (dev->fd >= 0)
		close(dev->fd);
	free(dev->path);
	free(dev);
	return qpu_err(ret);
}

QPU_EXPORT void qpu_close(struct qpu_dev *dev)
{
	int saved_errno = errno;

	if (!dev)
		return;
	close(dev->fd);
	free(dev->path);
	free(dev);
	errno = saved_errno;
}

QPU_EXPORT int qpu_fd(const struct qpu_dev *dev)
{
	return dev->fd;
}

QPU_EXPORT const char *qpu_path(const struct qpu_dev *dev)
{
	return dev->path;
}

QPU_EXPORT int qpu_get_info(struct qpu_dev *dev, struct qpu_info *info)
{
	int ret;

	memset(info, 0, sizeof(*info));
	ret = qpu_ioctl(dev, QPU_IOC_GET_INFO, info);
	if (ret)
		return qpu_set_error(dev, ret, "%s: device info: %s", dev->path,
				     qpu_strerror(ret));
	return 0;
}

QPU_EXPORT int qpu_get_topology(struct qpu_dev *dev, struct qpu_edge **edges,
				uint32_t *num_edges)
{
	struct qpu_topology t;
	struct qpu_edge *e = NULL;
	int ret;

	/* The count first, then the edges; retry if it changed meanwhile. */
	memset(&t, 0, sizeof(t));
	ret = qpu_ioctl(dev, QPU_IOC_GET_TOPOLOGY, &t);
	if (ret)
		goto fail;
	e = calloc(t.num_edges ? t.num_edges : 1, sizeof(*e));
	if (!e)
		return qpu_set_error(dev, -ENOMEM, "out of memory");
	t.edges_ptr = (uintptr_t)e;
	ret = qpu_ioctl(dev, QPU_IOC_GET_TOPOLOGY, &t);
	if (ret)
		goto fail;
	*edges = e;
	*num_edges = t.num_edges;
	return 0;
fail:
	free(e);
	return qpu_set_error(dev, ret, "%s: coupling map: %s", dev->path,
			     qpu_strerror(ret));
}

static int qpu_explain_alloc(struct qpu_dev *dev, int err, uint32_t k,
			     const uint32_t *exact, const struct qpu_refusal *r)
{
	struct qpu_info info;
	char what[64];

	snprintf(what, sizeof(what), "allocating %u qubits", k);
	/* an exact request's -EBUSY is about the qubits, never a limit */
	if (!(exact && err == -EBUSY) && qpu_explain_refusal(dev, err, r, what))
		return qpu_err(err);
	memset(&info, 0, sizeof(info));
	qpu_ioctl(dev, QPU_IOC_GET_INFO, &info);
	switch (-err) {
	case EINVAL:
		if (exact)
			return qpu_set_error(dev, err,
					     "cannot allocate those %u qubits: one is "
					     "outside %s (%u qubits) or named twice",
					     k, dev->path, info.num_qubits);
		return qpu_set_error(dev, err, "cannot allocate %u qubits", k);
	case EBUSY:
		return qpu_set_error(dev, err,
				     "those %u qubits are not all free on %s: one is "
				     "held, or next to a tenant isolation keeps apart",
				     k, dev->path);
	case E2BIG:
		return qpu_set_error(dev, err,
				     "%u qubits requested but %s has only %u",
				     k, dev->path, info.num_qubits);
	case EDQUOT:
		return qpu_set_error(dev, err,
				     "%u more qubits would exceed this context's limit of %u",
				     k, info.max_ctx_qubits);
	case ENOSPC:
		return qpu_set_error(dev, err,
				     "no connected region of %u free qubits on %s (%u free)",
				     k, dev->path, info.free_qubits);
	default:
		return qpu_set_error(dev, err, "allocating %u qubits: %s", k,
				     qpu_strerror(err));
	}
}

/*
 * Allocate @k qubits, where the driver chooses (@exact NULL; with the
 * placement hint @hint[0..nhint) if any) or exactly @exact[0..k)
 * (%QPU_ALLOC_EXACT), and describe the set in *@out.
 */
static int qpu_alloc_set(struct qpu_dev *dev, uint32_t k, const uint32_t *exact,
			 const struct qpu_edge *hint, uint32_t nhint,
			 struct qpu_qubits **out)
{
	struct qpu_qubits *q;
	struct qpu_alloc a;
	struct qpu_free f;
	int ret;

	q = calloc(1, sizeof(*q));
	if (!q)
		return qpu_set_error(dev, -ENOMEM, "out of memory");
	memset(&a, 0, sizeof(a));
	a.num_qubits = k;
	if (exact) {
		a.flags = QPU_ALLOC_EXACT;
		a.phys_ptr = (uintptr_t)exact;
	}
	a.hint_ptr = (uintptr_t)hint;
	a.num_hint = nhint;
	ret = qpu_ioctl(dev, QPU_IOC_ALLOC, &a);
	if (ret) {
		free(q);
		if (nhint && ret == -E2BIG && nhint > QPU_ALLOC_MAX_HINT)
			return qpu_set_error(dev, ret, "a hint of %u pairs: at most %u",
					     nhint, QPU_ALLOC_MAX_HINT);
		if (nhint && ret == -EINVAL && k)
			return qpu_set_error(dev, ret, "a hint pair names one qubit "
					     "twice or one outside 0..%u", k - 1);
		return qpu_explain_alloc(dev, ret, k, exact, &a.refusal);
	}
	q->handle = a.handle;
	q->num_qubits = k;
	q->num_edges = a.num_edges;
	q->phys = calloc(k, sizeof(*q->phys));
	q->edges = calloc(a.num_edges ? a.num_edges : 1, sizeof(*q->edges));
	if (!q->phys || !q->edges) {
		ret = qpu_set_error(dev, -ENOMEM, "out of memory");
		goto err_free;
	}
	/* Map and edges in a second call, now that their sizes are known. */
	memset(&a, 0, sizeof(a));
	a.handle = q->handle;
	a.num_edges = q->num_edges;
	a.phys_ptr = (uintptr_t)q->phys;
	a.edges_ptr = (uintptr_t)q->edges;
	ret = qpu_ioctl(dev, QPU_IOC_ALLOC_QUERY, &a);
	if (ret) {
		qpu_set_error(dev, ret, "describing allocation: %s",
			      qpu_strerror(ret));
		goto err_free;
	}
	*out = q;
	return 0;
err_free:
	memset(&f, 0, sizeof(f));
	f.handle = q->handle;
	qpu_ioctl(dev, QPU_IOC_FREE, &f);
	free(q->phys);
	free(q->edges);
	free(q);
	return qpu_err(ret);
}

QPU_EXPORT int qpu_alloc_qubits(struct qpu_dev *dev, uint32_t k,
				struct qpu_qubits **out)
{
	return qpu_alloc_set(dev, k, NULL, NULL, 0, out);
}

QPU_EXPORT int qpu_alloc_qubits_hint(struct qpu_dev *dev, uint32_t k,
				     const struct qpu_edge *pairs,
				     uint32_t npairs, struct qpu_qubits **out)
{
	if (npairs && !pairs)
		return qpu_set_error(dev, -EINVAL, "no interaction pairs given");
	return qpu_alloc_set(dev, k, NULL, npairs ? pairs : NULL, npairs, out);
}

QPU_EXPORT int qpu_alloc_qubits_exact(struct qpu_dev *dev, const uint32_t *phys,
				      uint32_t k, struct qpu_qubits **out)
{
	if (!phys)
		return qpu_set_error(dev, -EINVAL, "no qubits named");
	return qpu_alloc_set(dev, k, phys, NULL, 0, out);
}

QPU_EXPORT int qpu_free_qubits(struct qpu_dev *dev, struct qpu_qubits *q)
{
	struct qpu_free f;
	int ret;

	if (!q)
		return 0;
	memset(&f, 0, sizeof(f));
	f.handle = q->handle;
	ret = qpu_ioctl(dev, QPU_IOC_FREE, &f);
	free(q->phys);
	free(q->edges);
	free(q);
	if (ret)
		return qpu_set_error(dev, ret, "freeing qubits: %s",
				     qpu_strerror(ret));
	return 0;
}

QPU_EXPORT const char *qpu_topology_kind_name(uint32_t kind)
{
	switch (kind) {
	case QPU_TOPO_LINE:
		return "line";
	case QPU_TOPO_RING:
		return "ring";
	case QPU_TOPO_GRID:
		return "grid";
	case QPU_TOPO_HEAVYHEX:
		return "heavyhex";
	case QPU_TOPO_FULL:
		return "full";
	default:
		return "unknown";
	}
}
