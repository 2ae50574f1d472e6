// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup.c - naming cgroups for the "qpu" family, which knows them only
 * by id (the inode number of the cgroup's directory on cgroup2): no path
 * string reaches the kernel.
 *
 *  - The cgroup2 hierarchy is the first cgroup2 mount of
 *    /proc/self/mountinfo (libqpu's qpu_cgroup2_mount()).
 *  - A CGROUP argument is a directory of that hierarchy (a path below
 *    the mount point, e.g. /sys/fs/cgroup/hospital, or a ./ or ../
 *    path) or a path relative to its root ("/hospital", "hospital"). Any
 *    other absolute path is looked up relative to the root first, then
 *    as a directory (of another cgroup2 mount). It must exist, be a
 *    directory and be on cgroup2 (statfs f_type), or it is refused.
 *  - Ids are mapped back to paths by walking the mount once (nftw) and
 *    caching (id, path) pairs; an id not found is shown as "cgroup:ID".
 *
 * The walk keeps its state in a static pointer (nftw has no user
 * argument); qpuctl is single-threaded.
 */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <libqpu.h>

#include "qpuctl.h"

static int cerr(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int cerr(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

int qpuctl_cg_init(struct qpuctl_cg *cg, const char *root, long magic)
{
	memset(cg, 0, sizeof(*cg));
	cg->magic = magic ? magic : CGROUP2_SUPER_MAGIC;
	if (root) {
		if (strlen(root) >= sizeof(cg->root))
			return -ENAMETOOLONG;
		strcpy(cg->root, root);
		return 0;
	}
	return qpu_cgroup2_mount(NULL, cg->root, sizeof(cg->root));
}

void qpuctl_cg_fini(struct qpuctl_cg *cg)
{
	size_t i;

	for (i = 0; i < cg->nents; i++)
		free(cg->ents[i].path);
	free(cg->ents);
	cg->ents = NULL;
	cg->nents = 0;
	cg->walked = false;
}

static bool on_cgroup2(const struct qpuctl_cg *cg, const char *path)
{
	struct statfs sfs;

	return !statfs(path, &sfs) && (long)sfs.f_type == cg->magic;
}

/* A path that names a cgroup: it exists, is a directory, on cgroup2. */
static int check_dir(const struct qpuctl_cg *cg, const char *arg,
		     const char *path, const struct stat *st, uint64_t *id,
		     char *err, size_t errlen)
{
	if (!on_cgroup2(cg, path))
		return cerr(err, errlen, -EINVAL,
			    "%s is not on a cgroup2 file system (cgroup2 is "
			    "mounted at %s)", arg, cg->root);
	if (!S_ISDIR(st->st_mode))
		return cerr(err, errlen, -ENOTDIR,
			    "%s is not a directory (a cgroup is a directory "
			    "of %s)", arg, cg->root);
	*id = st->st_ino;
	return 0;
}

/* Is @path the mount point or below it (textually)? */
static bool under_root(const struct qpuctl_cg *cg, const char *path)
{
	size_t len = strlen(cg->root);

	return len > 1 && !strncmp(path, cg->root, len) &&
	       (path[len] == '/' || !path[len]);
}

int qpuctl_cg_resolve(const struct qpuctl_cg *cg, const char *arg,
		      uint64_t *id, char *err, size_t errlen)
{
	char path[8192];
	struct stat st;
	const char *rel = arg;
	int e;

	if (!*arg)
		return cerr(err, errlen, -EINVAL, "empty cgroup name");
	/* ./x and paths on the mount are directories, nothing else. */
	if (arg[0] == '.' || under_root(cg, arg)) {
		if (stat(arg, &st))
			return cerr(err, errlen, -errno,
				    "no such cgroup: %s: %s", arg,
				    strerror(errno));
		return check_dir(cg, arg, arg, &st, id, err, errlen);
	}
	if (!cg->root[0])
		return cerr(err, errlen, -ENOENT,
			    "no cgroup2 file system is mounted");
	/* Relative to the root first: "/hospital" is the cgroup. */
	while (*rel == '/')
		rel++;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", cg->root, rel) >=
	    sizeof(path))
		return cerr(err, errlen, -ENAMETOOLONG, "%s: name too long",
			    arg);
	if (!stat(path, &st))
		return check_dir(cg, arg, path, &st, id, err, errlen);
	e = errno;
	/* Else an absolute directory elsewhere: another cgroup2 mount. */
	if (arg[0] == '/' && !stat(arg, &st)) {
		if (!on_cgroup2(cg, arg))
			return cerr(err, errlen, -EINVAL,
				    "%s is not on a cgroup2 file system, and "
				    "%s does not exist", arg, path);
		return check_dir(cg, arg, arg, &st, id, err, errlen);
	}
	return cerr(err, errlen, -e, "no such cgroup: %s (%s: %s)", arg, path,
		    strerror(e));
}

/*
 * The cgroup of the process whose /proc/PID/cgroup is @proc_cgroup (its
 * cgroup2 line "0::/a/b"), resolved on @cg's mount.
 */
int qpuctl_cg_self(const struct qpuctl_cg *cg, const char *proc_cgroup,
		   uint64_t *id, char *err, size_t errlen)
{
	char *line = NULL, *nl;
	size_t cap = 0;
	FILE *fp = fopen(proc_cgroup, "re");
	bool found = false;
	int ret = -ENOENT;

	if (!fp)
		return cerr(err, errlen, -errno, "%s: %s", proc_cgroup,
			    strerror(errno));
	while (getline(&line, &cap, fp) > 0) {
		if (strncmp(line, "0::", 3))
			continue;
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		ret = qpuctl_cg_resolve(cg, line[3] ? line + 3 : "/", id,
					err, errlen);
		found = true;
		break;
	}
	if (!found)
		cerr(err, errlen, ret, "%s has no cgroup2 line", proc_cgroup);
	free(line);
	fclose(fp);
	return ret;
}

static struct qpuctl_cg *walking;
static size_t walk_cap;
static size_t walk_root_len;

static int walk_one(const char *fpath, const struct stat *st, int type,
		    struct FTW *ftw)
{
	struct qpuctl_cg *cg = walking;
	struct qpuctl_cg_ent *e;
	const char *rel = fpath + walk_root_len;

	(void)ftw;
	if (type != FTW_D)
		return 0;
	if (cg->nents == walk_cap) {
		size_t cap = walk_cap ? 2 * walk_cap : 64;

		e = realloc(cg->ents, cap * sizeof(*e));
		if (!e)
			return -1;
		cg->ents = e;
		walk_cap = cap;
	}
	e = &cg->ents[cg->nents];
	e->id = st->st_ino;
	e->path = strdup(*rel ? rel : "/");
	if (!e->path)
		return -1;
	cg->nents++;
	return 0;
}

/* @id's path relative to the root ("/a/b"), or "cgroup:ID". */
const char *qpuctl_cg_path(struct qpuctl_cg *cg, uint64_t id, char *buf,
			   size_t len)
{
	size_t i;

	if (!cg->walked && cg->root[0]) {
		cg->walked = true;
		walking = cg;
		walk_cap = 0;
		walk_root_len = strlen(cg->root);
		while (walk_root_len > 1 && cg->root[walk_root_len - 1] == '/')
			walk_root_len--;
		/* A partial table (out of memory) still serves lookups. */
		nftw(cg->root, walk_one, 16, FTW_PHYS | FTW_MOUNT);
		walking = NULL;
	}
	for (i = 0; i < cg->nents; i++) {
		if (cg->ents[i].id == id) {
			snprintf(buf, len, "%s", cg->ents[i].path);
			return buf;
		}
	}
	snprintf(buf, len, "cgroup:%llu", (unsigned long long)id);
	return buf;
}
