#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Choose the QEMU accelerator for the test VM and say why. KVM is used when
# it really works; a /dev/kvm that exists is not enough (nested
# virtualisation: QEMU aborts on "failed to set MSR", or the guest dies on
# "KVM internal error ... emulation failure"). So the first run boots the
# test kernel once under KVM with a tiny initramfs and keeps the verdict in
# the build tree; later runs read it. Falls back to single-threaded TCG.
#
# Usage: scripts/vm/accel.sh [--forget]
#   prints two lines: the -accel value, then the reason
#   --forget   drop the cached verdict first (run.sh does this when a KVM
#              that passed the probe fails a real run)
#
# Environment: KERNEL (build/kernel/vmlinuz), QEMU (qemu-system-x86_64),
# BUSYBOX (/bin/busybox), KVM_DEV (/dev/kvm), VM_ACCEL_CACHE
# (build/vm/accel), VM_PROBE_TIMEOUT (60 s).
#
# The cache is valid for one kernel image, one QEMU and one boot of the
# host: a reboot, a new QEMU or a new kernel image probes again.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=${KERNEL:-$top/build/kernel/vmlinuz}
qemu=${QEMU:-qemu-system-x86_64}
busybox=${BUSYBOX:-/bin/busybox}
kvm_dev=${KVM_DEV:-/dev/kvm}
cache=${VM_ACCEL_CACHE:-$top/build/vm/accel}
probe_timeout=${VM_PROBE_TIMEOUT:-60}
tcg=tcg,thread=single

[ "${1:-}" != --forget ] || rm -f "$cache"

# What the verdict depends on, as one line.
cache_key() {
	kstat=$(stat -L -c '%s %Y' "$kernel" 2>/dev/null || echo none)
	qpath=$(command -v "$qemu" 2>/dev/null || echo none)
	qstat=$(stat -L -c '%s %Y' "$qpath" 2>/dev/null || echo none)
	boot=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo none)
	printf '%s|%s|%s|%s|%s\n' "$kernel" "$kstat" "$qpath" "$qstat" "$boot"
}

answer() {
	printf '%s\n%s\n' "$1" "$2"
	exit 0
}

if [ ! -e "$kvm_dev" ]; then
	answer "$tcg" "no $kvm_dev"
fi
if [ ! -r "$kvm_dev" ] || [ ! -w "$kvm_dev" ]; then
	answer "$tcg" "$kvm_dev is not readable and writable by $(id -un)"
fi

key=$(cache_key)
if [ -f "$cache" ] && [ "$(sed -n 1p "$cache")" = "$key" ]; then
	answer "$(sed -n 2p "$cache")" "$(sed -n 3p "$cache") (cached)"
fi

# --- the probe ---------------------------------------------------------

[ -f "$kernel" ] || { echo "accel.sh: no kernel image at $kernel" >&2; exit 2; }
[ -x "$busybox" ] || { echo "accel.sh: no busybox at $busybox" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/qpu-kvm-probe.XXXXXX")
qpid=
cleanup() {
	[ -z "$qpid" ] || kill -KILL "$qpid" 2>/dev/null || :
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# An initramfs whose init only says it got there and powers off: that
# proves the kernel booted to userspace under KVM.
marker=qpu-kvm-probe-reached-init
mkdir -p "$work/root/bin" "$work/root/dev"
cp "$busybox" "$work/root/bin/busybox"
cat >"$work/root/init" <<EOF
#!/bin/busybox sh
/bin/busybox echo $marker
/bin/busybox poweroff -f
EOF
chmod 755 "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc -R 0:0 --quiet) >"$work/initrd"

log=$work/console
"$qemu" -nodefaults -no-user-config -no-reboot -machine pc -accel kvm \
	-cpu host -smp 1 -m 256M -kernel "$kernel" -initrd "$work/initrd" \
	-append "console=ttyS0 loglevel=3 panic=-1" -display none \
	-serial "file:$log" >"$work/qemu.out" 2>&1 </dev/null &
qpid=$!

# Poll rather than wait for the timeout: a guest that hit an emulation
# failure hangs paused instead of exiting.
verdict=
waited=0
while [ -z "$verdict" ]; do
	if grep -qs "$marker" "$log"; then
		verdict=kvm
	elif grep -qs -e 'KVM internal error' -e 'emulation failure' \
		"$log" "$work/qemu.out"; then
		verdict=broken
	elif ! kill -0 "$qpid" 2>/dev/null; then
		# Exited: look once more, the marker may have come last.
		if grep -qs "$marker" "$log"; then verdict=kvm; else verdict=broken; fi
	elif [ "$waited" -ge $((probe_timeout * 2)) ]; then
		verdict=timeout
	else
		sleep 0.5
		waited=$((waited + 1))
	fi
done
kill -KILL "$qpid" 2>/dev/null || :
wait "$qpid" 2>/dev/null || :
qpid=

case $verdict in
kvm)
	accel=kvm
	reason="KVM probe booted the test kernel"
	;;
timeout)
	accel=$tcg
	reason="KVM probe did not reach init in ${probe_timeout}s"
	;;
*)
	accel=$tcg
	# The first line that says what went wrong.
	why=$(cat "$work/qemu.out" "$log" 2>/dev/null | tr -d '\r' |
		grep -m1 -e 'error' -e 'failure' -e 'Assertion' -e 'failed' |
		cut -c1-160)
	reason="KVM probe failed: ${why:-qemu exited without booting}"
	;;
esac

mkdir -p "$(dirname "$cache")"
printf '%s\n%s\n%s\n' "$key" "$accel" "$reason" >"$cache.tmp"
mv "$cache.tmp" "$cache"
answer "$accel" "$reason"
