#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# A Python program in the --hostfs guest, with the host's own interpreter
# and nothing but its standard library: it reads the ABI from the tree's
# uapi/linux/qpu.h, asks /dev/qpu0 for its description with
# QPU_IOC_GET_INFO and checks it against sysfs, and checks the errors the
# uAPI promises for a non-zero flags field and an unknown ioctl. TAP output.
import ctypes
import errno
import fcntl
import os
import re
import sys

TOP = os.environ.get("QPU_VM_TOP") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HEADER = os.path.join(TOP, "uapi", "linux", "qpu.h")


def header_define(name):
    with open(HEADER) as f:
        m = re.search(r"^#define\s+%s\s+(0x[0-9A-Fa-f]+|\d+)\b" % name,
                      f.read(), re.M)
    if not m:
        raise LookupError("%s: no #define %s" % (HEADER, name))
    return int(m.group(1), 0)


NAME_LEN = header_define("QPU_TOPOLOGY_NAME_LEN")
MAGIC = header_define("QPU_IOC_MAGIC")


class QpuInfo(ctypes.Structure):
    """struct qpu_info, field for field as uapi/linux/qpu.h has it."""
    _fields_ = [
        ("flags", ctypes.c_uint32),
        ("api_version", ctypes.c_uint32),
        ("features", ctypes.c_uint64),
        ("dev_id", ctypes.c_uint32),
        ("topology", ctypes.c_uint32),
        ("num_qubits", ctypes.c_uint32),
        ("num_edges", ctypes.c_uint32),
        ("max_ctx_qubits", ctypes.c_uint32),
        ("free_qubits", ctypes.c_uint32),
        ("calibration_epoch", ctypes.c_uint64),
        ("topology_name", ctypes.c_char * NAME_LEN),
        ("max_sim_qubits", ctypes.c_uint32),
        ("pad", ctypes.c_uint32),
        ("reserved", ctypes.c_uint64 * 3),
    ]


def iowr(nr, size):
    # _IOC(_IOC_READ | _IOC_WRITE, MAGIC, nr, size) on x86.
    return (3 << 30) | (size << 16) | (MAGIC << 8) | nr


GET_INFO = iowr(0x00, ctypes.sizeof(QpuInfo))


def sysfs(attr):
    with open("/sys/class/qpu/qpu0/" + attr) as f:
        return f.read().strip()


def get_info(fd, flags=0):
    info = QpuInfo()
    info.flags = flags
    fcntl.ioctl(fd, GET_INFO, info)
    return info


def test_info_matches_sysfs(fd):
    info = get_info(fd)
    assert info.num_qubits == int(sysfs("num_qubits")), info.num_qubits
    assert info.num_edges == int(sysfs("num_edges")), info.num_edges
    assert info.dev_id == 0, info.dev_id
    name = info.topology_name.decode()
    assert name == sysfs("topology"), (name, sysfs("topology"))
    assert info.api_version >= 1, info.api_version


def expect_errno(want, fn, *args):
    try:
        fn(*args)
    except OSError as e:
        assert e.errno == want, "errno %d, expected %d" % (e.errno, want)
        return
    raise AssertionError("succeeded, expected errno %d" % want)


def test_nonzero_flags_einval(fd):
    expect_errno(errno.EINVAL, get_info, fd, 1)


def test_unknown_ioctl_enotty(fd):
    expect_errno(errno.ENOTTY, fcntl.ioctl, fd, iowr(0x7f, 8), bytes(8))


TESTS = [test_info_matches_sysfs, test_nonzero_flags_einval,
         test_unknown_ioctl_enotty]


def main():
    only = sys.argv[1] if len(sys.argv) > 1 else None
    tests = [t for t in TESTS if only in (None, t.__name__[5:])]
    if not tests:
        print("python_test: no test named %r" % only, file=sys.stderr)
        return 2
    print("TAP version 13")
    print("1..%d" % len(tests))
    failed = 0
    fd = os.open("/dev/qpu0", os.O_RDWR)
    for i, t in enumerate(tests, 1):
        try:
            t(fd)
            print("ok %d %s" % (i, t.__name__[5:]))
        except Exception as e:  # a failed assertion or an OSError
            print("# %s: %r" % (t.__name__[5:], e))
            print("not ok %d %s" % (i, t.__name__[5:]))
            failed += 1
    os.close(fd)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
