// SPDX-License-Identifier: GPL-2.0
/*
 * qpu_drv.c - module entry, the qpu class, and creation and removal of
 * /dev/qpuN devices (at load, and at runtime through the class attributes
 * new_device and del_device, as netdevsim does).
 *
 * qpu_devices[] maps ids to live devices and is protected by
 * qpu_devices_lock, which also serialises creation and removal and
 * protects qpu_unloading.
 *
 * Removal makes everything that can start work on a device unreachable,
 * or refuse with -ENODEV, before the work is stopped (see
 * qpu_device_remove_locked()). Module unload does the same one level up:
 * qpu_unloading, set before the devices are removed, makes a new_device
 * store that races with rmmod fail with -ENODEV instead of adding a
 * device after they were all removed; class_unregister() then drains the
 * class attributes' calls before the module's code goes away.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "qpu_backend.h"
#include "qpu_bpf.h"
#include "qpu_audit.h"
#include "qpu_calib.h"
#include "qpu_debugfs.h"
#include "qpu_device.h"
#include "qpu_fops.h"
#include "qpu_job.h"
#include "qpu_netlink.h"
#include "qpu_noise.h"
#include "qpu_sched.h"
#include "qpu_sysfs.h"

static unsigned int nr_devices = 1;
module_param(nr_devices, uint, 0444);
MODULE_PARM_DESC(nr_devices, "Devices created at load, /dev/qpu0.. (default 1)");

static char *topology = "heavyhex:27";
module_param(topology, charp, 0444);
MODULE_PARM_DESC(topology, "Topology of devices created at load (default heavyhex:27)");

static DEFINE_MUTEX(qpu_devices_lock);
static struct qpu_device *qpu_devices[QPU_MAX_DEVICES];
static bool qpu_unloading;
static dev_t qpu_devt;

static char *qpu_devnode(const struct device *dev, umode_t *mode)
{
	/* Any user may use a QPU; tenants and quotas bound what they get. */
	if (mode)
		*mode = 0666;
	return NULL;
}

static const struct attribute_group *qpu_class_groups[];

static const struct class qpu_class = {
	.name = "qpu",
	.class_groups = qpu_class_groups,
	.devnode = qpu_devnode,
};

static void qpu_device_release(struct device *dev)
{
	struct qpu_device *qdev = to_qpu_device(dev);

	qpu_calib_fini(qdev);
	qpu_noise_fini(qdev);
	qpu_tenants_destroy(&qdev->tenants);
	kfree(qdev->qubit_tenant);
	qc_alloc_destroy(qdev->alloc);
	qc_topology_destroy(qdev->topo);
	kfree(qdev);
	qpu_obj_dec(QPU_OBJ_DEVICES);
}

/**
 * qpu_device_create() - create /dev/qpu@id with topology @spec
 * @id: device id, < QPU_MAX_DEVICES
 * @spec: topology spec, see qc_topology_create()
 *
 * Return: 0, -EINVAL (bad id or spec), -E2BIG (spec too large),
 * -EEXIST (id in use), -ENODEV (the module is being unloaded), -ENOMEM,
 * or a device-core error.
 */
static int qpu_device_create(u32 id, const char *spec)
{
	struct qpu_device *qdev;
	int ret;

	if (id >= QPU_MAX_DEVICES)
		return -EINVAL;

	qdev = kzalloc(sizeof(*qdev), GFP_KERNEL);
	if (!qdev)
		return -ENOMEM;
	qdev->id = id;
	init_rwsem(&qdev->lifecycle);
	mutex_init(&qdev->alloc_lock);
	qpu_tenants_init(&qdev->tenants);
	qpu_audit_init(&qdev->audit);

	ret = qc_topology_create(spec, QPU_MAX_QUBITS, QPU_MAX_EDGES, &qdev->topo);
	if (ret)
		goto err_free;
	qdev->alloc = qc_alloc_create(qdev->topo);
	qdev->qubit_tenant = kcalloc(qdev->topo->num_qubits,
				     sizeof(*qdev->qubit_tenant), GFP_KERNEL);
	if (!qdev->alloc || !qdev->qubit_tenant) {
		ret = -ENOMEM;
		goto err_alloc;
	}
	qdev->max_ctx_qubits = qdev->topo->num_qubits;
	qdev->max_sim_qubits = QPU_DEFAULT_SIM_QUBITS;
	qdev->max_gates = QPU_DEFAULT_MAX_GATES;
	ret = qpu_noise_init(qdev);
	if (ret)
		goto err_alloc;
	ret = qpu_calib_init(qdev);
	if (ret)
		goto err_alloc;
	qdev->backend = &qpu_backend_sim;
	ret = qpu_sched_init(&qdev->sched, id, &qpu_job_sched_ops);
	if (ret)
		goto err_sched;

	mutex_lock(&qpu_devices_lock);
	if (qpu_unloading) {
		ret = -ENODEV;
		goto err_unlock;
	}
	if (qpu_devices[id]) {
		ret = -EEXIST;
		goto err_unlock;
	}

	/* From here on the device's release callback frees everything. */
	qpu_obj_inc(QPU_OBJ_DEVICES);
	device_initialize(&qdev->dev);
	qdev->dev.class = &qpu_class;
	qdev->dev.devt = MKDEV(MAJOR(qpu_devt), id);
	qdev->dev.groups = qpu_device_groups;
	qdev->dev.release = qpu_device_release;
	ret = dev_set_name(&qdev->dev, "qpu%u", id);
	if (ret)
		goto err_put;

	cdev_init(&qdev->cdev, &qpu_fops);
	qdev->cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&qdev->cdev, &qdev->dev);
	if (ret)
		goto err_put;

	qpu_devices[id] = qdev;
	mutex_unlock(&qpu_devices_lock);
	dev_info(&qdev->dev, "%u qubits, topology %s\n", qdev->topo->num_qubits,
		 qdev->topo->name);
	return 0;

