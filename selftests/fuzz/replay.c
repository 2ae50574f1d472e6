// SPDX-License-Identifier: GPL-2.0
/*
 * replay.c - a main() for the fuzz targets without libFuzzer: runs
 * LLVMFuzzerTestOneInput() once on every file of the seed corpus, in name
 * order, and prints KTAP (one "ok" per file). Built with the normal host
 * compiler into build/host-tests/fuzz_NAME, so `make check` replays every
 * seed (and every crash input committed as a regression test) without
 * depending on clang. A broken property aborts the program, which the
 * test harness counts as a failure.
 *
 * Usage: fuzz_NAME [FILE|DIR ...]   (default: the corpus FUZZ_CORPUS)
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef FUZZ_CORPUS
#error "FUZZ_CORPUS (the seed directory) must be defined"
#endif

struct names {
	char **v;
	size_t n, cap;
};

static void add_name(struct names *l, const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v) {
			perror("realloc");
			exit(1);
		}
	}
	l->v[l->n] = malloc(len);
	if (!l->v[l->n]) {
		perror("malloc");
		exit(1);
	}
	snprintf(l->v[l->n], len, "%s%s%s", dir, *dir ? "/" : "", name);
	l->n++;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular files of @path (a directory, not recursive) or @path itself. */
static int collect(struct names *l, const char *path)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (stat(path, &st)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		add_name(l, "", path);
		return 0;
	}
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		add_name(l, path, de->d_name);
	}
	closedir(d);
	return 0;
}

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			buf = realloc(buf, cap);
			if (!buf) {
				fclose(f);
				return NULL;
			}
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	fclose(f);
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	struct names l = { 0 };
	int i, bad = 0;
	size_t k;

	if (argc < 2) {
		bad |= collect(&l, FUZZ_CORPUS);
	} else {
		for (i = 1; i < argc; i++)
			bad |= collect(&l, argv[i]);
	}
	if (bad || !l.n) {
		fprintf(stderr, "no inputs (corpus %s)\n", FUZZ_CORPUS);
		return 1;
	}
	qsort(l.v, l.n, sizeof(*l.v), by_name);

	printf("TAP version 13\n1..%zu\n", l.n);
	for (k = 0; k < l.n; k++) {
		size_t len;
		uint8_t *data = read_all(l.v[k], &len);

		if (!data) {
			printf("not ok %zu %s # cannot read: %s\n", k + 1, l.v[k],
			       strerror(errno));
			free(l.v[k]);
			bad = 1;
			continue;
		}
		fflush(stdout);
		LLVMFuzzerTestOneInput(data, len);
		printf("ok %zu %s\n", k + 1, l.v[k]);
		free(data);
		free(l.v[k]);
	}
	free(l.v);
	return bad;
}
