// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - qpu-monitor: attach the monitoring policy (qpu_monitor.bpf.c,
 * embedded) with the rules the command line asks for, write each event
 * its ring buffer delivers as a JSON line, report lost events, and
 * detach at SIGINT/SIGTERM, --duration or --count (exit 0, a summary on
 * stderr). The policy is detached by the kernel too when this process
 * dies (the link is not pinned).
 *
 * Before attaching it checks what it can say clearly: qpu.ko loaded, the
 * device there, the hook registered (QPU_FEAT_POLICY); after a refusal
 * it names the cause: privileges (EPERM) or the policy already attached
 * (EBUSY, from sysfs qpuN/policy).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <libqpu.h>

#include "qpu_policy.h"
#include "tool.h"

#define SYSFS_CLASS	"/sys/class/qpu"

extern const char qpu_monitor_bpf[], qpu_monitor_bpf_end[];

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- before attaching -------------------------------------------------- */

/* sysfs qpuN/policy, without its newline ("" if none or unreadable). */
static void read_policy(const char *dev, char *buf, size_t len)
{
	char path[300];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), SYSFS_CLASS "/%s/policy", dev);
	f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/*
 * qpu.ko loaded, /dev/qpuN there (with -d), the hook registered: 0, or 1
 * after saying what is missing. Without -d, the first device tells.
 */
static int check_kernel(const struct mon_opts *o)
{
	struct qpu_info info;
	struct qpu_dev *dev;
	struct dirent *de;
	char path[300] = "";
	DIR *d;
	int err;

	d = opendir(SYSFS_CLASS);
	if (!d) {
		fprintf(stderr, "qpu-monitor: qpu.ko is not loaded (no "
			SYSFS_CLASS "): load it with 'modprobe qpu' or "
			"'insmod qpu.ko'\n");
		return 1;
	}
	if (o->device >= 0) {
		snprintf(path, sizeof(path), "/dev/qpu%d", o->device);
	} else {
		while ((de = readdir(d)))
			if (!strncmp(de->d_name, "qpu", 3)) {
				snprintf(path, sizeof(path), "/dev/%s",
					 de->d_name);
				break;
			}
	}
	closedir(d);
	if (!path[0])
		return 0;	/* no device yet: one for all still attaches */
	err = qpu_open(path, &dev);
	if (err == -EACCES || err == -EPERM)
		return 0;	/* unprivileged: attaching will say so */
	if (err) {
		fprintf(stderr, "qpu-monitor: %s: %s%s\n", path,
			strerror(-err), err == -ENOENT ?
			" (no such device: see 'qpuctl status')" : "");
		return 1;
	}
	err = qpu_get_info(dev, &info);
	qpu_close(dev);
	if (err) {
		fprintf(stderr, "qpu-monitor: %s: GET_INFO: %s\n", path,
			strerror(-err));
		return 1;
	}
	if (!(info.features & QPU_FEAT_POLICY)) {
		fprintf(stderr, "qpu-monitor: qpu.ko has no monitoring hook "
			"(QPU_FEAT_POLICY is absent: the kernel lacks BPF "
			"struct_ops, or the module predates the hook)\n");
		return 1;
	}
	return 0;
}

/* -EBUSY: say which policy holds which device. */
static void explain_busy(void)
{
	char name[64], list[1024] = "";
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(SYSFS_CLASS);

	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, "qpu", 3))
			continue;
		read_policy(de->d_name, name, sizeof(name));
		if (name[0] && n < sizeof(list))
			n += snprintf(list + n, sizeof(list) - n,
				      "%s'%s' on %s", n ? ", " : "", name,
				      de->d_name);
	}
	if (d)
		closedir(d);
	fprintf(stderr, "qpu-monitor: a monitoring policy is already "
		"attached%s%s; one policy may apply to a device at a time: "
		"stop the program that attached it first\n",
		list[0] ? ": " : "", list);
}

/* ---- the policy's globals ---------------------------------------------- */

/*
 * The address of global @var in data section @sec (".rodata", ".bss"),
 * from the object's BTF: the policy may have other globals there. Before
 * load: its initial value; after: the live kernel memory.
 */
