// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - qpu-auditd: options, signals (a signalfd: SIGTERM and SIGINT
 * stop, SIGHUP reopens the log), the loop that turns every message of the
 * "audit" (and with --events, "events") group into lines of the log, and
 * the drain on the way out (Documentation/qpu/qpu-auditd.rst).
 *
 * Two sockets: the subscription (struct qpu_nl_sub) and a request socket
 * (struct qpu_nl) for DEV_GET and CALIB_GET. The daemon is one thread;
 * struct ctx is its whole state.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auditd.h"

#define DRAIN_QUIET_MS	2000	/* drain gives up after this without progress */
#define HASH_CACHE	64	/* calibration hashes remembered as handled */

struct opts {
	const char *dir;
	char calib_dir[4096];
	uint64_t max_size;
	unsigned int keep;
	unsigned int batch;
	unsigned int flush_ms;
	int rcvbuf;
	const char *pidfile;
	bool once;
	bool events;
	unsigned int idle_ms;
};

struct ctx {
	struct opts o;
	struct aud_log log;
	struct aud_seq seq;
	struct qpu_nl *nl;
	struct qpu_nl_sub *sub;
	bool started_hints;	/* the start's DEV_GET dump hinted every device */
	bool any;		/* a record arrived */
	bool progress;		/* ... since the flag was last cleared */
	uint64_t last_ms;	/* CLOCK_MONOTONIC of the latest record */
	int err;		/* a write to the log failed: stop, exit 1 */
	uint8_t hashes[HASH_CACHE][QPU_HASH_LEN];	/* ring */
	unsigned int nhashes;
	uint64_t overruns;
};

static uint64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- lines of the log ------------------------------------------------- */

