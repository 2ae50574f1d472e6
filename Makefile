# SPDX-License-Identifier: GPL-2.0
#
# Top-level build: the kernel module (through Kbuild), libqpu, the tools, and
# the host and VM tests. `make help` lists the targets.

KREL_CACHE := build/kernel/release
KREL ?= $(shell cat $(KREL_CACHE) 2>/dev/null)
ifneq ($(KREL),)
KDIR ?= $(firstword $(wildcard /lib/modules/$(KREL)/build /usr/src/linux-headers-$(KREL)))
endif
KDIR ?= /lib/modules/$(shell uname -r)/build

CC ?= gcc
BUILD := build
WERROR ?= -Werror
CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra $(WERROR) -std=gnu11 -D_GNU_SOURCE \
	  -Iuapi -Ilibqpu/include
PKG_CONFIG ?= pkg-config

# Portable core, compiled for the host too.
CORE_SRCS := $(wildcard kmod/core/*.c)
CORE_HOST_OBJS := $(patsubst kmod/core/%.c,$(BUILD)/core/%.o,$(CORE_SRCS))

LIB_SRCS := $(wildcard libqpu/*.c)
# Core objects libqpu is built with (dual-licensed, see their headers): the
# validator's coupling rule, so the library and the kernel share one.
LIB_CORE := coupling
LIB_OBJS := $(patsubst libqpu/%.c,$(BUILD)/libqpu/%.o,$(LIB_SRCS)) \
	    $(patsubst %,$(BUILD)/core/%.o,$(LIB_CORE))
LIB_PIC_OBJS := $(patsubst libqpu/%.c,$(BUILD)/libqpu/%.pic.o,$(LIB_SRCS)) \
		$(patsubst %,$(BUILD)/core/%.pic.o,$(LIB_CORE))
LIB_SONAME := libqpu.so.0
# The exported API and its symbol versions (checked by symbols_test).
LIB_MAP := libqpu/libqpu.map
LIB_A := $(BUILD)/lib/libqpu.a
LIB_SO := $(BUILD)/lib/$(LIB_SONAME)

# libcrypto (EVP SHA-256) for libqpu's replay (libqpu/replay.c) and
# qpu-auditd's snapshots, and json-c for reading audit records back
# (qpu-run --replay, qpu_auditd_test).
CRYPTO_LIBS := $(shell $(PKG_CONFIG) --libs libcrypto 2>/dev/null || echo -lcrypto)
CRYPTO_LIBS_STATIC := $(shell $(PKG_CONFIG) --static --libs libcrypto 2>/dev/null || \
	echo -lcrypto -ldl -pthread)
JSON_CFLAGS := $(shell $(PKG_CONFIG) --cflags json-c 2>/dev/null)
JSON_LIBS := $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null || echo -ljson-c)
JSON_LIBS_STATIC := $(shell $(PKG_CONFIG) --static --libs json-c 2>/dev/null || \
	echo -ljson-c)

# Libraries tools and tests link against (static for the VM).
LDLIBS_USER := -luring $(CRYPTO_LIBS) -lm -lpthread
LDLIBS_STATIC := -static -luring $(CRYPTO_LIBS_STATIC) -lm -lpthread
# libnl-genl-3 for the client of the qpu family (tools/lib/qpu_nl.c) and
# for qpu-fuzz and netlink_test's raw requests (selftests/vm/nl_util.h).
NL_CFLAGS := $(shell $(PKG_CONFIG) --cflags libnl-genl-3.0 2>/dev/null || \
	echo -I/usr/include/libnl3)
NL_LIBS_STATIC := $(shell $(PKG_CONFIG) --static --libs libnl-genl-3.0 2>/dev/null || \
	echo -lnl-genl-3 -lnl-3 -lpthread)
# ... and dynamically for the host build of qpuctl.
NL_LIBS := $(shell $(PKG_CONFIG) --libs libnl-genl-3.0 2>/dev/null || \
	echo -lnl-genl-3 -lnl-3)

TOOL_SRCS := $(wildcard tools/*.c)
TOOLS := $(patsubst tools/%.c,$(BUILD)/bin/%,$(TOOL_SRCS))
TOOLS_STATIC := $(patsubst tools/%.c,$(BUILD)/vm-bin/%,$(TOOL_SRCS))

# The one client of the "qpu" generic netlink family (tools/lib/qpu_nl.h):
# qpuctl, qpu-bench and the VM tests that set tenant limits link it, with
# libnl-genl-3 (NL_* above): dynamically into bin/, statically into
# vm-bin/ and vm-tests/. libqpu itself stays free of netlink.
QPU_NL_SRC := tools/lib/qpu_nl.c
QPU_NL_HDR := tools/lib/qpu_nl.h
QPU_NL_OBJ := $(BUILD)/tools-lib/qpu_nl.o
QPU_NL_CFLAGS = $(NL_CFLAGS) -Itools/lib

# BPF: monitoring policies (struct_ops "qpu_bpf_ops", uapi/linux/qpu_bpf.h)
# compiled by clang into BPF objects, each embedded into the program that
# loads it (tools/bpf/embed.S), and loaded with libbpf through the one
# loader, tools/lib/qpu_policy.c. No vmlinux.h: policies see the kernel
# only through the uAPI headers.
BPF_CLANG ?= clang
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
	      -Iuapi -Itools/bpf -I/usr/include/$(shell $(CC) -dumpmachine)
BPF_HDRS := uapi/linux/qpu.h uapi/linux/qpu_bpf.h tools/bpf/qpu_kfuncs.h
BPF_LIBS := $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || \
	echo -lbpf -lelf -lz)
BPF_LIBS_STATIC := $(shell $(PKG_CONFIG) --static --libs libbpf 2>/dev/null || \
	echo -lbpf -lelf -lz) -lzstd
QPU_POLICY_SRC := tools/lib/qpu_policy.c
QPU_POLICY_HDR := tools/lib/qpu_policy.h
QPU_POLICY_OBJ := $(BUILD)/tools-lib/qpu_policy.o

# qpuctl is a directory of files, one concern each (tools/qpuctl/qpuctl.h),
# on the qpu_nl client above. parse.c, json.c and cgroup.c have no libnl
# in them: qpuctl_test (host) links them alone, with libqpu.a (cgroup.c
# finds the cgroup2 mount with qpu_cgroup2_mount()).
QPUCTL_SRCS := $(wildcard tools/qpuctl/*.c)
QPUCTL_HDRS := $(wildcard tools/qpuctl/*.h) tools/lib/parse_err.h
QPUCTL_TESTED := tools/qpuctl/parse.c tools/qpuctl/json.c tools/qpuctl/cgroup.c
TOOLS += $(BUILD)/bin/qpuctl
TOOLS_STATIC += $(BUILD)/vm-bin/qpuctl

# qpu-bench is a directory too (tools/qpu-bench/bench.h); --tenants sets
# tenant weights through the qpu_nl client.
QPUBENCH_SRCS := $(filter-out %.bpf.c,$(wildcard tools/qpu-bench/*.c))
QPUBENCH_HDRS := $(wildcard tools/qpu-bench/*.h)
TOOLS += $(BUILD)/bin/qpu-bench
TOOLS_STATIC += $(BUILD)/vm-bin/qpu-bench

# qpu-monitor is a directory too (tools/qpu-monitor/tool.h): the policy
# qpu_monitor.bpf.c embedded (tools/bpf/embed.S) and attached through
# tools/lib/qpu_policy.c, libbpf dynamic into bin/, static into vm-bin/.
# It shares qpuctl's JSON emitter and cgroup walker. config.c and event.c
# have no libbpf in them: qpu_monitor_test (host) links them alone.
QPUMON_SRCS := $(filter-out %.bpf.c,$(wildcard tools/qpu-monitor/*.c))
QPUMON_HDRS := $(wildcard tools/qpu-monitor/*.h) $(QPUCTL_HDRS)
QPUMON_SHARED := tools/qpuctl/json.c tools/qpuctl/cgroup.c
QPUMON_TESTED := tools/qpu-monitor/config.c tools/qpu-monitor/event.c \
		 tools/qpuctl/json.c
QPUMON_EMBED := $(BUILD)/bpf/qpu_monitor.embed.o
QPUMON_CFLAGS := -Itools/qpu-monitor -Itools/qpuctl -Itools/lib
TOOLS += $(BUILD)/bin/qpu-monitor
TOOLS_STATIC += $(BUILD)/vm-bin/qpu-monitor

# qpu-auditd keeps the audit records (tools/qpu-auditd/auditd.h): the
# qpu_nl client's subscription, qpuctl's JSON emitter, libcrypto's SHA-256
# for the calibration snapshots. qpu_auditd_test (host) links all of it
# but main.c.
QPUAUD_SRCS := $(wildcard tools/qpu-auditd/*.c)
QPUAUD_HDRS := tools/qpu-auditd/auditd.h tools/qpuctl/qpuctl.h $(QPU_NL_HDR)
QPUAUD_SHARED := tools/qpuctl/json.c
QPUAUD_TESTED := $(filter-out %/main.c,$(QPUAUD_SRCS)) $(QPUAUD_SHARED)
QPUAUD_CFLAGS = $(QPU_NL_CFLAGS) -Itools/qpu-auditd -Itools/qpuctl
TOOLS += $(BUILD)/bin/qpu-auditd
TOOLS_STATIC += $(BUILD)/vm-bin/qpu-auditd

HOST_TEST_SRCS := $(wildcard selftests/host/*.c)
HOST_TESTS := $(patsubst selftests/host/%.c,$(BUILD)/host-tests/%,$(HOST_TEST_SRCS))
# Host tests of the scripts (the harness itself), in sh.
HOST_TEST_SH := $(wildcard selftests/host/*.sh)
HOST_TESTS += $(patsubst selftests/host/%.sh,$(BUILD)/host-tests/%,$(HOST_TEST_SH))

VM_TEST_SRCS := $(wildcard selftests/vm/*.c)
VM_TESTS := $(patsubst selftests/vm/%.c,$(BUILD)/vm-tests/%,$(VM_TEST_SRCS))

# The in-VM fuzzer (on the guest's PATH; fuzz_test and `make fuzz` run it).
FUZZ := $(BUILD)/vm-bin/qpu-fuzz
# `make fuzz`: a long campaign in the VM (see Documentation/qpu/fuzzing.rst).
SEED ?= 1
CALLS ?= 200000
THREADS ?= 4
CLASSES ?= all
FUZZ_TIMEOUT ?= 7200

# Host benchmarks of the portable core: print figures, never pass/fail.
BENCH_SRCS := $(wildcard bench/*.c)
BENCHES := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))

EXAMPLE_SRCS := $(wildcard examples/*.c)
EXAMPLES_STATIC := $(patsubst examples/%.c,$(BUILD)/vm-bin/%,$(EXAMPLE_SRCS))

HDRS := uapi/linux/qpu.h uapi/linux/qpu_bpf.h $(wildcard libqpu/include/*.h libqpu/*.h \
	kmod/core/*.h selftests/*.h selftests/host/*.h selftests/vm/*.h)

.PHONY: all module lib tools tests host-tests vm-tests deps check run \
	vm-shell clean help module-check benches bench bench-tenants bench-monitor \
	bench-multiprogram fuzz debug-kernel \
	debug-module check-debug
.DEFAULT_GOAL := all
# Keep intermediate objects (the host build of the core) between links.
.SECONDARY:

all: module lib tools tests benches

help:
	@echo "make deps        install build/test dependencies (Debian 12/13)"
	@echo "make             module, libqpu, tools, tests"
	@echo "make check       host unit tests, then the VM selftests"
	@echo "                 (T=prog or T=prog:test runs one file or test)"
	@echo "make run         boot the VM and show the device working"
	@echo "make vm-shell    boot the VM with a shell"
	@echo "make bench       qpu-bench in the VM (table and CSV)"
	@echo "make bench-monitor  qpu-bench --monitor in the VM (the monitoring"
	@echo "                 hook's cost per load and per io_uring job)"
	@echo "make bench-tenants  qpu-bench --tenants in the VM (shares, waits,"
	@echo "                 submit and pick cost)"
	@echo "make bench-multiprogram  qpu-bench --multiprogram in the VM (waits,"
	@echo "                 throughput, fidelity: exclusive vs multiprogrammed)"
	@echo "make fuzz        hostile-input campaign in the VM"
	@echo "                 (SEED=1 CALLS=200000 THREADS=4 CLASSES=all)"
	@echo "make module-check  W=1 and sparse (C=1) builds of the module"
	@echo "make debug-kernel  build a lockdep+KASAN guest kernel from Debian's"
	@echo "                 linux-source-6.12 (slow, cached in build/debug-kernel)"
	@echo "make check-debug the VM selftests on that kernel (slow; not in CI;"
	@echo "                 T= as for check)"
	@echo "KDIR=...         kernel build tree (default: $(KDIR))"

deps:
	sh scripts/deps.sh $(BUILD)/kernel

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# Warning-free under W=1 and sparse; used by CI.
module-check:
	@mkdir -p $(BUILD)
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 C=1 modules >$(BUILD)/module-check.log 2>&1; \
		rc=$$?; cat $(BUILD)/module-check.log; \
		[ $$rc -eq 0 ] && ! grep -iE "warning:|error:" $(BUILD)/module-check.log

$(BUILD)/core/%.o: kmod/core/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ikmod/core -c -o $@ $<

# The core objects inside libqpu.so: hidden, like every internal symbol.
$(BUILD)/core/%.pic.o: kmod/core/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ikmod/core -fPIC -fvisibility=hidden -c -o $@ $<

$(BUILD)/libqpu/%.o: libqpu/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ikmod/core -c -o $@ $<

$(BUILD)/libqpu/%.pic.o: libqpu/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ikmod/core -fPIC -fvisibility=hidden -DQPU_BUILDING_SO \
		-c -o $@ $<

$(LIB_A): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIB_SO): $(LIB_PIC_OBJS) $(LIB_MAP)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,$(LIB_SONAME) -Wl,--version-script=$(LIB_MAP) \
		-o $@ $(LIB_PIC_OBJS) $(LDLIBS_USER)
	ln -sf $(LIB_SONAME) $(BUILD)/lib/libqpu.so

$(BUILD)/lib/libqpu.pc: libqpu/libqpu.pc.in
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(or $(PREFIX),/usr/local)|' $< > $@

lib: $(LIB_A) $(LIB_SO) $(BUILD)/lib/libqpu.pc

# Tools may use the portable core directly (qpu-bench's in-process run).
# The core objects come first: libqpu.a holds some of them too, and an
# archive member is only pulled for a symbol still undefined.
$(BUILD)/bin/%: tools/%.c $(LIB_A) $(CORE_HOST_OBJS) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ikmod/core -o $@ $< $(CORE_HOST_OBJS) $(LIB_A) $(LDLIBS_USER)

$(BUILD)/vm-bin/%: tools/%.c $(LIB_A) $(CORE_HOST_OBJS) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ikmod/core -o $@ $< $(CORE_HOST_OBJS) $(LIB_A) \
		$(LDLIBS_STATIC)

# qpu-run reads audit records (--replay) with tools/lib/audit_record.c.
AUDIT_RECORD_SRC := tools/lib/audit_record.c
AUDIT_RECORD_DEPS := $(AUDIT_RECORD_SRC) tools/lib/audit_record.h \
		     tools/lib/parse_err.h

$(BUILD)/bin/qpu-run: tools/qpu-run.c $(AUDIT_RECORD_DEPS) $(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(JSON_CFLAGS) -Itools/lib -o $@ $< $(AUDIT_RECORD_SRC) \
		$(LIB_A) $(JSON_LIBS) $(LDLIBS_USER)

$(BUILD)/vm-bin/qpu-run: tools/qpu-run.c $(AUDIT_RECORD_DEPS) $(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(JSON_CFLAGS) -Itools/lib -o $@ $< $(AUDIT_RECORD_SRC) \
		$(LIB_A) $(JSON_LIBS_STATIC) $(LDLIBS_STATIC)

$(QPU_NL_OBJ): $(QPU_NL_SRC) $(QPU_NL_HDR) uapi/linux/qpu.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QPU_NL_CFLAGS) -c -o $@ $<

$(BUILD)/bin/qpuctl: $(QPUCTL_SRCS) $(QPUCTL_HDRS) $(QPU_NL_OBJ) $(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QPU_NL_CFLAGS) -o $@ $(QPUCTL_SRCS) $(QPU_NL_OBJ) \
		$(LIB_A) $(NL_LIBS) $(LDLIBS_USER)

$(BUILD)/vm-bin/qpuctl: $(QPUCTL_SRCS) $(QPUCTL_HDRS) $(QPU_NL_OBJ) $(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QPU_NL_CFLAGS) -o $@ $(QPUCTL_SRCS) $(QPU_NL_OBJ) \
		$(LIB_A) $(NL_LIBS_STATIC) $(LDLIBS_STATIC)

# --monitor attaches policies: the empty one and qpu-monitor's.
QPUBENCH_BPF := $(BUILD)/bpf/empty.embed.o $(BUILD)/bpf/qpu_monitor.embed.o
QPUBENCH_DEPS := $(QPUBENCH_SRCS) $(QPUBENCH_HDRS) $(QPU_NL_OBJ) \
		 $(QPU_POLICY_OBJ) $(QPUBENCH_BPF) $(LIB_A) $(CORE_HOST_OBJS) \
		 $(HDRS) tools/qpu-monitor/monitor.h
QPUBENCH_CFLAGS = $(CFLAGS) $(QPU_NL_CFLAGS) -Itools/qpu-monitor -Ikmod/core
QPUBENCH_OBJS = $(QPUBENCH_SRCS) $(QPU_NL_OBJ) $(QPU_POLICY_OBJ) \
		$(QPUBENCH_BPF) $(CORE_HOST_OBJS) $(LIB_A)

$(BUILD)/bin/qpu-bench: $(QPUBENCH_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(QPUBENCH_CFLAGS) -o $@ $(QPUBENCH_OBJS) $(NL_LIBS) $(BPF_LIBS) \
		$(LDLIBS_USER)

$(BUILD)/vm-bin/qpu-bench: $(QPUBENCH_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(QPUBENCH_CFLAGS) -o $@ $(QPUBENCH_OBJS) \
		$(NL_LIBS_STATIC) $(BPF_LIBS_STATIC) $(LDLIBS_STATIC)

$(BUILD)/bpf/%.bpf.o: tools/qpu-bench/%.bpf.c $(BPF_HDRS)
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -c -o $@ $<

$(BUILD)/bin/qpu-monitor: $(QPUMON_SRCS) $(QPUMON_HDRS) $(QPUMON_SHARED) \
		$(QPUMON_EMBED) $(QPU_POLICY_OBJ) $(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QPUMON_CFLAGS) -o $@ $(QPUMON_SRCS) $(QPUMON_SHARED) \
		$(QPUMON_EMBED) $(QPU_POLICY_OBJ) $(LIB_A) $(BPF_LIBS) \
		$(LDLIBS_USER)

$(BUILD)/vm-bin/qpu-monitor: $(QPUMON_SRCS) $(QPUMON_HDRS) $(QPUMON_SHARED) \
		$(QPUMON_EMBED) $(QPU_POLICY_OBJ) $(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QPUMON_CFLAGS) -o $@ $(QPUMON_SRCS) $(QPUMON_SHARED) \
		$(QPUMON_EMBED) $(QPU_POLICY_OBJ) $(LIB_A) $(BPF_LIBS_STATIC) \
		$(LDLIBS_STATIC)

$(BUILD)/bin/qpu-auditd: $(QPUAUD_SRCS) $(QPUAUD_HDRS) $(QPUAUD_SHARED) \
		$(QPU_NL_OBJ) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QPUAUD_CFLAGS) -o $@ $(QPUAUD_SRCS) $(QPUAUD_SHARED) \
		$(QPU_NL_OBJ) $(NL_LIBS) $(CRYPTO_LIBS)

$(BUILD)/vm-bin/qpu-auditd: $(QPUAUD_SRCS) $(QPUAUD_HDRS) $(QPUAUD_SHARED) \
		$(QPU_NL_OBJ) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QPUAUD_CFLAGS) -o $@ $(QPUAUD_SRCS) $(QPUAUD_SHARED) \
		$(QPU_NL_OBJ) -static $(NL_LIBS_STATIC) $(CRYPTO_LIBS_STATIC)

$(BUILD)/vm-bin/%: examples/%.c $(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB_A) $(LDLIBS_STATIC)

tools: $(TOOLS) $(TOOLS_STATIC) $(EXAMPLES_STATIC)

# -Ilibqpu: tests of libqpu's internal functions (refusal_format_test).
$(BUILD)/host-tests/%: selftests/host/%.c $(CORE_HOST_OBJS) $(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ikmod/core -Ilibqpu -Iselftests -o $@ $< \
		$(CORE_HOST_OBJS) $(LIB_A) $(LDLIBS_USER)

$(BUILD)/host-tests/qpuctl_test: selftests/host/qpuctl_test.c $(QPUCTL_TESTED) \
		$(QPUCTL_HDRS) $(QPU_NL_HDR) $(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itools/qpuctl -Itools/lib -Iselftests -o $@ $< \
		$(QPUCTL_TESTED) $(LIB_A) $(LDLIBS_USER)

$(BUILD)/host-tests/qpu_monitor_test: selftests/host/qpu_monitor_test.c \
		$(QPUMON_TESTED) $(QPUMON_HDRS) $(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QPUMON_CFLAGS) -Iselftests -o $@ $< \
		$(QPUMON_TESTED) $(LIB_A) $(LDLIBS_USER)

$(BUILD)/host-tests/qpu_auditd_test: selftests/host/qpu_auditd_test.c \
		$(QPUAUD_TESTED) $(QPUAUD_HDRS) $(QPU_NL_OBJ) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QPUAUD_CFLAGS) -Iselftests -o $@ $< \
		$(QPUAUD_TESTED) $(QPU_NL_OBJ) $(NL_LIBS) $(CRYPTO_LIBS) \
		$(JSON_LIBS)

$(BUILD)/host-tests/replay_test: selftests/host/replay_test.c $(AUDIT_RECORD_DEPS) \
		$(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(JSON_CFLAGS) -Ilibqpu -Itools/lib -Iselftests -o $@ $< \
		$(AUDIT_RECORD_SRC) $(LIB_A) $(JSON_LIBS) $(LDLIBS_USER)

$(BUILD)/host-tests/%: selftests/host/%.sh
	@mkdir -p $(dir $@)
	install -m 755 $< $@

$(BUILD)/bpf/%.bpf.o: selftests/vm/bpf/%.bpf.c $(BPF_HDRS) \
		$(wildcard selftests/vm/bpf/*.h)
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -Iselftests/vm/bpf -c -o $@ $<

$(BUILD)/bpf/%.bpf.o: tools/qpu-monitor/%.bpf.c $(BPF_HDRS) \
		$(wildcard tools/qpu-monitor/*.h)
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -Itools/qpu-monitor -c -o $@ $<

# name.bpf.o -> name_bpf[] and name_bpf_end[] in the loading program
$(BUILD)/bpf/%.embed.o: $(BUILD)/bpf/%.bpf.o tools/bpf/embed.S
	$(CC) -c -DBPF_OBJ='"$<"' -DBPF_SYM=$(subst -,_,$*)_bpf -o $@ \
		tools/bpf/embed.S

$(QPU_POLICY_OBJ): $(QPU_POLICY_SRC) $(QPU_POLICY_HDR) uapi/linux/qpu_bpf.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itools/lib -c -o $@ $<

# VM tests of the monitoring hook: libbpf (static), their policies, and
# the qpu_nl client (tenant usage and limits).
# Each test names the policies it embeds as prerequisites of its own
# (below); the rule links every embedded object it is given. Naming them
# explicitly also makes make pick this rule over the generic one on a
# fresh tree (an unnamed .embed.o would only be found by chaining).
$(BUILD)/vm-tests/policy_test: $(BUILD)/bpf/policy_probe.embed.o \
		$(BUILD)/bpf/policy_legacy.embed.o \
		$(BUILD)/bpf/policy_done_only.embed.o \
		$(BUILD)/bpf/policy_forge.embed.o

$(BUILD)/vm-tests/policy_%: selftests/vm/policy_%.c $(QPU_POLICY_OBJ) \
		$(QPU_NL_OBJ) $(QPU_NL_HDR) $(wildcard selftests/vm/bpf/*.h) \
		$(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QPU_NL_CFLAGS) -Iselftests -o $@ $< \
		$(filter %.embed.o,$^) $(QPU_POLICY_OBJ) $(QPU_NL_OBJ) $(LIB_A) \
		$(BPF_LIBS_STATIC) $(NL_LIBS_STATIC) $(LDLIBS_STATIC)

# monitor_rules_test: the rules of qpu-monitor's policy, embedded as
# qpu_monitor_bpf[] (tools/qpu-monitor/qpu_monitor.bpf.c).
# It names rules as the tool does (tools/qpu-monitor/config.c).
$(BUILD)/vm-tests/monitor_rules_test: selftests/vm/monitor_rules_test.c \
		$(QPU_POLICY_OBJ) $(BUILD)/bpf/qpu_monitor.embed.o \
		tools/qpu-monitor/config.c tools/qpu-monitor/tool.h \
		tools/qpu-monitor/monitor.h $(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itools/lib -Itools/qpu-monitor -Iselftests -o $@ $< \
		tools/qpu-monitor/config.c \
		$(BUILD)/bpf/qpu_monitor.embed.o $(QPU_POLICY_OBJ) $(LIB_A) \
		$(BPF_LIBS_STATIC) $(LDLIBS_STATIC)

$(BUILD)/vm-tests/%: selftests/vm/%.c $(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(NL_CFLAGS) -Iselftests -o $@ $< $(LIB_A) \
		$(NL_LIBS_STATIC) $(LDLIBS_STATIC)

# The tenant tests (tenant_*_test) also speak the "qpu" generic netlink
# family, through the qpu_nl client (static).
$(BUILD)/vm-tests/tenant_%: selftests/vm/tenant_%.c $(QPU_NL_OBJ) $(QPU_NL_HDR) \
		$(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QPU_NL_CFLAGS) -Iselftests -o $@ $< $(QPU_NL_OBJ) \
		$(LIB_A) $(NL_LIBS_STATIC) $(LDLIBS_STATIC)

# noise_test: the audit stream (nl_util.h) and tenant limits (qpu_nl).
$(BUILD)/vm-tests/noise_test: selftests/vm/noise_test.c $(QPU_NL_OBJ) \
		$(QPU_NL_HDR) $(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QPU_NL_CFLAGS) -Iselftests -o $@ $< $(QPU_NL_OBJ) \
		$(LIB_A) $(NL_LIBS_STATIC) $(LDLIBS_STATIC)

# auditd_test runs qpu-auditd and reads its lines with json-c; DEV_GET
# through the qpu_nl client (static).
$(BUILD)/vm-tests/auditd_test: selftests/vm/auditd_test.c $(QPU_NL_OBJ) \
		$(QPU_NL_HDR) $(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QPU_NL_CFLAGS) -Iselftests -o $@ $< $(QPU_NL_OBJ) \
		$(LIB_A) $(NL_LIBS_STATIC) $(JSON_LIBS_STATIC) $(LDLIBS_STATIC)

# audit_test: the audit stream, with the qpu_nl client (tenant limits),
# the probe policy (denials and verdicts) and libcrypto's EVP for the
# SHA-256 it recomputes (static, as the VM needs).
$(BUILD)/vm-tests/audit_test: selftests/vm/audit_test.c \
		$(BUILD)/bpf/policy_probe.embed.o $(QPU_POLICY_OBJ) \
		$(QPU_NL_OBJ) $(QPU_NL_HDR) selftests/vm/bpf/policy_probe.h \
		$(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QPU_NL_CFLAGS) -Iselftests -Iselftests/vm -o $@ $< \
		$(BUILD)/bpf/policy_probe.embed.o $(QPU_POLICY_OBJ) $(QPU_NL_OBJ) \
		$(LIB_A) $(BPF_LIBS_STATIC) $(NL_LIBS_STATIC) \
		$(CRYPTO_LIBS_STATIC) $(LDLIBS_STATIC)

# audit_load_test reads qpu-auditd's log with json-c (static).
$(BUILD)/vm-tests/audit_load_test: selftests/vm/audit_load_test.c $(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iselftests -o $@ $< $(LIB_A) $(JSON_LIBS_STATIC) \
		$(LDLIBS_STATIC)

# uAPI compatibility (selftests/compat/): compat_test is a program of the
# v0 ABI, built against the frozen header only (no -Iuapi, no libqpu);
# abi_compat_test compares abi_layout.c built against both headers.
COMPAT_CFLAGS = $(filter-out -Iuapi -Ilibqpu/include,$(CFLAGS))
COMPAT_V0 := selftests/compat/v0

$(BUILD)/vm-tests/compat_test: selftests/vm/compat_test.c \
		$(COMPAT_V0)/linux/qpu.h selftests/qpu_test.h
	@mkdir -p $(dir $@)
	$(CC) $(COMPAT_CFLAGS) -I$(COMPAT_V0) -Iselftests -o $@ $< $(LDLIBS_STATIC)

$(BUILD)/host-tests/abi_compat_test: selftests/host/abi_compat_test.c \
		selftests/compat/abi_layout.c selftests/compat/abi_layout.h \
		$(COMPAT_V0)/linux/qpu.h uapi/linux/qpu.h selftests/qpu_test.h
	@mkdir -p $(dir $@)
	$(CC) $(COMPAT_CFLAGS) -I$(COMPAT_V0) -DABI_V0 -c -o $@-v0.o \
		selftests/compat/abi_layout.c
	$(CC) $(COMPAT_CFLAGS) -Iuapi -c -o $@-cur.o selftests/compat/abi_layout.c
	$(CC) $(COMPAT_CFLAGS) -Iselftests -Iselftests/compat -o $@ $< \
		$@-v0.o $@-cur.o
	rm -f $@-v0.o $@-cur.o

# qpu-fuzz embeds the probe policy for its bpf class.
$(FUZZ): selftests/vm/fuzz/qpu-fuzz.c $(BUILD)/bpf/policy_probe.embed.o \
		$(QPU_POLICY_OBJ) selftests/vm/bpf/policy_probe.h $(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(NL_CFLAGS) -Itools/lib -o $@ $< \
		$(BUILD)/bpf/policy_probe.embed.o $(QPU_POLICY_OBJ) $(LIB_A) \
		$(BPF_LIBS_STATIC) $(NL_LIBS_STATIC) $(LDLIBS_STATIC)

$(BUILD)/bench/%: bench/%.c $(CORE_HOST_OBJS) $(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O3 -Ikmod/core -o $@ $< $(CORE_HOST_OBJS) $(LIB_A) \
		$(LDLIBS_USER)

benches: $(BENCHES)

host-tests: $(HOST_TESTS)
vm-tests: $(VM_TESTS) $(FUZZ)
tests: host-tests vm-tests

# The test command: host unit tests, then the VM selftests.
# T=prog or T=prog:test limits the VM run to one file or one test.
check: all
	sh scripts/check.sh $(if $(T),--only "$(T)")

# The main job: boot the VM, load the module, show it working.
run: all
	sh scripts/vm/run.sh --script scripts/vm/demo.sh

vm-shell: all
	sh scripts/vm/run.sh --shell

# A long fuzzing campaign in the VM; the guest script reads its settings
# from the kernel command line.
fuzz: all
	VM_APPEND="qpufuzz.seed=$(SEED) qpufuzz.calls=$(CALLS) \
		qpufuzz.threads=$(THREADS) qpufuzz.classes=$(CLASSES)" \
		sh scripts/vm/run.sh --script scripts/vm/fuzz.sh \
		--timeout $(FUZZ_TIMEOUT) --prog-timeout $(FUZZ_TIMEOUT) \
		--log $(BUILD)/vm/fuzz.log

# Benchmarks: qpu-bench in the VM (figures, never pass/fail).
bench: all
	sh scripts/vm/run.sh --script scripts/vm/bench.sh

# The monitoring hook's cost: qpu-bench --monitor in the VM.
bench-monitor: all
	sh scripts/vm/run.sh --script scripts/vm/bench-monitor.sh

# Sharing between tenants: qpu-bench --tenants in the VM.
bench-tenants: all
	sh scripts/vm/run.sh --script scripts/vm/bench-tenants.sh \
		--timeout 3600 --prog-timeout 3600

# What multiprogramming buys: qpu-bench --multiprogram in the VM.
bench-multiprogram: all
	sh scripts/vm/run.sh --script scripts/vm/bench-multiprogram.sh \
		--timeout 3600 --prog-timeout 3600

# A debug guest kernel (lockdep, KASAN, atomic-sleep, hung-task checks)
# built from Debian's linux-source-6.12, and qpu.ko for it; see
# scripts/debug-kernel.sh. Slow (a niced kernel build, then a guest that
# runs several times slower), so not part of `make check` or CI.
# Measured on 2 shared cores: kernel build 1432 s (niced, -j2), the VM
# suite on it 287 s under TCG; the timeouts leave room for a loaded host.
DEBUG_KDIR := $(BUILD)/debug-kernel
DEBUG_VM_TIMEOUT ?= 3600
DEBUG_PROG_TIMEOUT ?= 1200

debug-kernel:
	sh scripts/debug-kernel.sh kernel

debug-module: debug-kernel
	sh scripts/debug-kernel.sh module

check-debug: lib tools vm-tests debug-module
	KERNEL=$(DEBUG_KDIR)/bzImage QPU_KO=$(DEBUG_KDIR)/qpu.ko \
	VM_MEM=$${VM_MEM:-2G} sh scripts/vm/run.sh --check \
		--timeout $(DEBUG_VM_TIMEOUT) --prog-timeout $(DEBUG_PROG_TIMEOUT) \
		--log $(BUILD)/vm/last-debug.log $(if $(T),--only "$(T)")

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	rm -rf $(BUILD)/core $(BUILD)/libqpu $(BUILD)/lib $(BUILD)/bin \
		$(BUILD)/vm-bin $(BUILD)/host-tests $(BUILD)/vm-tests $(BUILD)/tools-lib $(BUILD)/vm $(BUILD)/bench

# ---- Host fuzzers ---------------------------------------------------------
# libFuzzer targets of the OpenQASM parser, the circuit validator, the
# calibration parser and the simulator, with ASan and UBSan (clang), in
# $(BUILD)/fuzz-host/; `make fuzz-host` builds and runs each for FUZZ_RUNS
# executions (scripts/fuzz-host.sh; FUZZ_TARGETS="qasm sim" for some),
# failing on any crash, leak, sanitizer report or broken property. Each target's seed corpus is also replayed by
# a gcc-built program in `make check` (build/host-tests/fuzz_NAME).
# See Documentation/qpu/fuzzing.rst, "Host fuzzers".
FUZZ_CC ?= clang
FUZZ_RUNS ?= 200000
FUZZ_DIR := $(BUILD)/fuzz-host
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -g -O1 -Wall -Wextra $(WERROR) -std=gnu11 -D_GNU_SOURCE \
	-Iuapi -Ilibqpu/include -Ilibqpu -Ikmod/core -Iselftests/fuzz
FUZZ_NAMES := $(patsubst selftests/fuzz/%_fuzz.c,%,$(wildcard selftests/fuzz/*_fuzz.c))
FUZZ_BINS := $(patsubst %,$(FUZZ_DIR)/%_fuzz,$(FUZZ_NAMES))
FUZZ_OBJS := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(CORE_SRCS) $(LIB_SRCS))
FUZZ_REPLAYS := $(patsubst %,$(BUILD)/host-tests/fuzz_%,$(FUZZ_NAMES))

.PHONY: fuzz-host fuzz-host-build fuzz-seeds
fuzz-host-build: $(FUZZ_BINS)
fuzz-host: fuzz-host-build
	FUZZ_RUNS=$(FUZZ_RUNS) sh scripts/fuzz-host.sh $(FUZZ_DIR) \
		$(or $(FUZZ_TARGETS),$(FUZZ_NAMES))

# Rewrite the hand-made binary seeds (committed) from selftests/fuzz/mkseeds.c.
fuzz-seeds: $(FUZZ_DIR)/mkseeds
	$(FUZZ_DIR)/mkseeds selftests/fuzz/corpus

$(FUZZ_DIR)/mkseeds: selftests/fuzz/mkseeds.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ikmod/core -o $@ $<

# Code under test: coverage instrumentation, no libFuzzer main().
$(FUZZ_DIR)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c -o $@ $<

$(FUZZ_DIR)/%_fuzz: selftests/fuzz/%_fuzz.c selftests/fuzz/fuzz.h $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< \
		$(FUZZ_OBJS) $(LDLIBS_USER)

# The seed corpus replay: the same target with replay.c's main(), gcc.
host-tests: $(FUZZ_REPLAYS)
$(BUILD)/host-tests/fuzz_%: selftests/fuzz/%_fuzz.c selftests/fuzz/replay.c \
		selftests/fuzz/fuzz.h $(CORE_HOST_OBJS) $(LIB_A) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ikmod/core -Ilibqpu -Iselftests/fuzz \
		-DFUZZ_CORPUS='"selftests/fuzz/corpus/$*"' -o $@ $< \
		selftests/fuzz/replay.c $(CORE_HOST_OBJS) $(LIB_A) $(LDLIBS_USER)

.PHONY: fuzz-host-clean
clean: fuzz-host-clean
fuzz-host-clean:
	rm -rf $(FUZZ_DIR)
