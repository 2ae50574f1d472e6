#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The host-userland VM mode (scripts/vm/run.sh --hostfs), checked from
# inside the guest: the root file system is the host's and read-only, the
# guest has its own writable /tmp, /run, /etc and /var, the project tree is
# shared read-write at its own path, a dynamically linked host program (the
# project's qpuctl, linked against the host's liburing and libnl) runs,
# sees the device and speaks the qpu netlink family (its JSON read by the
# host's Python), and /dev/qpu* has the mode the harness promises. TAP
# output.
set -u

top=${QPU_VM_TOP:?not in a --hostfs guest (no QPU_VM_TOP)}
. "$top/selftests/tap.sh"

t_root_is_host_readonly() {
	fstype=$(awk '$2 == "/" { t = $3 } END { print t }' /proc/mounts)
	[ "$fstype" = 9p ] || fail "/ is '$fstype', not the host's 9p share"
	if touch /usr/.qpu-hostfs-probe 2>/dev/null; then
		rm -f /usr/.qpu-hostfs-probe
		fail "/usr is writable: the host's root must be read-only"
	fi
	[ -x /usr/bin/python3 ] || fail "no /usr/bin/python3 from the host"
}

t_guest_dirs_writable() {
	for d in /tmp /run /etc /var; do
		f=$d/.qpu-hostfs-$$
		if echo x >"$f" 2>/dev/null; then
			rm -f "$f"
		else
			fail "$d is not writable"
		fi
	done
	# Writes to /etc stay in the guest's layer: the host's file is not
	# changed (the lower layer is the read-only share).
	upper=$(awk '$2 == "/etc" { print $3 }' /proc/mounts)
	[ "$upper" = overlay ] || fail "/etc is '$upper', not an overlay"
}

t_tree_shared_rw() {
	[ -f "$top/scripts/vm/run.sh" ] || fail "no project tree at $top"
	f=$top/build/vm/.hostfs-write-$$
	if echo guest >"$f" 2>/dev/null; then
		[ "$(cat "$f")" = guest ] || fail "read back something else"
		rm -f "$f"
	else
		fail "cannot write into $top/build"
	fi
}

t_dynamic_tool_runs() {
	tool=$top/build/bin/qpuctl
	[ -x "$tool" ] || { fail "no $tool (run make)"; return; }
	# A dynamically linked program: it has an ELF interpreter.
	readelf -l "$tool" | grep -q 'Requesting program interpreter' ||
		fail "$tool is not dynamically linked"
	out=$("$tool" info 2>&1) || { fail "qpuctl info failed: $out"; return; }
	want=$(cat /sys/class/qpu/qpu0/num_qubits)
	echo "$out" | grep -q "^qubits: *$want " ||
		fail "qpuctl info does not report $want qubits: $out"
}

# qpuctl linked against the host's libnl-genl-3 speaks the qpu family;
# its JSON is read by the host's Python, as a monitoring script would.
t_dynamic_qpuctl_json() {
	tool=$top/build/bin/qpuctl
	[ -x "$tool" ] || { fail "no $tool (run make)"; return; }
	out=$("$tool" -j status 2>&1) || { fail "qpuctl -j status: $out"; return; }
	printf '%s' "$out" | python3 -c '
import json, sys
s = json.load(sys.stdin)
d = s["devices"][0]
assert d["name"] == "qpu0" and d["qubits"] > 0, d
assert isinstance(s["tenants"], list)
' || fail "qpuctl -j status is not what it should be: $out"
}

t_dev_node_mode() {
	want=${QPU_VM_DEV_MODE:-0666}
	want=${want#0}
	mode=$(stat -c %a /dev/qpu0)
	[ "$mode" = "$want" ] || fail "/dev/qpu0 has mode $mode, not $want"
	# A device added later gets it too (the harness's uevent helper).
	echo "7 line:3" >/sys/class/qpu/new_device || { fail "new_device"; return; }
	i=0
	while [ "$(stat -c %a /dev/qpu7 2>/dev/null)" != "$want" ] &&
	      [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	mode=$(stat -c %a /dev/qpu7 2>/dev/null)
	echo 7 >/sys/class/qpu/del_device
	[ "$mode" = "$want" ] || fail "/dev/qpu7 has mode '$mode', not $want"
}

tap_main "root_is_host_readonly guest_dirs_writable tree_shared_rw
	dynamic_tool_runs dynamic_qpuctl_json dev_node_mode" "$@"