err_put:
	mutex_unlock(&qpu_devices_lock);
	qpu_sched_shutdown(&qdev->sched);
	put_device(&qdev->dev);
	return ret;
err_unlock:
	mutex_unlock(&qpu_devices_lock);
err_sched:
	qpu_sched_shutdown(&qdev->sched);
	qpu_calib_fini(qdev);
err_alloc:
	qpu_noise_fini(qdev);
	kfree(qdev->qubit_tenant);
	qc_alloc_destroy(qdev->alloc);
	qc_topology_destroy(qdev->topo);
err_free:
	kfree(qdev);
	return ret;
}

/**
 * qpu_device_get() - find a live device by id, for callers that do not
 *	hold an open file (the netlink family)
 * @id: N of /dev/qpuN
 *
 * Return: the device, referenced (qpu_device_put()), or NULL if there is
 * none or it is being removed. The reference keeps the struct alive, not
 * the device: callers take ->lifecycle for reading and check ->dead, as
 * file operations do.
 */
struct qpu_device *qpu_device_get(u32 id)
{
	struct qpu_device *qdev = NULL;

	if (id >= QPU_MAX_DEVICES)
		return NULL;
	mutex_lock(&qpu_devices_lock);
	if (qpu_devices[id]) {
		qdev = qpu_devices[id];
		get_device(&qdev->dev);
	}
	mutex_unlock(&qpu_devices_lock);
	return qdev;
}

/** qpu_device_put() - drop a reference from qpu_device_get() */
void qpu_device_put(struct qpu_device *qdev)
{
	put_device(&qdev->dev);
}

/*
 * Remove @qdev. The order matters: everything that can start work on the
 * device is made unreachable (or made to fail with -ENODEV) before the
 * work is stopped, and every step only waits for things the steps before
 * it have bounded.
 */
static void qpu_device_remove_locked(struct qpu_device *qdev)
{
	lockdep_assert_held(&qpu_devices_lock);
	qpu_devices[qdev->id] = NULL;

	/*
	 * Start nothing new and abort what runs: executors take no more jobs,
	 * synchronous runs and "workers" stores fail with -ENODEV, running
	 * jobs and runs stop at their next checkpoint. Everything below then
	 * waits at most one checkpoint interval.
	 */
	qpu_sched_stop(&qdev->sched);

	/*
	 * Unreachable: no new open, and the sysfs attributes are removed,
	 * which waits for the stores in progress (a "workers" store that
	 * started threads before qpu_sched_stop() has finished; the threads
	 * are stopped below).
	 */
	cdev_device_del(&qdev->cdev, &qdev->dev);

	/* No "drift" store can arm it again: stop calibration drift. */
	qpu_calib_stop(qdev);

	/*
	 * Wait for file operations in progress, then fail all later ones.
	 * Open files keep the qpu_device alive (get_device() at open) and
	 * release their allocations into its allocator when they close.
	 */
	down_write(&qdev->lifecycle);
	qdev->dead = true;
	up_write(&qdev->lifecycle);

	/* Queued jobs complete with -ENODEV, waking waiters; executors stop. */
	qpu_sched_shutdown(&qdev->sched);

	dev_info(&qdev->dev, "removed\n");
	put_device(&qdev->dev);
}

/**
 * qpu_device_remove() - remove /dev/qpu@id
 * @id: device id
 *
 * Safe while files are open: their later calls fail with -ENODEV.
 * Return: 0 or -ENOENT.
 */