static void *policy_var(struct qpu_policy *p, const char *sec,
			const char *var, size_t want)
{
	const struct btf_var_secinfo *vs;
	const struct btf_type *t;
	struct btf *btf = bpf_object__btf(p->obj);
	char *base;
	size_t size;
	int id, i;

	base = qpu_policy_data(p, sec, &size);
	if (!base || !btf)
		return NULL;
	id = btf__find_by_name_kind(btf, sec, BTF_KIND_DATASEC);
	if (id < 0)
		return NULL;
	t = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(t);
	for (i = 0; i < btf_vlen(t); i++, vs++) {
		const char *name = btf__name_by_offset(btf,
				btf__type_by_id(btf, vs->type)->name_off);

		if (strcmp(name, var))
			continue;
		if (vs->size < want || vs->offset + want > size)
			return NULL;
		return base + vs->offset;
	}
	return NULL;
}

/* ---- the event loop ----------------------------------------------------- */

struct loop {
	FILE *out;
	struct mon_tally tally;
	uint64_t limit;		/* --count */
	uint64_t short_records;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct loop *l = ctx;
	struct qpu_mon_event e;
	uint64_t real;
	char cg[4096];

	if (size < sizeof(e)) {
		l->short_records++;
		return 0;
	}
	memcpy(&e, data, sizeof(e));
	/* monotonic to realtime: the clocks' offset now */
	real = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC) +
	       e.time_ns;
	mon_event_json(l->out, &e, real, mon_cg_path(e.cgroup_id, cg,
						     sizeof(cg)));
	mon_tally_add(&l->tally, &e);
	if (l->limit && l->tally.events >= l->limit)
		return -ECANCELED;	/* stop consuming: --count reached */
	return 0;
}

static const char *attach_scope(const struct mon_opts *o, char *buf,
				size_t len)
{
	if (o->device < 0)
		return "every device";
	snprintf(buf, len, "/dev/qpu%d", o->device);
	return buf;
}

static void print_rules(const struct mon_opts *o)
{
	unsigned int i;

	fputs("qpu-monitor: rules:", stderr);
	for (i = 1; i < QPU_MON_NR_RULES; i++)
		fprintf(stderr, " %s=%s", mon_rule_name(i),
			mon_action_name(o->cfg.rule[i].action) ?: "?");
	fputc('\n', stderr);
}

