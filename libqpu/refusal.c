// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * refusal.c - libqpu's account of refused charges (uapi/linux/qpu.h,
 * "Tenants and refused charges"): which limit, at which cgroup level,
 * said no. The kernel names the refusing cgroup by id and depth; this
 * file turns that into the path a user knows:
 *
 *  1. the first @level components of our own cgroup (/proc/self/cgroup,
 *     "0::/a/b/c"), checked against the id (the inode number of the
 *     directory on the cgroup2 mount) - the charge walked up from the
 *     caller's cgroup, so this is right unless the task migrated or a
 *     cgroup namespace hides the real root;
 *  2. else a walk of the cgroup2 mount for a directory with that inode
 *     (bounded depth, one mount, no symlinks; openat(), no global state,
 *     so it is thread-safe, unlike nftw());
 *  3. else "cgroup ID".
 *
 * No libnl, no netlink: the library reads only /proc and the mount.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define QPU_CG_WALK_DEPTH	32

/* mountinfo's octal escapes (\040 for a space) in place. */
static void unescape_octal(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
				      (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

QPU_EXPORT int qpu_cgroup2_mount(const char *mountinfo, char *buf,
				 size_t len)
{
	char *line = NULL, *sep, *f[5], *save, *type;
	size_t cap = 0;
	FILE *fp = fopen(mountinfo ? mountinfo : "/proc/self/mountinfo", "re");
	int ret = -ENOENT, i;

	if (!fp)
		return qpu_err(-errno);
	while (ret == -ENOENT && getline(&line, &cap, fp) > 0) {
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		type = strtok_r(sep + 3, " \n", &save);
		if (!type || strcmp(type, "cgroup2"))
			continue;
		*sep = '\0';
		f[0] = strtok_r(line, " ", &save);
		for (i = 1; i < 5 && f[i - 1]; i++)
			f[i] = strtok_r(NULL, " ", &save);
		if (i < 5 || !f[4])
			continue;
		unescape_octal(f[4]);
		if (strlen(f[4]) >= len)
			ret = -ENAMETOOLONG;
		else
			ret = (strcpy(buf, f[4]), 0);
	}
	free(line);
	fclose(fp);
	return qpu_err(ret);
}

/* The cgroup2 path of @proc_cgroup's "0::" line into @buf. */
static int own_cgroup(const char *proc_cgroup, char *buf, size_t len)
{
	char line[4096], *nl;
	FILE *fp = fopen(proc_cgroup, "re");
	int ret = -ENOENT;

	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp)) {
		if (strncmp(line, "0::", 3))
			continue;
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strlen(line + 3) < len) {
			strcpy(buf, line + 3);
			ret = 0;
		}
		break;
	}
	fclose(fp);
	return ret;
}

/*
 * Depth-first search below the directory @dfd (at @path, length @plen,
 * room @cap) for a directory with inode @id on device @dev.
 */
static int walk_for(int dfd, char *path, size_t plen, size_t cap, dev_t dev,
		    uint64_t id, int depth)
{
	struct dirent *de;
	struct stat st;
	size_t nlen;
	DIR *d;
	int found = 0, sub;

	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	while (!found && (de = readdir(d))) {
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(st.st_mode) || st.st_dev != dev)
			continue;
		nlen = strlen(de->d_name);
		if (plen + 1 + nlen + 1 > cap)
			continue;
		path[plen] = '/';
		memcpy(path + plen + 1, de->d_name, nlen + 1);
		if (st.st_ino == id) {
			found = 1;
			break;
		}
		if (depth >= QPU_CG_WALK_DEPTH)
			continue;
		sub = openat(dirfd(d), de->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			found = walk_for(sub, path, plen + 1 + nlen, cap, dev,
					 id, depth + 1);
	}
	if (!found)
		path[plen] = '\0';
	closedir(d);
	return found;
}

