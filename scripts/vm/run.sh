#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test VM: build an initramfs (busybox, qpu.ko, the static test
# programs and tools) in build/vm/ and boot it with qemu on the kernel that
# `make deps` unpacked into build/kernel/.
#
# Usage: scripts/vm/run.sh [MODE] [OPTIONS]
#   --check              run the VM selftests (build/vm-tests/*) [default]
#   --script FILE        run the sh script FILE in the guest
#   --shell              interactive shell on the console (quit: exit, or
#                        Ctrl-A X)
#   --hostfs             boot into the host's own root file system (9p,
#                        read-only, with a writable /tmp, /run, /etc and
#                        /var, and this tree shared read-write at its own
#                        path) instead of the initramfs, so that tests and
#                        scripts can run any host program as it is:
#                        dynamically linked tools, Python, ... --check
#                        then runs the programs in selftests/hostfs/
#   --only "LIST"        --check: run only these; words "prog" or
#                        "prog:test" (default: every program)
#   --insmod-args "ARGS" module parameters, e.g. "nr_devices=2"
#   --timeout SECS       host-side limit for the whole boot (default 1500;
#                        --shell: none unless given); qemu is killed after it
#   --prog-timeout SECS  guest-side limit per test program or script
#                        (default 600)
#   --log FILE           where to save the console log
#                        (default build/vm/last.log)
#   --summary FILE       write "PASSED FAILED SKIPPED NTESTS" there (see
#                        scripts/vm/parse.sh); used by scripts/check.sh
#
# Environment: KERNEL (default build/kernel/vmlinuz), VM_MEM (1G), VM_SMP
# (2), VM_ACCEL (default: kvm if scripts/vm/accel.sh finds that KVM really
# boots the kernel, else tcg,thread=single), QEMU
# (qemu-system-x86_64), QPU_KO (./qpu.ko), VM_TESTS_DIR (build/vm-tests),
# VM_BIN_DIR (build/vm-bin), BUSYBOX (/bin/busybox), VM_APPEND (extra
# kernel command line), VM_VERBOSE=1 (show the guest's kernel log live
# rather than only on failure).
#
# In --check and --script modes the log is checked by scripts/vm/parse.sh
# and the exit status is non-zero if anything failed, the guest died or
# the host timeout struck.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/scripts/vm

# Quote a value for sh (the guest's config file, a rerun's arguments).
shq() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# For a rerun under TCG if KVM fails mid-run (see the end).
orig_args=$(for a in "$@"; do shq "$a"; printf ' '; done)

mode=check
hostfs=0
script=
only=
insmod_args=
timeout=
prog_timeout=600
log=
summary=

die() {
	echo "run.sh: $*" >&2
	exit 2
}

# The comment block at the top of this file.
usage() {
	awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"
}

need_arg() {
	[ "$#" -ge 2 ] || die "$1 needs an argument"
}

while [ "$#" -gt 0 ]; do
	case $1 in
	--check) mode=check ;;
	--shell) mode=shell ;;
	--hostfs) hostfs=1 ;;
	--script) need_arg "$@"; mode=script; script=$2; shift ;;
	--only) need_arg "$@"; only=$2; shift ;;
	--insmod-args) need_arg "$@"; insmod_args=$2; shift ;;
	--timeout) need_arg "$@"; timeout=$2; shift ;;
	--prog-timeout) need_arg "$@"; prog_timeout=$2; shift ;;
	--log) need_arg "$@"; log=$2; shift ;;
	--summary) need_arg "$@"; summary=$2; shift ;;
	-h|--help) usage; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
	shift
done

case $timeout in
'')
	timeout=1500
	[ "$mode" != shell ] || timeout=0
	;;
*[!0-9]*) die "--timeout wants seconds" ;;
esac
case $prog_timeout in
''|*[!0-9]*) die "--prog-timeout wants seconds" ;;
esac

build=$top/build/vm
kernel=${KERNEL:-$top/build/kernel/vmlinuz}
ko=${QPU_KO:-$top/qpu.ko}
if [ "$hostfs" = 1 ]; then
	tests_dir=${VM_TESTS_DIR:-$top/selftests/hostfs}
	mods=$top/build/kernel/modules
	for m in netfs 9pnet 9pnet_virtio 9p overlay; do
		[ -f "$mods/$m.kmod" ] ||
			die "no $mods/$m.kmod for --hostfs (run 'make deps')"
	done
else
	tests_dir=${VM_TESTS_DIR:-$top/build/vm-tests}
