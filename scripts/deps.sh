#!/bin/sh
# Install everything the project needs on a fresh Debian 12 or 13 machine,
# from Debian's own archives, and unpack the matching 6.12 kernel image into
# the build tree's cache (never onto the host). Idempotent: a second run that
# finds everything in place only checks and returns.
#
# Usage: scripts/deps.sh [CACHE_DIR]   (default: build/kernel)
set -eu

cache=${1:-build/kernel}
export DEBIAN_FRONTEND=noninteractive

. /etc/os-release
case "${VERSION_CODENAME:-}" in
bookworm)
	# 6.12 comes from bookworm-security (linux-6.12 LTS) and backports;
	# libbpf 1.4 and bpftool 7.5 only from backports.
	suite=bookworm-backports
	kmeta_headers=linux-headers-6.12-amd64
	kmeta_image=linux-image-6.12-amd64
	;;
trixie)
	suite=trixie
	kmeta_headers=linux-headers-amd64
	kmeta_image=linux-image-amd64
	;;
*)
	echo "deps: unsupported distribution '${PRETTY_NAME:-unknown}'" \
	     "(Debian 12 or 13 needed)" >&2
	exit 1
	;;
esac

pkgs="build-essential make gcc pkg-config $kmeta_headers qemu-system-x86
      busybox-static cpio kmod pahole sparse clang llvm lld libclang-rt-dev
      liburing-dev libnl-genl-3-dev libnl-3-dev libbpf-dev bpftool
      libelf-dev zlib1g-dev libzstd-dev xz-utils python3 python3-yaml
      flex bison bc libssl-dev libjson-c-dev"
# Built with the suite's newest versions (backports on Debian 12).
bp_pkgs="libbpf-dev bpftool pahole $kmeta_headers"

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done

# A backports source made from the machine's own configured bookworm
# source (same mirror or proxy, same keyring and options), so that set-up
# works wherever apt already does. Prints a deb822 stanza, or nothing.
backports_source() {
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# The first enabled deb stanza whose Suites has "bookworm".
		awk '
		function flush() {
			if (st["types"] ~ /(^| )deb( |$)/ &&
			    st["suites"] ~ /(^| )bookworm( |$)/ &&
			    st["enabled"] !~ /^no$/ && st["uris"] != "") {
				print "Types: deb"
				print "URIs: " st["uris"]
				print "Suites: bookworm-backports"
				print "Components: " (st["components"] != "" ? \
					st["components"] : "main")
				if (st["signed-by"] != "")
					print "Signed-By: " st["signed-by"]
				print ""
				found = 1
				exit
			}
			delete st
		}
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[A-Za-z-]+:/ {
			k = tolower(substr($0, 1, index($0, ":") - 1))
			v = substr($0, index($0, ":") + 1)
			gsub(/^[ \t]+|[ \t]+$/, "", v)
			st[k] = v
		}
		END { if (!found) flush() }
		' "$f"
	done | awk 'NF == 0 { exit } { print }'
}

# The same for one-line sources.list entries: "deb [opts] URI bookworm C..."
backports_list_line() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
	awk '$1 == "deb" {
		i = 2
		if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
		if ($(i + 1) == "bookworm") {
			$(i + 1) = "bookworm-backports"
			print
			exit
		}
	}'
}

if [ "$suite" = bookworm-backports ]; then
	if ! grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list \
		/etc/apt/sources.list.d/; then
		src=$(backports_source)
		if [ -n "$src" ]; then
			list=/etc/apt/sources.list.d/qpu-bookworm-backports.sources
			printf '%s\n' "$src" | $sudo tee "$list" >/dev/null
		else
			line=$(backports_list_line)
			[ -n "$line" ] || {
				echo "deps: no bookworm source configured in apt;" \
				     "cannot add bookworm-backports" >&2
				exit 1
			}
			list=/etc/apt/sources.list.d/qpu-bookworm-backports.list
			printf '%s\n' "$line" | $sudo tee "$list" >/dev/null
		fi
		echo "deps: added $list, from the configured bookworm source"
		missing="$missing (backports)"
	fi
fi

bpf_ok() {
	# libbpf >= 1.4 is needed for module struct_ops.
	v=$(dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null) || return 1
	dpkg --compare-versions "$v" ge 1:1.4
}

if [ -n "$missing" ] || ! bpf_ok; then
	echo "deps: installing:$missing"
	$sudo apt-get update -q
	$sudo apt-get install -y -q --no-install-recommends $pkgs
	if [ "$suite" = bookworm-backports ]; then
		$sudo apt-get install -y -q --no-install-recommends \
			-t bookworm-backports $bp_pkgs
	fi
fi

# The concrete kernel release behind the headers metapackage, e.g.
# linux-headers-6.12.117+deb12-amd64 -> 6.12.117+deb12-amd64.
hdr=$(apt-cache depends "$kmeta_headers" 2>/dev/null |
	sed -n 's/^ *Depends: linux-headers-\(6\.12[^ ]*-amd64\)$/\1/p' | head -n1)
if [ -z "$hdr" ]; then
	# Fall back to whatever 6.12 headers are installed.
	hdr=$(ls -d /usr/src/linux-headers-6.12*-amd64 2>/dev/null | tail -n1 |
		sed 's|.*/linux-headers-||')
fi
[ -n "$hdr" ] || { echo "deps: no 6.12 kernel headers found" >&2; exit 1; }
[ -d "/lib/modules/$hdr/build" ] || [ -d "/usr/src/linux-headers-$hdr" ] || {
	echo "deps: headers for $hdr are not installed" >&2; exit 1; }

# The guest's modules beyond the image: 9p (the host root file system in
# scripts/vm/run.sh --hostfs) and overlayfs (its writable /etc and /var).
# Taken decompressed, since busybox insmod cannot read .ko.xz, and named
# .kmod: Kbuild's clean (make clean, module-check) deletes every *.ko and
# *.ko.* below the tree.
guest_mods="fs/netfs/netfs net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p
	    fs/overlayfs/overlay"
mods=$cache/modules-$hdr
mods_ok() {
	for m in $guest_mods; do
		[ -f "$mods/${m##*/}.kmod" ] || return 1
	done
}

mkdir -p "$cache"
if [ ! -f "$cache/vmlinuz-$hdr" ] || ! mods_ok; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	echo "deps: fetching kernel image $hdr"
	# The -unsigned package carries the same kernel as the signed one.
	(cd "$tmp" && { apt-get download "linux-image-$hdr-unsigned" 2>/dev/null ||
		apt-get download "linux-image-$hdr"; })
	dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/root"
	mkdir -p "$mods.tmp"
	for m in $guest_mods; do
		ko=$tmp/root/lib/modules/$hdr/kernel/$m.ko
		if [ -f "$ko.xz" ]; then
			xz -dc "$ko.xz" >"$mods.tmp/${m##*/}.kmod"
		else
			cp "$ko" "$mods.tmp/${m##*/}.kmod"
		fi
	done
	rm -rf "$mods"
	mv "$mods.tmp" "$mods"
	if [ ! -f "$cache/vmlinuz-$hdr" ]; then
		cp "$tmp/root/boot/vmlinuz-$hdr" "$cache/vmlinuz-$hdr.tmp"
		mv "$cache/vmlinuz-$hdr.tmp" "$cache/vmlinuz-$hdr"
	fi
fi
ln -sfn "vmlinuz-$hdr" "$cache/vmlinuz"
ln -sfn "modules-$hdr" "$cache/modules"
echo "$hdr" > "$cache/release"
echo "deps: ok (kernel $hdr, image $cache/vmlinuz-$hdr)"