int qpu_cgroup_name(const char *proc_cgroup, const char *mount_root,
		    uint64_t id, uint32_t level, char *buf, size_t len)
{
	char root[4096], own[4096], path[8192];
	struct stat st;
	uint32_t n = 0;
	size_t i;
	int dfd, saved_errno = errno;

	if (!mount_root) {
		if (qpu_cgroup2_mount("/proc/self/mountinfo", root,
				      sizeof(root)))
			goto unknown;
		mount_root = root;
	}
	/* 1. Our own cgroup cut to @level components ("/a/b/c", 1: "/a"). */
	if (!own_cgroup(proc_cgroup, own, sizeof(own))) {
		for (i = 0; own[i]; i++) {
			if (own[i] != '/')
				continue;
			if (n == level)
				break;
			n++;
		}
		own[i] = '\0';
		if (n == level &&
		    (size_t)snprintf(path, sizeof(path), "%s%s", mount_root,
				     own) < sizeof(path) &&
		    !stat(path, &st) && st.st_ino == id) {
			snprintf(buf, len, "%s", own[0] ? own : "/");
			errno = saved_errno;
			return 0;
		}
	}
	/* 2. A walk of the mount. */
	if (stat(mount_root, &st) == 0) {
		if (st.st_ino == id) {
			snprintf(buf, len, "/");
			errno = saved_errno;
			return 0;
		}
		dfd = open(mount_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		path[0] = '\0';
		if (dfd >= 0 && walk_for(dfd, path, 0, sizeof(path), st.st_dev,
					 id, 1)) {
			snprintf(buf, len, "%s", path);
			errno = saved_errno;
			return 0;
		}
	}
unknown:
	/* 3. The id. */
	snprintf(buf, len, "cgroup %llu", (unsigned long long)id);
	errno = saved_errno;
	return -ENOENT;
}

/* "5 s", "1.500 s", "200 ms", "999 ns". */
static void fmt_ns(uint64_t ns, char *buf, size_t len)
{
	static const struct { const char *name; uint64_t mult; } u[] = {
		{ "s", 1000000000 }, { "ms", 1000000 }, { "us", 1000 },
	};
	size_t i;

	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		if (ns < u[i].mult)
			continue;
		if (ns % u[i].mult == 0)
			snprintf(buf, len, "%llu %s",
				 (unsigned long long)(ns / u[i].mult), u[i].name);
		else
			snprintf(buf, len, "%llu.%03llu %s",
				 (unsigned long long)(ns / u[i].mult),
				 (unsigned long long)(ns % u[i].mult /
						      (u[i].mult / 1000)),
				 u[i].name);
		return;
	}
	snprintf(buf, len, "%llu ns", (unsigned long long)ns);
}