static int qpu_device_remove(u32 id)
{
	struct qpu_device *qdev;

	if (id >= QPU_MAX_DEVICES)
		return -ENOENT;
	mutex_lock(&qpu_devices_lock);
	qdev = qpu_devices[id];
	if (qdev)
		qpu_device_remove_locked(qdev);
	mutex_unlock(&qpu_devices_lock);
	return qdev ? 0 : -ENOENT;
}

/* "ID SPEC", e.g. "3 grid:4x5" */
static ssize_t new_device_store(const struct class *class,
				const struct class_attribute *attr,
				const char *buf, size_t count)
{
	char text[64], *p, *idw, *spec;
	u32 id;
	int ret;

	if (strscpy(text, buf, sizeof(text)) < 0)
		return -EINVAL;
	p = strim(text);
	idw = strsep(&p, " \t");
	spec = p ? skip_spaces(p) : NULL;
	if (!spec || !*spec || strpbrk(spec, " \t") ||
	    strlen(spec) >= QPU_TOPOLOGY_NAME_LEN)
		return -EINVAL;
	/* kstrtou32 refuses overflow: a huge id must not wrap to a small one. */
	if (kstrtou32(idw, 10, &id))
		return -EINVAL;
	ret = qpu_device_create(id, spec);
	return ret ? ret : count;
}
static CLASS_ATTR_WO(new_device);

/* "ID" */
static ssize_t del_device_store(const struct class *class,
				const struct class_attribute *attr,
				const char *buf, size_t count)
{
	unsigned int id;
	int ret;

	ret = kstrtouint(buf, 10, &id);
	if (ret)
		return ret;
	ret = qpu_device_remove(id);
	return ret ? ret : count;
}
static CLASS_ATTR_WO(del_device);

static struct attribute *qpu_class_attrs[] = {
	&class_attr_new_device.attr,
	&class_attr_del_device.attr,
	NULL,
};
ATTRIBUTE_GROUPS(qpu_class);

/* Module unload (or a failed load): refuse new devices, remove all. */
static void qpu_remove_all(void)
{
	u32 id;

	mutex_lock(&qpu_devices_lock);
	qpu_unloading = true;
	for (id = 0; id < QPU_MAX_DEVICES; id++)
		if (qpu_devices[id])
			qpu_device_remove_locked(qpu_devices[id]);
	mutex_unlock(&qpu_devices_lock);
}

static int __init qpu_init(void)
{
	unsigned int i;
	int ret;

	if (nr_devices > QPU_MAX_DEVICES) {
		pr_err("nr_devices=%u exceeds %u\n", nr_devices, QPU_MAX_DEVICES);
		return -EINVAL;
	}

	ret = alloc_chrdev_region(&qpu_devt, 0, QPU_MAX_DEVICES, "qpu");
	if (ret)
		return ret;
	ret = class_register(&qpu_class);
	if (ret)
		goto err_region;
	qpu_debugfs_init();

	for (i = 0; i < nr_devices; i++) {
		ret = qpu_device_create(i, topology);
		if (ret) {
			pr_err("cannot create qpu%u with topology '%s': %d\n",
			       i, topology, ret);
			goto err_devices;
		}
	}

	/*
	 * Without BPF struct_ops (no BTF for the module, say) the driver
	 * works, unmonitored; QPU_FEAT_POLICY tells userspace.
	 */
	ret = qpu_bpf_init();
	if (ret)
		pr_warn("monitoring hook unavailable: %d\n", ret);

	/* Last: its handlers find devices by id, so they need nothing else. */
	ret = qpu_netlink_init();
	if (ret) {
		pr_err("cannot register the generic netlink family: %d\n", ret);
		goto err_devices;
	}
	return 0;

err_devices:
	qpu_remove_all();
	qpu_debugfs_fini();
	class_unregister(&qpu_class);
err_region:
	unregister_chrdev_region(qpu_devt, QPU_MAX_DEVICES);
	return ret;
}

static void __exit qpu_exit(void)
{
	/*
	 * Devices first: their removal drains sysfs writers (a calibration
	 * or tunable change sends an audit record) and makes netlink
	 * handlers fail with -ENODEV; then the family goes, waiting for the
	 * handlers still dropping their device references.
	 */
	qpu_remove_all();
	qpu_netlink_exit();
	class_unregister(&qpu_class);
	unregister_chrdev_region(qpu_devt, QPU_MAX_DEVICES);
	qpu_obj_check_leaks();
	qpu_debugfs_fini();
}

module_init(qpu_init);
module_exit(qpu_exit);

MODULE_DESCRIPTION("Simulated quantum processing units (/dev/qpuN)");
MODULE_LICENSE("GPL");
