#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build a small debug kernel for the VM harness, with the checkers Debian's
# kernel lacks (lockdep/PROVE_LOCKING, KASAN, DEBUG_ATOMIC_SLEEP, hung-task
# and soft-lockup detectors, RCU stall warnings), and qpu.ko for it.
#
# The source is Debian's linux-source-6.12 package (apt-get download +
# dpkg-deb -x, nothing is installed on the host), the version matching the
# test kernel in build/kernel/release where the archive still has it. The
# configuration is tinyconfig + kvm_guest.config + scripts/debug-kernel.config
# (set with scripts/config, then olddefconfig, then every option of the
# fragment checked). Everything lives in build/debug-kernel/:
#
#   src/        the unpacked source (never written to: builds use O=)
#   obj/        the kernel build tree; KDIR for external modules
#   bzImage     the kernel image (KERNEL= of scripts/vm/run.sh)
#   key         source version + hash of the fragment and this script's
#               configuration steps; when it matches, nothing is rebuilt
#   build-time  wall-clock seconds of the last kernel build
#   mod/        a copy of the module sources (Kbuild, kmod/, uapi/):
#               Kbuild writes its objects next to the sources, and the
#               tree's own qpu.ko (for Debian's kernel) must stay as it is
#   qpu.ko      the module built for this kernel (QPU_KO= of run.sh)
#
# Compiles run under `nice -n 19` (the machine is shared): a slow build,
# not part of CI. Measured: 6.12.117, the first configuration (717 options =y,
# generic outline KASAN, PROVE_LOCKING), -j2 on 2 cores shared with other
# VM runs: 1432 s wall clock; build/debug-kernel/ then takes 1.9 GB (1.7 GB
# of it the unpacked source), bzImage 3.4 MB. Adding DEBUG_OBJECTS and
# fault injection to the fragment then rebuilt in 712 s (1093 objects).
#
# Usage: scripts/debug-kernel.sh [kernel|module|all]   (default: all)
#   kernel   fetch, configure and build the kernel (bzImage,
#            modules_prepare), unless the cache key matches
#   module   build build/debug-kernel/qpu.ko against obj/
# Environment: JOBS (make -j, default 2), DEBUG_KERNEL_VERSION (a
# linux-source-6.12 package version, default: the one matching
# build/kernel/release, else the newest).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

what=${1:-all}
case $what in
kernel|module|all) ;;
-h|--help)
	awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next }
	     NR > 2 { exit }' "$0"
	exit 0
	;;
*) echo "debug-kernel: unknown argument '$what' (kernel|module|all)" >&2
   exit 2 ;;
esac

dk=$top/build/debug-kernel
src=$dk/src
obj=$dk/obj
frag=$top/scripts/debug-kernel.config
jobs=${JOBS:-2}
pkg=linux-source-6.12

say() { echo "debug-kernel: $*"; }
die() { echo "debug-kernel: $*" >&2; exit 1; }

# The package version: the one of the test kernel's upstream release
# (6.12.117+deb12-amd64 -> 6.12.117-*) if apt still knows it, else the
# newest one.
pick_version() {
	if [ -n "${DEBUG_KERNEL_VERSION:-}" ]; then
		echo "$DEBUG_KERNEL_VERSION"
		return
	fi
	vers=$(apt-cache madison "$pkg" 2>/dev/null | awk -F'|' '{
		gsub(/ /, "", $2); print $2 }')
	[ -n "$vers" ] || {
		apt-get update -q >/dev/null 2>&1 || :
		vers=$(apt-cache madison "$pkg" 2>/dev/null | awk -F'|' '{
			gsub(/ /, "", $2); print $2 }')
	}
	[ -n "$vers" ] || die "apt knows no $pkg package"
	rel=$(cat build/kernel/release 2>/dev/null || :)
	up=${rel%%[+-]*}
	v=
	[ -z "$up" ] || v=$(printf '%s\n' "$vers" | grep -F "$up-" | head -n1 || :)
	[ -n "$v" ] || v=$(printf '%s\n' "$vers" | head -n1)
	echo "$v"
}

# The cache key: the source version and everything that decides the
# configuration (the fragment, and the configure steps of this script).
cache_key() {
	{
		echo "$1"
		cat "$frag"
		sed -n '/^# --- configure: begin/,/^# --- configure: end/p' "$0"
	} | sha256sum | cut -c1-16
}

