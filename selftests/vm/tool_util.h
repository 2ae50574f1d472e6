/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tool_util.h - running the command-line tools from VM tests (fork and
 * exec from the guest's PATH, output captured) and a small strict JSON
 * reader for their -j/--json output. Shared by tools_test and
 * qpuctl_test.
 */
#ifndef QPU_TOOL_UTIL_H
#define QPU_TOOL_UTIL_H

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>

#include "qpu_test.h"
#include "vm_util.h"

/** struct cmd_out - what a command did: exit status, stdout, stderr */
struct cmd_out {
	int status;
	char *out;
	char *err;
};

/* Is @name an executable in a directory of $PATH? */
static inline bool in_path(const char *name)
{
	const char *path = getenv("PATH");
	char dir[256], file[512];
	const char *p, *end;
	size_t len;

	for (p = path ? path : "/bin:/usr/bin"; *p; p = *end ? end + 1 : end) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		len = end - p;
		if (!len || len >= sizeof(dir))
			continue;
		memcpy(dir, p, len);
		dir[len] = '\0';
		snprintf(file, sizeof(file), "%s/%s", dir, name);
		if (!access(file, X_OK))
			return true;
	}
	return false;
}

/* Skip the test unless @tool is on the PATH and @file (if any) readable. */
static inline void need(const char *tool, const char *file)
{
	if (!in_path(tool))
		qt_skip("%s is not in the guest's PATH", tool);
	if (file && access(file, R_OK))
		qt_skip("%s is not in the guest", file);
}

/*
 * Run @argv (looked up on $PATH) with stdout and stderr captured; the
 * child first moves into the cgroup directory @cg (if not NULL) and takes
 * uid/gid @uid (if >= 0, which drops every capability). A child that did
 * not get as far as exec exits 125 (cgroup), 124 (uid), 126 (redirection)
 * or 127 (exec).
 */
static inline void run_capture_as(const char *const argv[], const char *cg,
				  int uid, struct cmd_out *o)
{
	char out_path[] = "/tmp/qt_outXXXXXX", err_path[] = "/tmp/qt_errXXXXXX";
	int ofd = mkstemp(out_path), efd = mkstemp(err_path), null;
	char procs[512];
	size_t len;
	pid_t pid;

	QT_ASSERT(ofd >= 0 && efd >= 0);
	pid = fork_ok();
	if (!pid) {
		if (cg) {
			snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
			if (write_sysfs(procs, "0"))
				_exit(125);
		}
		if (uid >= 0 && (setgid(uid) || setuid(uid)))
			_exit(124);
		null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0 ||
		    dup2(ofd, STDOUT_FILENO) < 0 || dup2(efd, STDERR_FILENO) < 0)
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	o->status = wait_status(pid);
	close(ofd);
	close(efd);
	o->out = read_all_ok(out_path, &len);
	o->err = read_all_ok(err_path, &len);
	unlink(out_path);
	unlink(err_path);
}

/* Run @argv (looked up on $PATH) with stdout and stderr captured. */
static inline void run_capture(const char *const argv[], struct cmd_out *o)
{
	run_capture_as(argv, NULL, -1, o);
}

static inline void cmd_free(struct cmd_out *o)
{
	free(o->out);
	free(o->err);
}

static inline void write_file_ok(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		QT_FAIL("writing %s: %s", path, strerror(errno));
}

/* Copy @from to @to. */
static inline void copy_file_ok(const char *from, const char *to)
{
	size_t len;
	char *text = read_all_ok(from, &len);

	write_file_ok(to, text);
	free(text);
}

/* ---- a small JSON reader ------------------------------------------------- */

/*
 * Enough of RFC 8259 to check that the tools print valid JSON: every
 * value is parsed strictly; the members of an object are returned as
 * spans of text to be parsed in turn.
 */
#define JS_MAX_MEMBERS	32
#define JS_MAX_DEPTH	16

struct js_member {
	char key[64];
	const char *val;
	const char *end;
};

static inline void js_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