static int run(const struct mon_opts *o)
{
	volatile const struct qpu_mon_stats *stats;
	struct ring_buffer *rb = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	struct qpu_mon_cfg *cfg;
	struct qpu_bpf_ops *ops;
	struct qpu_policy p;
	struct bpf_map *events;
	struct loop l = { 0 };
	uint64_t reported = 0, end = 0;
	char scope[32];
	int err, ret = MON_EXIT_FAIL, n;

	if (check_kernel(o))
		return MON_EXIT_FAIL;
	/*
	 * Before attaching: a SIGTERM as soon as sysfs shows the policy
	 * must still detach cleanly and exit 0. No SA_RESTART: a signal
	 * ends the wait in epoll.
	 */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	l.out = stdout;
	if (o->output) {
		l.out = fopen(o->output, "ae");
		if (!l.out) {
			fprintf(stderr, "qpu-monitor: %s: %s\n", o->output,
				strerror(errno));
			return MON_EXIT_FAIL;
		}
	}
	setvbuf(l.out, NULL, _IOLBF, 0);
	l.limit = o->count;
	mon_cg_init();

	qpu_policy_quiet(!getenv("QPU_POLICY_DEBUG"));
	err = qpu_policy_open(&p, qpu_monitor_bpf,
			      qpu_monitor_bpf_end - qpu_monitor_bpf);
	if (err) {
		fprintf(stderr, "qpu-monitor: the embedded policy: %s\n",
			qpu_policy_error(&p));
		goto out_file;
	}
	ops = qpu_policy_ops(&p);
	cfg = policy_var(&p, ".rodata", "cfg", sizeof(*cfg));
	if (!ops || !cfg) {
		fprintf(stderr, "qpu-monitor: the embedded policy has no %s\n",
			ops ? "'cfg' in .rodata" : "struct_ops map");
		goto out_close;
	}
	if (o->device >= 0) {
		ops->flags |= QPU_BPF_ONE_DEVICE;
		ops->dev_id = o->device;
	}
	memcpy(cfg, &o->cfg, sizeof(*cfg));

	err = qpu_policy_attach(&p);
	if (err == -EBUSY) {
		explain_busy();
		goto out_close;
	}
	if (err == -EPERM || err == -EACCES) {
		fprintf(stderr, "qpu-monitor: attaching a monitoring policy "
			"needs CAP_SYS_ADMIN and CAP_BPF (run it as root): "
			"%s\n", strerror(-err));
		goto out_close;
	}
	if (err) {
		fprintf(stderr, "qpu-monitor: %s\n", qpu_policy_error(&p));
		goto out_close;
	}
	stats = policy_var(&p, ".bss", "stats", sizeof(*stats));
	if (!stats)	/* the contract says .bss; an initialised one is fine */
		stats = policy_var(&p, ".data", "stats", sizeof(*stats));
	events = qpu_policy_map(&p, "events");
	if (!stats || !events) {
		fprintf(stderr, "qpu-monitor: the embedded policy has no %s\n",
			stats ? "ring buffer 'events'" : "'stats' in .bss");
		goto out_close;
	}
	rb = ring_buffer__new(bpf_map__fd(events), on_event, &l, NULL);
	if (!rb) {
		fprintf(stderr, "qpu-monitor: ring buffer: %s\n",
			strerror(errno));
		goto out_close;
	}

	if (!o->quiet) {
		fprintf(stderr, "qpu-monitor: policy '%s' attached to %s\n",
			ops->name, attach_scope(o, scope, sizeof(scope)));
		print_rules(o);
	}
	if (o->duration_ms)
		end = clock_ns(CLOCK_MONOTONIC) + o->duration_ms * 1000000ULL;

	ret = MON_EXIT_OK;
	while (!stop_signal) {
		n = ring_buffer__poll(rb, 100);
		if (n == -ECANCELED)
			break;		/* --count */
		if (n < 0 && n != -EINTR) {
			fprintf(stderr, "qpu-monitor: ring buffer: %s\n",
				strerror(-n));
			ret = MON_EXIT_FAIL;
			break;
		}
		l.tally.dropped += mon_dropped_json(l.out, &reported,
						    stats->dropped);
		if (ferror(l.out)) {
			fprintf(stderr, "qpu-monitor: writing %s: %s\n",
				o->output ?: "stdout", strerror(errno));
			ret = MON_EXIT_FAIL;
			break;
		}
		if (end && clock_ns(CLOCK_MONOTONIC) >= end)
			break;
	}
	/* What was already in the buffer, unless --count is reached. */
	if (!l.limit || l.tally.events < l.limit)
		ring_buffer__consume(rb);
	l.tally.dropped += mon_dropped_json(l.out, &reported, stats->dropped);
	ring_buffer__free(rb);
	qpu_policy_detach(&p);
	if (l.short_records)
		fprintf(stderr, "qpu-monitor: %llu records too short for an "
			"event (a policy of another version?)\n",
			(unsigned long long)l.short_records);
	if (!o->quiet)
		mon_summary(stderr, &l.tally);
out_close:
	qpu_policy_close(&p);
out_file:
	mon_cg_fini();
	if (l.out && l.out != stdout)
		fclose(l.out);
	return ret;
}

int main(int argc, char **argv)
{
	struct mon_opts o;
	char err[512];
	int ret;

	ret = mon_parse_args(&o, argc, argv, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "qpu-monitor: %s (see qpu-monitor --help)\n",
			err);
		return MON_EXIT_USAGE;
	}
	if (ret == MON_ARGS_HELP) {
		mon_usage(stdout);
		return MON_EXIT_OK;
	}
	if (ret == MON_ARGS_VERSION) {
		printf("qpu-monitor " MON_VERSION "\n");
		return MON_EXIT_OK;
	}
	return run(&o);
}
