#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test of scripts/vm/accel.sh, the harness's choice between KVM and
# TCG, against a fake QEMU that behaves as the machines we have met do: a
# KVM that works, one where QEMU aborts on an MSR, one whose guest hangs on
# an emulation failure, one that never boots, and no /dev/kvm at all. Also
# checks that the verdict is cached and that the cache is dropped when the
# kernel image changes or on --forget. TAP output, as the C tests print.
#
# Usage: accel_test [TEST]   (run from anywhere; finds the tree by itself)
set -u

# The tree: this file is selftests/host/accel_test.sh or its copy in
# build/host-tests/, two levels down either way (QPU_TOP overrides).
top=${QPU_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
accel_sh=$top/scripts/vm/accel.sh
[ -f "$accel_sh" ] || { echo "accel_test: no $accel_sh" >&2; exit 2; }
. "$top/selftests/tap.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/accel_test.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The fake QEMU: counts its calls, then acts as FAKE_MODE says, writing
# the "console" where -serial file:PATH points.
mkdir -p "$work/bin"
cat >"$work/bin/qemu-system-x86_64" <<'EOF'
#!/bin/sh
echo x >>"$FAKE_CALLS"
console=/dev/null
while [ "$#" -gt 0 ]; do
	case $1 in
	-serial) console=${2#file:}; shift ;;
	esac
	shift
done
case $FAKE_MODE in
works)
	echo "Linux version 6.12" >"$console"
	echo "qpu-kvm-probe-reached-init" >>"$console"
	exit 0 ;;
msr)
	echo "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69" >&2
	echo "kvm.c:3183: kvm_buf_set_msrs: Assertion failed." >&2
	exit 134 ;;
emulation)
	echo "KVM internal error. Suberror: 1" >&2
	echo "emulation failure" >&2
	exec sleep 600 ;;
silent)
	exec sleep 600 ;;
esac
exit 1
EOF
chmod 755 "$work/bin/qemu-system-x86_64"
echo kernel >"$work/vmlinuz"
: >"$work/kvm"

cases="no_kvm_dev kvm_works msr_abort emulation_failure_no_wait \
	boot_timeout cached_verdict new_kernel_probes_again forget"

# run_accel MODE [ARGS]: run accel.sh with the fake; sets out, accel, why.
run_accel() {
	mode=$1
	shift
	out=$(FAKE_MODE=$mode FAKE_CALLS=$work/calls KERNEL=$work/vmlinuz \
		QEMU=$work/bin/qemu-system-x86_64 KVM_DEV=${KVM_DEV_T:-$work/kvm} \
		VM_ACCEL_CACHE=$work/cache VM_PROBE_TIMEOUT=${TMO:-20} \
		sh "$accel_sh" "$@" 2>&1)
	accel=$(printf '%s\n' "$out" | sed -n 1p)
	why=$(printf '%s\n' "$out" | sed -n 2p)
}

calls() {
	if [ -f "$work/calls" ]; then wc -l <"$work/calls" | tr -d ' '; else echo 0; fi
}

# A failed check also shows what accel.sh printed.
fail_out() {
	fail "$*"
	echo "# output: $out"
}

expect_accel() {
	[ "$accel" = "$1" ] || fail_out "accel '$accel', expected '$1'"
}

expect_why() {
	case $why in
	*"$1"*) ;;
	*) fail_out "reason '$why' lacks '$1'" ;;
	esac
}

t_no_kvm_dev() {
	KVM_DEV_T=$work/absent run_accel works
	expect_accel tcg,thread=single
	expect_why "no $work/absent"
	[ "$(calls)" = 0 ] || fail_out "qemu was started without /dev/kvm"
}

t_kvm_works() {
	run_accel works
	expect_accel kvm
	expect_why "booted"
}

t_msr_abort() {
	run_accel msr
	expect_accel tcg,thread=single
	expect_why "failed to set MSR"
}

t_emulation_failure_no_wait() {
	start=$(date +%s)
	TMO=60 run_accel emulation
	took=$(($(date +%s) - start))
	expect_accel tcg,thread=single
	expect_why "KVM internal error"
	# A hung guest is recognised from its console, not by the timeout.
	[ "$took" -lt 30 ] || fail_out "took ${took}s: waited for the timeout"
}

t_boot_timeout() {
	TMO=1 run_accel silent
	expect_accel tcg,thread=single
	expect_why "did not reach init"
}

t_cached_verdict() {
	run_accel works
	c=$(calls)
	run_accel msr
	expect_accel kvm
	expect_why "(cached)"
	[ "$(calls)" = "$c" ] || fail_out "probed again despite the cache"
}

t_new_kernel_probes_again() {
	run_accel works
	c=$(calls)
	# A different image (size and time change): the old verdict is stale.
	echo "another kernel" >"$work/vmlinuz"
	touch -d '2001-01-01' "$work/vmlinuz"
	run_accel msr
	expect_accel tcg,thread=single
	[ "$(calls)" -gt "$c" ] || fail_out "the cache survived a new kernel"
}

t_forget() {
	run_accel works
	c=$(calls)
	run_accel msr --forget
	expect_accel tcg,thread=single
	[ "$(calls)" -gt "$c" ] || fail_out "--forget did not probe again"
}

# Each test starts with no verdict and no calls counted.
tap_setup() {
	rm -f "$work/cache" "$work/calls"
}

tap_main "$cases" "$@"