/* A line built on a memory stream, then written in one write(2). */
struct line {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *line_begin(struct line *l)
{
	l->buf = NULL;
	l->len = 0;
	l->f = open_memstream(&l->buf, &l->len);
	return l->f;
}

static void line_end(struct ctx *c, struct line *l)
{
	int err;

	if (!l->f) {
		err = -ENOMEM;
	} else {
		fclose(l->f);
		err = aud_log_write(&c->log, l->buf, l->len,
				    clock_ms(CLOCK_MONOTONIC));
	}
	free(l->buf);
	if (err && !c->err) {
		fprintf(stderr, "qpu-auditd: writing %s: %s\n", c->log.path,
			strerror(-err));
		c->err = err;
	}
}

static void log_loss(struct ctx *c, const struct aud_loss *loss)
{
	struct line l;

	if (line_begin(&l))
		aud_loss_json(l.f, loss, now_ns());
	line_end(c, &l);
}

/* ---- calibration snapshots --------------------------------------------- */

static bool hash_known(struct ctx *c, const uint8_t *hash)
{
	unsigned int i, n = c->nhashes < HASH_CACHE ? c->nhashes : HASH_CACHE;

	for (i = 0; i < n; i++)
		if (!memcmp(c->hashes[i], hash, QPU_HASH_LEN))
			return true;
	return false;
}

/* Snapshot @epoch once (@hash NULL: whatever it hashes to). */
static void snapshot(struct ctx *c, uint32_t dev_id, uint64_t epoch,
		     const uint8_t *hash)
{
	char err[512];
	struct line l;

	if (hash && hash_known(c, hash))
		return;
	if (aud_calib_snapshot(c->nl, c->o.calib_dir, dev_id, epoch, hash, err,
			       sizeof(err))) {
		if (line_begin(&l))
			aud_calib_missing_json(l.f, dev_id, epoch, hash, err,
					       now_ns());
		line_end(c, &l);
	}
	/* Stored or missing: either way, not asked again. */
	if (hash)
		memcpy(c->hashes[c->nhashes++ % HASH_CACHE], hash,
		       QPU_HASH_LEN);
}

/* ---- records ------------------------------------------------------------ */

static int on_record(const struct qpu_nl_audit *r, void *arg)
{
	struct ctx *c = arg;
	struct aud_reset reset;
	struct aud_loss loss;
	struct line l;
	int ret;

	if (r->cmd != QPU_CMD_EVENT_VERDICT) {
		ret = aud_seq_see(&c->seq, r->num[QPU_A_AUDIT_DEV_ID],
				  r->num[QPU_A_AUDIT_SEQ],
				  r->num[QPU_A_AUDIT_LOST], &loss, &reset);
		if (ret == AUD_SEQ_RESET) {
			if (line_begin(&l))
				aud_reset_json(l.f, &reset, now_ns());
			line_end(c, &l);
		}
		if (ret == AUD_SEQ_GAP ||
		    (ret == AUD_SEQ_RESET && reset.seq > 1))
			log_loss(c, &loss);
		if (ret < 0)
			c->err = ret;
	}
	if (line_begin(&l))
		aud_record_json(l.f, r);
	line_end(c, &l);
	c->any = c->progress = true;
	c->last_ms = clock_ms(CLOCK_MONOTONIC);
	if ((r->cmd == QPU_CMD_AUDIT_CALIB || r->cmd == QPU_CMD_AUDIT_JOB) &&
	    (r->have & (1ULL << QPU_A_AUDIT_CALIB_HASH)) &&
	    (r->have & (1ULL << QPU_A_AUDIT_CALIB_EPOCH)))
		snapshot(c, r->num[QPU_A_AUDIT_DEV_ID],
			 r->num[QPU_A_AUDIT_CALIB_EPOCH],
			 r->hash[QPU_NL_H_CALIB]);
	return c->err;
}

static void start_devices(struct ctx *c, bool hint);

/*
 * qpu.ko was loaded again: numbering restarts on every device, the
 * request socket names the old family, the calibrations are new.
 */
static void family_back(struct ctx *c)
{
	struct qpu_nl *nl = qpu_nl_open();

	aud_seq_restart(&c->seq);
	if (!nl) {
		fprintf(stderr, "qpu-auditd: the qpu family is back, but: %s\n",
			strerror(errno));
		return;
	}
	qpu_nl_close(c->nl);
	c->nl = nl;
	start_devices(c, false);
}

/*
 * A batch of what waits on the subscription. Return: records read (1
 * after an overrun, whose dropped records their numbers tell: read on),
 * 0 when it is empty, or -errno (reported, c->err set: stop).
 */
static int receive(struct ctx *c)
{
	unsigned int gen = qpu_nl_sub_generation(c->sub);
	int ret = qpu_nl_sub_recv(c->sub, on_record, c);

	if (gen != qpu_nl_sub_generation(c->sub)) {
		family_back(c);
		return 1;	/* the new family's records may follow */
	}
	if (ret == -ENOBUFS) {
		c->overruns++;
		return 1;
	}
	if (ret < 0 && !c->err) {
		fprintf(stderr, "qpu-auditd: receiving: %s\n", strerror(-ret));
		c->err = ret;
	}
	return ret;
}

/* ---- start and drain ----------------------------------------------------- */

/*
 * After the subscription: every device's current calibration and, if
 * @hint, its sequence position (a hint for the first record).
 */
static void start_devices(struct ctx *c, bool hint)
{
	struct qpu_nl_dev *d = NULL;
	int i, n = qpu_nl_dev_list(c->nl, &d);

	if (n < 0) {
		fprintf(stderr, "qpu-auditd: DEV_GET: %s %s\n", strerror(-n),
			qpu_nl_errmsg(c->nl));
		return;
	}
	c->started_hints |= hint;
	for (i = 0; i < n; i++) {
		if (hint && (d[i].have & (1ULL << QPU_A_DEV_AUDIT_SEQ)))
			aud_seq_hint(&c->seq, d[i].id, d[i].audit_seq,
				     d[i].audit_lost);
		if (d[i].have & (1ULL << QPU_A_DEV_CALIB_HASH))
			snapshot(c, d[i].id, d[i].calib_epoch, d[i].calib_hash);
	}
	free(d);
}

static bool reached(const struct ctx *c, const struct qpu_nl_dev *d, int n)
{
	const struct aud_seq_dev *s;
	int i;

	for (i = 0; i < n; i++) {
		s = aud_seq_get(&c->seq, d[i].id);
		if (s && (s->seen || s->hinted) && s->last_seq < d[i].audit_seq)
			return false;
	}
	return true;
}

/* Read what the subscription holds now, to its end. */
static void receive_all(struct ctx *c)
{
	while (receive(c) > 0)
		;
}

/*
 * Read until every device's records reach its DEV_GET AUDIT_SEQ (or
 * DRAIN_QUIET_MS pass without one), then a loss record for whatever
 * never came: the log accounts for every number up to the target.
 *
 * A record takes its number and is queued to every listener under the
 * lock DEV_GET reads the number under, so once the reply is in, every
 * record up to the target is in the socket: reading it to its end first
 * gets them all, and the wait is for what a full socket dropped (which
 * never comes: loss). A device whose target is below where it stood
 * before DEV_GET was created again unheard (aud_seq_close()).
 */
static void drain(struct ctx *c)
{
	struct pollfd p = { .fd = qpu_nl_sub_fd(c->sub), .events = POLLIN };
	struct qpu_nl_dev *d = NULL;
	struct aud_reset reset;
	struct aud_loss loss;
	struct line l;
	uint64_t quiet_since;
	int i, n, ret;

	receive_all(c);
	aud_seq_mark(&c->seq);
	n = qpu_nl_dev_list(c->nl, &d);
	if (n < 0) {
		fprintf(stderr, "qpu-auditd: draining: DEV_GET: %s %s\n",
			strerror(-n), qpu_nl_errmsg(c->nl));
		return;
	}
	for (i = 0; i < n; i++)
		if (c->started_hints && !aud_seq_get(&c->seq, d[i].id))
			aud_seq_hint(&c->seq, d[i].id, 0, 0);	/* new since */
	receive_all(c);
	quiet_since = clock_ms(CLOCK_MONOTONIC);
	while (!c->err && !reached(c, d, n) &&
	       clock_ms(CLOCK_MONOTONIC) - quiet_since < DRAIN_QUIET_MS) {
		if (poll(&p, 1, 100) > 0) {
			c->progress = false;
			if (receive(c) < 0)
				break;
			if (c->progress)
				quiet_since = clock_ms(CLOCK_MONOTONIC);
		}
	}
	for (i = 0; i < n && !c->err; i++) {
		ret = aud_seq_close(&c->seq, d[i].id, d[i].audit_seq,
				    d[i].audit_lost, &loss, &reset);
		if (ret & AUD_SEQ_CLOSE_RESET) {
			if (line_begin(&l))
				aud_reset_json(l.f, &reset, now_ns());
			line_end(c, &l);
		}
		if (ret & AUD_SEQ_CLOSE_LOSS)
			log_loss(c, &loss);
	}
	free(d);
}

/* ---- options ------------------------------------------------------------- */

static void usage(FILE *f)
{
	fputs("usage: qpu-auditd [OPTION]...\n"
	      "Keep the qpu audit records as JSON lines in DIR/audit.jsonl.\n\n"
	      "  --dir DIR         log directory (/var/log/qpu-audit)\n"
	      "  --calib-dir DIR   calibration snapshots (DIR/calib)\n"
	      "  --max-size BYTES  rotate at this size (64 MiB; 0: never)\n"
	      "  --keep N          rotated files kept (8)\n"
	      "  --batch N         fsync after N lines (64) ...\n"
	      "  --flush-ms MS     ... or MS after the first unsynced one (1000)\n"
	      "  --rcvbuf BYTES    socket receive buffer (4 MiB)\n"
	      "  --events          also keep the \"events\" group's verdicts\n"
	      "  --pidfile PATH    written once subscribed, removed on exit\n"
	      "  --once            drain and exit after --idle-ms without records\n"
	      "  --idle-ms MS      (2000)\n"
	      "  -h, --help        this text\n", f);
}

static int num(const char *opt, const char *s, uint64_t min, uint64_t max,
	       uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || *v < min || *v > max) {
		fprintf(stderr, "qpu-auditd: --%s: bad value '%s'\n", opt, s);
		return -EINVAL;
	}
	return 0;
}