fetch_source() {
	ver=$1
	[ -f "$src/Makefile" ] && [ "$(cat "$dk/src-version" 2>/dev/null)" = "$ver" ] &&
		return 0
	say "fetching $pkg $ver"
	tmp=$dk/dl
	rm -rf "$tmp" "$src" "$obj"
	mkdir -p "$tmp"
	(cd "$tmp" && apt-get download "$pkg=$ver" >/dev/null 2>&1) ||
		die "apt-get download $pkg=$ver failed"
	dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/root"
	tarball=
	for f in "$tmp"/root/usr/src/linux-source-6.12.tar.*; do
		[ -f "$f" ] && tarball=$f
	done
	[ -n "$tarball" ] || die "no source tarball in $pkg $ver"
	mkdir -p "$src.tmp"
	say "unpacking $(basename "$tarball")"
	tar -xf "$tarball" -C "$src.tmp" --strip-components=1
	mv "$src.tmp" "$src"
	rm -rf "$tmp"
	echo "$ver" > "$dk/src-version"
}

kmake() {
	nice -n 19 make -C "$src" O="$obj" -j"$jobs" "$@"
}

# --- configure: begin
configure() {
	mkdir -p "$obj"
	kmake tinyconfig >/dev/null
	kmake kvm_guest.config >/dev/null
	# The fragment, one scripts/config call per option.
	args=
	while IFS= read -r line; do
		case $line in
		CONFIG_*=y) o=${line%%=*}; args="$args --enable ${o#CONFIG_}" ;;
		CONFIG_*=m) o=${line%%=*}; args="$args --module ${o#CONFIG_}" ;;
		CONFIG_*=*) o=${line%%=*}
			    args="$args --set-val ${o#CONFIG_} ${line#*=}" ;;
		"# CONFIG_"*" is not set")
			o=${line#\# CONFIG_}; o=${o%% *}
			args="$args --disable $o" ;;
		esac
	done < "$frag"
	# shellcheck disable=SC2086 # one word per argument
	"$src/scripts/config" --file "$obj/.config" $args
	kmake olddefconfig >/dev/null
	# Twice: options whose dependencies the first pass only just enabled.
	# shellcheck disable=SC2086
	"$src/scripts/config" --file "$obj/.config" $args
	kmake olddefconfig >/dev/null
}
# --- configure: end

check_config() {
	bad=
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qx "$line" "$obj/.config" || bad="$bad ${line%%=*}"
			;;
		"# CONFIG_"*" is not set")
			o=${line#\# }; o=${o%% *}
			! grep -q "^$o=" "$obj/.config" || bad="$bad !$o"
			;;
		esac
	done < "$frag"
	[ -z "$bad" ] || die "options that did not end up as asked:$bad"
	say "config: all $(grep -c '^CONFIG_\|^# CONFIG_.* is not set' "$frag")" \
	    "options of $(basename "$frag") as asked"
}

build_kernel() {
	ver=$(pick_version)
	key="$ver $(cache_key "$ver")"
	if [ -f "$dk/bzImage" ] && [ -f "$obj/Module.symvers" ] &&
	   [ "$(cat "$dk/key" 2>/dev/null)" = "$key" ]; then
		say "up to date ($pkg $ver, key ${key#* }, built in" \
		    "$(cat "$dk/build-time" 2>/dev/null || echo '?')s)"
		return 0
	fi
	mkdir -p "$dk"
	rm -f "$dk/key"
	fetch_source "$ver"
	say "configuring (tinyconfig + kvm_guest.config + $(basename "$frag"))"
	configure
	check_config
	say "building bzImage and modules_prepare (nice -n 19, -j$jobs)"
	start=$(date +%s)
	kmake bzImage
	kmake modules_prepare
	# Module.symvers: modpost of M= builds needs it; a kernel without
	# modules of its own gets it from `make modules` (vmlinux's exports).
	kmake modules
	end=$(date +%s)
	echo "$((end - start))" > "$dk/build-time"
	cp "$obj/arch/x86/boot/bzImage" "$dk/bzImage.tmp"
	mv "$dk/bzImage.tmp" "$dk/bzImage"
	echo "$key" > "$dk/key"
	say "built $(cat "$obj/include/config/kernel.release") in" \
	    "$((end - start))s; image $dk/bzImage"
}

build_module() {
	[ -f "$obj/Module.symvers" ] || die "no debug kernel in $obj (run 'make debug-kernel')"
	mod=$dk/mod
	# Copied over the last copy, mtimes kept: Kbuild's own dependency
	# tracking then rebuilds only what changed. (A file deleted from the
	# tree stays in the copy; Kbuild names its objects, so it is unused.)
	mkdir -p "$mod"
	cp -p Kbuild "$mod/Kbuild"
	cp -pR kmod uapi "$mod/"
	nice -n 19 make -C "$obj" M="$mod" -j"$jobs" modules
	cp "$mod/qpu.ko" "$dk/qpu.ko.tmp"
	mv "$dk/qpu.ko.tmp" "$dk/qpu.ko"
	say "module $dk/qpu.ko"
}

case $what in
kernel) build_kernel ;;
module) build_module ;;
all) build_kernel; build_module ;;
esac