fi
bin_dir=${VM_BIN_DIR:-$top/build/vm-bin}
busybox=${BUSYBOX:-/bin/busybox}
qemu=${QEMU:-qemu-system-x86_64}
log=${log:-$build/last.log}

[ -f "$kernel" ] || die "no kernel image at $kernel (run 'make deps')"
[ -f "$ko" ] || die "no module at $ko (run 'make')"
[ -x "$busybox" ] || die "no busybox at $busybox (install busybox-static)"
command -v "$qemu" >/dev/null || die "$qemu not found (run 'make deps')"
command -v cpio >/dev/null || die "cpio not found (run 'make deps')"
if [ "$mode" = script ]; then
	[ -f "$script" ] || die "no script '$script'"
fi

# The test programs, in name order.
all_tests=
if [ -d "$tests_dir" ]; then
	for p in "$tests_dir"/*; do
		if [ -f "$p" ] && [ -x "$p" ]; then
			all_tests="$all_tests ${p##*/}"
		fi
	done
fi

# --only: check the names now rather than after a boot.
plan=
if [ "$mode" = check ]; then
	if [ -n "$only" ]; then
		for t in $only; do
			p=${t%%:*}
			case " $all_tests " in
			*" $p "*) ;;
			*) die "--only: no test program '$p' in $tests_dir" \
			       "(have:${all_tests:- none})" ;;
			esac
			plan="$plan $t"
		done
		[ -n "$plan" ] || die "--only: empty list"
	else
		plan=$all_tests
	fi
	plan=${plan# }
fi

# --- the initramfs -----------------------------------------------------

# Everything of this run in its own directory, removed at the end, so that
# two runs (say `make check` and `make run`) can share the tree.
mkdir -p "$build"
work=$(mktemp -d "$build/run.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
root=$work/root
mkdir -p "$root/bin" "$root/sbin" "$root/etc" "$root/lib" "$root/tests" \
	"$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/root" \
	"$root/run" "$root/usr/bin" "$root/usr/sbin"

# Copy an ELF file without its debug info when strip is there (smaller
# image, faster boot); the host keeps the unstripped file for debugging.
copy_bin() {
	if command -v strip >/dev/null &&
	   strip --strip-debug -o "$2" "$1" 2>/dev/null; then
		:
	else
		cp "$1" "$2"
	fi
	chmod 755 "$2"
}

# The applet links are made by /init (busybox --install, one process, much
# faster than one ln per applet here).
cp "$busybox" "$root/bin/busybox"

# The guest's config, read by scripts/vm/init.
write_conf() {
	echo "# Written by scripts/vm/run.sh; read by scripts/vm/init."
	echo "MODE=$(shq "$mode")"
	echo "TESTS=$(shq "$plan")"
	echo "SCRIPT=$(shq "$script_path")"
	echo "INSMOD_ARGS=$(shq "$insmod_args")"
	echo "PROG_TIMEOUT=$(shq "$prog_timeout")"
	if [ "$hostfs" = 1 ]; then
		echo "TESTS_DIR=$(shq "$tests_dir")"
		echo "QPU_KO=$(shq "$ko")"
	fi
}

# --hostfs: the initramfs holds only the first stage and its modules; the
# tests, tools and module are read from the tree through 9p.
fill_hostfs_root() {
	mkdir -p "$root/lib/modules"
	for m in "$mods"/*.kmod; do
		b=${m##*/}
		cp "$m" "$root/lib/modules/${b%.kmod}.ko"
	done
	cp "$here/init-hostfs" "$root/init"
	chmod 755 "$root/init"
	# The script in the shared tree: the guest has its own /tmp.
	script_path=
	if [ "$mode" = script ]; then
		script_path=$work/${script##*/}
		cp "$script" "$script_path"
	fi
	write_conf >"$work/qpu-vm.conf"
}

fill_initramfs_root() {
	copy_bin "$ko" "$root/lib/qpu.ko"
	chmod 644 "$root/lib/qpu.ko"

	if [ -d "$tests_dir" ]; then
		for p in $all_tests; do
			copy_bin "$tests_dir/$p" "$root/tests/$p"
		done
	fi

	# Tools and examples go on the PATH; they win over busybox applets
	# of the same name (busybox --install does not replace files).
	if [ -d "$bin_dir" ]; then
		for p in "$bin_dir"/*; do
			if [ -f "$p" ] && [ -x "$p" ]; then
				copy_bin "$p" "$root/bin/${p##*/}"
			fi
		done
	fi

	# Example inputs (circuits, ...) for the tools and the demo.
	if [ -d "$top/examples" ] && [ -n "$(ls -A "$top/examples")" ]; then
		mkdir -p "$root/examples"
		cp -R "$top/examples/." "$root/examples/"
	fi

	cp "$here/init" "$root/init"
	chmod 755 "$root/init"

	# Users: root, and nobody for tests that need an unprivileged one.
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
		'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' \
		>"$root/etc/passwd"
	printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' 'nobody:x:65534:' \
		>"$root/etc/group"
	printf '%s\n' 'passwd: files' 'group: files' >"$root/etc/nsswitch.conf"
	printf '%s\n' 'export PATH=/bin:/sbin:/usr/bin:/usr/sbin' \
		"export PS1='qpu-vm:\$PWD# '" >"$root/etc/profile"

	script_path=
	if [ "$mode" = script ]; then
		mkdir -p "$root/script"
		script_path=/script/${script##*/}
		cp "$script" "$root$script_path"
	fi
	write_conf >"$root/etc/qpu-vm.conf"
}

if [ "$hostfs" = 1 ]; then
	fill_hostfs_root
else
	fill_initramfs_root
fi

# A newc cpio member for a character device, so that the kernel can open
# /dev/console for init before devtmpfs is mounted. Written by hand: cpio
# can only archive device nodes that exist, and mknod needs root.
# cpio_chardev NAME MODE MAJOR MINOR   (MODE: permissions, octal)
cpio_chardev() {
	namesize=$((${#1} + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		1 $((0020000 | $2)) 0 0 1 0 0 0 0 "$3" "$4" "$namesize" 0
	printf '%s\000' "$1"
	# Header (110 bytes) plus name, padded to a multiple of 4.
	pad=$(((4 - (110 + namesize) % 4) % 4))
	while [ "$pad" -gt 0 ]; do printf '\000'; pad=$((pad - 1)); done
}

cpio_trailer() {
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		0 0 0 0 1 0 0 0 0 0 0 11 0
	printf 'TRAILER!!!\000\000\000\000'
}

# Uncompressed: with 10 test programs (11 MB) the kernel unpacks it in
# 0.07 s under TCG, against 0.2 s to gunzip the same (5 MB) image, and the
# host needs no time to compress; boot to first test was no faster with gzip,
# zstd or lz4.
initrd=$work/initramfs.cpio
(
	cd "$root"
	find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet
	cpio_chardev dev/console 0600 5 1
	cpio_chardev dev/null 0666 1 3
	cpio_trailer
) >"$initrd.tmp"
mv "$initrd.tmp" "$initrd"

# --- qemu --------------------------------------------------------------

# Under TCG, one host thread for all vCPUs: with multi-threaded TCG
# (qemu 7.2, Debian 12) about 1 boot in 50 dies on an "Oops: int3" when the
# kernel live-patches code (static keys, text_poke) while the other vCPU
# runs it. Single-threaded TCG never did in our runs and, on a 2-core host,
# was not slower. The guest still has 2 CPUs, interleaved.
# VM_ACCEL wins; otherwise scripts/vm/accel.sh probes (once per build tree
# and host boot) whether KVM really works.
accel=${VM_ACCEL:-}
accel_auto=0
if [ -n "$accel" ]; then
	accel_why=${VM_ACCEL_WHY:-VM_ACCEL is set}
else
	accel_auto=1
	choice=$(KERNEL=$kernel QEMU=$qemu BUSYBOX=$busybox sh "$here/accel.sh") ||
		die "could not choose an accelerator"
	accel=$(printf '%s\n' "$choice" | sed -n 1p)
	accel_why=$(printf '%s\n' "$choice" | sed -n 2p)
fi
echo "run.sh: accelerator $accel: $accel_why"
cpu=
case $accel in kvm*) cpu="-cpu host" ;; esac

# loglevel=4: only errors and worse reach the console while booting; /init
# adds warnings once the module is loaded, so that a splat shows live even
# if the guest then dies. The whole log is printed at the end of the run
# (log_buf_len: room for all of it). panic=-1 reboots at once on a panic,
# which -no-reboot turns into an exit.
# (--hostfs: unknown name=value words reach the first stage's environment.)
append="console=ttyS0 loglevel=4 panic=-1 log_buf_len=4M ${VM_APPEND:-}"
[ "$hostfs" = 0 ] ||
	append="$append QPU_VM_TOP=$top QPU_VM_CONF=$work/qpu-vm.conf"

# shellcheck disable=SC2086 # $cpu: zero or two words
set -- -nodefaults -no-user-config -no-reboot \
	-machine pc -accel "$accel" $cpu \
	-smp "${VM_SMP:-2}" -m "${VM_MEM:-1G}" \
	-kernel "$kernel" -initrd "$initrd" -append "$append" \
	-display none -pidfile "$work/qemu.pid"
if [ "$hostfs" = 1 ]; then
	# The host's root read-only and this tree read-write, by 9p.
	set -- "$@" -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$top,mount_tag=qputop,security_model=none,multidevs=remap"
fi

if [ "$mode" = shell ]; then
	# Interactive: the terminal is the serial console (Ctrl-A X quits,
	# Ctrl-A C is the qemu monitor).
	echo "run.sh: booting a shell ($accel); power off with 'exit'," \
	     "or Ctrl-A X"
	rc=0
	if [ "$timeout" -gt 0 ]; then
		timeout --foreground -k 5 "$timeout" \
			"$qemu" "$@" -serial mon:stdio || rc=$?
	else
		"$qemu" "$@" -serial mon:stdio || rc=$?
	fi
	exit "$rc"
fi

# The live console, minus the kernel log the guest prints at the end (it is
# in the log file, and printed below if the run fails); VM_VERBOSE=1 shows
# everything.
console_filter() {
	verbose=${VM_VERBOSE:-0}
	hide=0
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		"# qpu-vm: dmesg-begin"*)
			if [ "$verbose" != 1 ]; then
				printf '%s\n' "$line"
				echo "(kernel log: in $log)"
				hide=1
				continue
			fi
			;;
		"# qpu-vm: dmesg-end"*) hide=0 ;;
		# KVM gave up on the guest, which now hangs paused: stop
		# qemu at once rather than at the timeout (the end of this
		# script then reruns under TCG).
		*"KVM internal error"*)
			kill -KILL "$(cat "$work/qemu.pid" 2>/dev/null)" \
				2>/dev/null || :
			;;
		esac
		[ "$hide" = 1 ] || printf '%s\n' "$line"
	done
}

mkdir -p "$(dirname "$log")"
rcfile=$work/qemu.rc
echo "run.sh: booting ($accel, $mode${plan:+: $plan}); log: $log"
start=$(date +%s)
# Stream the console live and keep a copy; the guest gets no stdin. The
# pipeline's status is tee's, so qemu's (or timeout's) goes to a file.
# --foreground keeps qemu in our process group: Ctrl-C stops it too.
{
	rc=0
	timeout --foreground -k 10 "$timeout" "$qemu" "$@" -serial stdio \
		</dev/null || rc=$?
	echo "$rc" >"$rcfile"
} 2>&1 | tee "$log" | console_filter
end=$(date +%s)
qrc=$(cat "$rcfile" 2>/dev/null || echo 255)

# The serial console ends lines with CR LF.
tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"

echo "run.sh: qemu exited rc=$qrc after $((end - start))s"
# A KVM that passed the probe can still fail a real run (an emulation
# failure in a rarely used instruction): forget the verdict and run again
# under TCG, once.
if [ "$accel_auto" = 1 ] && [ "${accel%%,*}" = kvm ] &&
   grep -qs -e 'KVM internal error' -e 'kvm_buf_set_msrs' \
	-e 'emulation failure' "$log"; then
	echo "run.sh: KVM failed during the run; forgetting it and" \
	     "running again under TCG"
	KERNEL=$kernel QEMU=$qemu sh "$here/accel.sh" --forget >/dev/null || :
	rm -rf "$work"
	eval "set -- $orig_args"
	VM_ACCEL=tcg,thread=single \
		VM_ACCEL_WHY="KVM failed in the previous boot" exec sh "$0" "$@"
fi

host_note=
if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
	host_note="host timeout: qemu killed after ${timeout}s"
	echo "run.sh: $host_note" >&2
elif [ "$qrc" -ne 0 ]; then
	host_note="qemu failed (rc=$qrc)"
	echo "run.sh: $host_note" >&2
fi

rc=0
sh "$here/parse.sh" --mode "$mode" --plan "$plan" \
	${script_path:+--script "${script_path##*/}"} \
	${host_note:+--note "$host_note"} \
	${summary:+--summary "$summary"} "$log" || rc=$?
[ -z "$host_note" ] || rc=1
if [ "$rc" -ne 0 ] && [ "${VM_VERBOSE:-0}" != 1 ] &&
   grep -q '^# qpu-vm: dmesg-begin' "$log"; then
	echo "run.sh: the run failed; the guest's kernel log:"
	sed -n '/^# qpu-vm: dmesg-begin/,/^# qpu-vm: dmesg-end/p' "$log"
fi
exit "$rc"