static int parse_opts(struct opts *o, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "calib-dir", required_argument, NULL, 'c' },
		{ "max-size", required_argument, NULL, 's' },
		{ "keep", required_argument, NULL, 'k' },
		{ "batch", required_argument, NULL, 'b' },
		{ "flush-ms", required_argument, NULL, 'f' },
		{ "rcvbuf", required_argument, NULL, 'r' },
		{ "events", no_argument, NULL, 'e' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "once", no_argument, NULL, 'o' },
		{ "idle-ms", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *calib = NULL;
	uint64_t v;
	int ch, li = 0, err = 0;

	*o = (struct opts){
		.dir = "/var/log/qpu-audit", .max_size = 64 << 20, .keep = 8,
		.batch = 64, .flush_ms = 1000, .rcvbuf = 4 << 20,
		.idle_ms = 2000,
	};
	while (!err && (ch = getopt_long(argc, argv, "h", lopts, &li)) != -1) {
		const char *name = lopts[li].name;

		switch (ch) {
		case 'd': o->dir = optarg; break;
		case 'c': calib = optarg; break;
		case 'e': o->events = true; break;
		case 'p': o->pidfile = optarg; break;
		case 'o': o->once = true; break;
		case 's':
			err = num(name, optarg, 0, UINT64_MAX, &o->max_size);
			break;
		case 'k':
			err = num(name, optarg, 1, 1000, &v);
			o->keep = v;
			break;
		case 'b':
			err = num(name, optarg, 1, 1 << 20, &v);
			o->batch = v;
			break;
		case 'f':
			err = num(name, optarg, 0, 3600000, &v);
			o->flush_ms = v;
			break;
		case 'i':
			err = num(name, optarg, 0, 3600000, &v);
			o->idle_ms = v;
			break;
		case 'r':
			err = num(name, optarg, 0, 1 << 30, &v);
			o->rcvbuf = v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (!err && optind < argc) {
		fprintf(stderr, "qpu-auditd: unexpected argument '%s'\n",
			argv[optind]);
		err = -EINVAL;
	}
	if (calib)
		snprintf(o->calib_dir, sizeof(o->calib_dir), "%s", calib);
	else
		snprintf(o->calib_dir, sizeof(o->calib_dir), "%s/calib", o->dir);
	return err;
}

static int make_dir(const char *dir)
{
	if (mkdir(dir, 0750) && errno != EEXIST) {
		fprintf(stderr, "qpu-auditd: %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	return 0;
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f)) {
		fprintf(stderr, "qpu-auditd: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	return 0;
}

/* ---- the loop ------------------------------------------------------------ */

static int signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, set, NULL))
		return -1;
	return signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Until a stop signal, --once's idle time, or a failure (c->err). */
static void run(struct ctx *c, int sfd)
{
	struct pollfd p[2] = {
		{ .fd = qpu_nl_sub_fd(c->sub), .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
	};
	struct signalfd_siginfo si;
	uint64_t now;
	int timeout, idle, ret;

	for (;;) {
		now = clock_ms(CLOCK_MONOTONIC);
		timeout = aud_log_tick(&c->log, now);
		if (c->o.once && c->any) {
			if (now - c->last_ms >= c->o.idle_ms)
				return;
			idle = (int)(c->last_ms + c->o.idle_ms - now);
			if (timeout < 0 || idle < timeout)
				timeout = idle;
		}
		ret = poll(p, 2, timeout);
		if (ret < 0 && errno != EINTR) {
			c->err = -errno;
			return;
		}
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGHUP)
				return;
			ret = aud_log_reopen(&c->log);
			if (ret) {
				fprintf(stderr, "qpu-auditd: reopening %s: %s\n",
					c->log.path, strerror(-ret));
				c->err = ret;
				return;
			}
		}
		if ((p[0].revents & POLLIN) && receive(c) < 0)
			return;
		if (c->err)
			return;
	}
}

int main(int argc, char **argv)
{
	static struct ctx c;
	sigset_t set;
	int sfd, ret;

	if (parse_opts(&c.o, argc, argv))
		return 2;
	aud_seq_init(&c.seq);
	if (make_dir(c.o.dir) || make_dir(c.o.calib_dir))
		return 1;
	ret = aud_log_open(&c.log, c.o.dir, c.o.max_size, c.o.keep,
			   c.o.batch, c.o.flush_ms);
	if (ret) {
		fprintf(stderr, "qpu-auditd: %s/audit.jsonl: %s\n", c.o.dir,
			strerror(-ret));
		return 1;
	}
	sfd = signals(&set);
	if (sfd < 0) {
		perror("qpu-auditd: signalfd");
		return 1;
	}
	c.sub = qpu_nl_subscribe(QPU_NL_GRP_AUDIT |
				 (c.o.events ? QPU_NL_GRP_EVENTS : 0),
				 c.o.rcvbuf);
	if (!c.sub) {
		fprintf(stderr, "qpu-auditd: subscribing to the qpu family: %s\n",
			strerror(errno));
		return 1;
	}
	c.nl = qpu_nl_open();
	if (!c.nl) {
		fprintf(stderr, "qpu-auditd: the qpu family: %s\n",
			strerror(errno));
		return 1;
	}
	start_devices(&c, true);
	if (c.o.pidfile && write_pidfile(c.o.pidfile))
		return 1;
	run(&c, sfd);
	if (!c.err)
		drain(&c);
	aud_log_close(&c.log);
	if (c.o.pidfile)
		unlink(c.o.pidfile);
	if (qpu_nl_sub_malformed(c.sub))
		fprintf(stderr, "qpu-auditd: %llu malformed messages skipped\n",
			(unsigned long long)qpu_nl_sub_malformed(c.sub));
	qpu_nl_sub_close(c.sub);
	qpu_nl_close(c.nl);
	aud_seq_free(&c.seq);
	return c.err ? 1 : 0;
}