/* A string at *p; its text (ASCII escapes decoded) into @out if not NULL. */
static inline bool js_string(const char **p, char *out, size_t cap)
{
	const char *s = *p;
	size_t n = 0;
	unsigned int u;
	char c;
	int i;

	if (*s++ != '"')
		return false;
	while (*s != '"') {
		c = *s;
		if (!c || (unsigned char)c < 0x20)
			return false;
		if (c == '\\') {
			s++;
			switch (*s) {
			case '"': case '\\': case '/':
				c = *s;
				break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u':
				for (u = 0, i = 1; i <= 4; i++) {
					if (!isxdigit((unsigned char)s[i]))
						return false;
					u = u * 16 + (isdigit((unsigned char)s[i]) ?
						      s[i] - '0' :
						      (tolower((unsigned char)s[i]) - 'a' + 10));
				}
				s += 4;
				c = u < 0x80 ? (char)u : '?';
				break;
			default:
				return false;
			}
		}
		if (out && n + 1 < cap)
			out[n++] = c;
		s++;
	}
	if (out)
		out[n] = '\0';
	*p = s + 1;
	return true;
}

static inline bool js_number(const char **p)
{
	const char *s = *p;

	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (isdigit((unsigned char)*s))
			s++;
	else
		return false;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
	}
	*p = s;
	return true;
}

static inline bool js_value(const char **p, int depth);

/* An object at *p; its members into @m (at most @max), count in *n. */
static inline bool js_object(const char **p, int depth, struct js_member *m, int max,
		      int *n)
{
	const char *s = *p;
	char key[64];

	*n = 0;
	if (*s++ != '{' || depth > JS_MAX_DEPTH)
		return false;
	js_ws(&s);
	if (*s == '}') {
		*p = s + 1;
		return true;
	}
	for (;;) {
		js_ws(&s);
		if (!js_string(&s, key, sizeof(key)))
			return false;
		js_ws(&s);
		if (*s++ != ':')
			return false;
		js_ws(&s);
		if (m && *n < max) {
			strcpy(m[*n].key, key);
			m[*n].val = s;
		}
		if (!js_value(&s, depth + 1))
			return false;
		if (m && *n < max)
			m[*n].end = s;
		(*n)++;
		js_ws(&s);
		if (*s == '}')
			break;
		if (*s++ != ',')
			return false;
	}
	*p = s + 1;
	return true;
}

static inline bool js_value(const char **p, int depth)
{
	int n;

	switch (**p) {
	case '{':
		return js_object(p, depth, NULL, 0, &n);
	case '[':
		if (depth > JS_MAX_DEPTH)
			return false;
		(*p)++;
		js_ws(p);
		if (**p == ']') {
			(*p)++;
			return true;
		}
		for (;;) {
			js_ws(p);
			if (!js_value(p, depth + 1))
				return false;
			js_ws(p);
			if (**p == ']')
				break;
			if (*(*p)++ != ',')
				return false;
		}
		(*p)++;
		return true;
	case '"':
		return js_string(p, NULL, 0);
	case 't':
		return !strncmp(*p, "true", 4) && (*p += 4);
	case 'f':
		return !strncmp(*p, "false", 5) && (*p += 5);
	case 'n':
		return !strncmp(*p, "null", 4) && (*p += 4);
	default:
		return js_number(p);
	}
}

/* @text is exactly one JSON object (and whitespace); its members. */
static inline bool js_parse_object(const char *text, struct js_member *m, int *n)
{
	const char *p = text;

	js_ws(&p);
	if (!js_object(&p, 0, m, JS_MAX_MEMBERS, n) || *n > JS_MAX_MEMBERS)
		return false;
	js_ws(&p);
	return *p == '\0';
}

static inline const struct js_member *js_find(const struct js_member *m, int n,
				       const char *key)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(m[i].key, key))
			return &m[i];
	return NULL;
}

/* The member's value as a NUL-terminated copy (malloc()ed). */
static inline char *js_text(const struct js_member *m)
{
	char *t = strndup(m->val, m->end - m->val);

	QT_ASSERT(t != NULL);
	return t;
}

/* A member that must be a non-negative integer. */
static inline uint64_t js_u64(const struct js_member *m, const char *key)
{
	unsigned long long v;
	char *end;

	if (!m)
		QT_FAIL("no \"%s\" member", key);
	if (!isdigit((unsigned char)*m->val))
		QT_FAIL("\"%s\" is not a non-negative integer", key);
	errno = 0;
	v = strtoull(m->val, &end, 10);
	if (errno || end != m->end)
		QT_FAIL("\"%s\" is not an integer", key);
	return v;
}

#endif /* QPU_TOOL_UTIL_H */