static void fmt_num(uint64_t v, char *buf, size_t len)
{
	if (v == QPU_UNLIMITED)
		snprintf(buf, len, "max");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

int qpu_refusal_format_at(const struct qpu_refusal *r,
			  const char *proc_cgroup, const char *mount_root,
			  char *buf, size_t len)
{
	char cg[4096], u[32], m[32], q[32];

	if (!r)
		return qpu_err(-EINVAL);
	if (r->limit == QPU_LIMIT_QUBITS || r->limit == QPU_LIMIT_JOBS ||
	    r->limit == QPU_LIMIT_SHOTS || r->limit == QPU_LIMIT_QPU_TIME)
		qpu_cgroup_name(proc_cgroup, mount_root, r->cgroup_id,
				r->level, cg, sizeof(cg));
	if (r->limit == QPU_LIMIT_QPU_TIME) {
		fmt_ns(r->usage, u, sizeof(u));
		fmt_ns(r->max, m, sizeof(m));
		fmt_ns(r->request, q, sizeof(q));
	} else {
		fmt_num(r->usage, u, sizeof(u));
		fmt_num(r->max, m, sizeof(m));
		fmt_num(r->request, q, sizeof(q));
	}
	/* The request is named when the limit is not yet full. */

	switch (r->limit) {
	case QPU_LIMIT_NONE:
		return snprintf(buf, len, "no charge was refused");
	case QPU_LIMIT_CTX_QUBITS:
		if (r->usage >= r->max)
			return snprintf(buf, len, "max_ctx_qubits reached "
					"(%s of %s held by this file)", u, m);
		return snprintf(buf, len, "max_ctx_qubits reached (%s of %s "
				"held by this file, %s requested)", u, m, q);
	case QPU_LIMIT_CTX_JOBS:
		return snprintf(buf, len, "the file's job limit reached "
				"(%s of %s queued or running on this file)",
				u, m);
	case QPU_LIMIT_QUBITS:
		if (r->usage >= r->max)
			return snprintf(buf, len, "qubits.max of %s reached "
					"(%s of %s held)", cg, u, m);
		return snprintf(buf, len, "qubits.max of %s reached (%s of "
				"%s held, %s requested)", cg, u, m, q);
	case QPU_LIMIT_JOBS:
		return snprintf(buf, len, "jobs.max of %s reached (%s of %s "
				"queued or running)", cg, u, m);
	case QPU_LIMIT_SHOTS:
		return snprintf(buf, len, "shots.max of %s exhausted (%s of %s "
				"used this period, %s requested)", cg, u, m, q);
	case QPU_LIMIT_QPU_TIME:
		return snprintf(buf, len, "qpu_time.max of %s exhausted (%s of "
				"%s used this period, %s requested)", cg, u, m,
				q);
	case QPU_LIMIT_TENANTS:
		return snprintf(buf, len, "the device's tenant table is full "
				"(%s of %s cgroups have state)", u, m);
	case QPU_LIMIT_POLICY:
		return snprintf(buf, len, "denied by the device's monitoring "
				"policy (reason %s; cgroup %s)", q, cg);
	default:
		return snprintf(buf, len, "limit %u refused the charge (cgroup "
				"%llu, level %u: %s of %s, %s requested)",
				r->limit, (unsigned long long)r->cgroup_id,
				r->level, u, m, q);
	}
}

QPU_EXPORT int qpu_refusal_format(const struct qpu_refusal *r, char *buf,
				  size_t len)
{
	return qpu_refusal_format_at(r, "/proc/self/cgroup", NULL, buf, len);
}

QPU_EXPORT int qpu_get_refusal(struct qpu_dev *dev, struct qpu_refusal *r)
{
	struct qpu_get_refusal g;
	int ret;

	memset(&g, 0, sizeof(g));
	ret = qpu_ioctl(dev, QPU_IOC_GET_REFUSAL, &g);
	if (ret == -ENOTTY)
		return qpu_set_error(dev, ret, "%s: this qpu driver does not "
				     "report refused charges", dev->path);
	if (ret)
		return qpu_set_error(dev, ret, "%s: reading the latest refusal: "
				     "%s", dev->path, qpu_strerror(ret));
	*r = g.refusal;
	return 0;
}

int qpu_explain_refusal(struct qpu_dev *dev, int err,
			const struct qpu_refusal *r, const char *what)
{
	struct qpu_get_refusal g;
	char text[512];

	if (err != -EDQUOT && err != -EBUSY && err != -EUSERS)
		return 0;
	if (!r || r->limit == QPU_LIMIT_NONE) {
		/* Not in the struct: the file's latest, if it is a new one. */
		memset(&g, 0, sizeof(g));
		if (qpu_ioctl(dev, QPU_IOC_GET_REFUSAL, &g) ||
		    g.refusal.limit == QPU_LIMIT_NONE ||
		    g.refusal.seq == dev->refusal_seq ||
		    g.refusal.error != (uint32_t)-err)
			return 0;
		r = &g.refusal;
	}
	dev->refusal_seq = r->seq;
	qpu_refusal_format(r, text, sizeof(text));
	qpu_set_error(dev, err, "%s: %s", what, text);
	return 1;
}
