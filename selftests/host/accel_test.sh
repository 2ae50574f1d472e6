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

n=0
nfail=0
only=${1:-}
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

fail() {
	echo "# $cur: $*"
	echo "# output: $out"
	ok=0
}

expect_accel() {
	[ "$accel" = "$1" ] || fail "accel '$accel', expected '$1'"
}

expect_why() {
	case $why in
	*"$1"*) ;;
	*) fail "reason '$why' lacks '$1'" ;;
	esac
}

t_no_kvm_dev() {
	KVM_DEV_T=$work/absent run_accel works
	expect_accel tcg,thread=single
	expect_why "no $work/absent"
	[ "$(calls)" = 0 ] || fail "qemu was started without /dev/kvm"
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
	[ "$took" -lt 30 ] || fail "took ${took}s: waited for the timeout"
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
	[ "$(calls)" = "$c" ] || fail "probed again despite the cache"
}

t_new_kernel_probes_again() {
	run_accel works
	c=$(calls)
	# A different image (size and time change): the old verdict is stale.
	echo "another kernel" >"$work/vmlinuz"
	touch -d '2001-01-01' "$work/vmlinuz"
	run_accel msr
	expect_accel tcg,thread=single
	[ "$(calls)" -gt "$c" ] || fail "the cache survived a new kernel"
}

t_forget() {
	run_accel works
	c=$(calls)
	run_accel msr --forget
	expect_accel tcg,thread=single
	[ "$(calls)" -gt "$c" ] || fail "--forget did not probe again"
}

if [ -n "$only" ]; then
	case " $(echo $cases) " in
	*" $only "*) cases=$only ;;
	*) echo "accel_test: no test named '$only'" >&2; exit 2 ;;
	esac
fi
total=$(echo $cases | wc -w)
echo "TAP version 13"
echo "1..$total"
for cur in $cases; do
	n=$((n + 1))
	rm -f "$work/cache" "$work/calls"
	ok=1
	"t_$cur"
	if [ "$ok" = 1 ]; then
		echo "ok $n $cur"
	else
		echo "not ok $n $cur"
		nfail=$((nfail + 1))
	fi
done
[ "$nfail" -eq 0 ]
