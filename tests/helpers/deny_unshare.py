"""Run a command with the unshare system call denied (EPERM), as Docker's default seccomp
profile does: ``python deny_unshare.py COMMAND ARGS...``.

A seccomp filter on this process only (inherited by its children, the server and its query
workers); the host is not changed. Used to show that ``vetgraph serve`` refuses to start when
its query workers cannot leave the host network, unless told to accept it.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, EPERM = 0x7FFF0000, 0x00050000, 1
BPF_LD_W_ABS, BPF_JEQ_K, BPF_RET_K = 0x20, 0x15, 0x06
#: (audit architecture, number of unshare) per machine.
ARCHES = {"x86_64": (0xC000003E, 272), "aarch64": (0xC00000B7, 97)}


class SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint),
    ]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]


def deny_unshare() -> None:
    """Install the filter: unshare fails with EPERM, every other call is allowed."""
    arch, unshare = ARCHES[platform.machine()]
    program = [
        SockFilter(BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        SockFilter(BPF_JEQ_K, 0, 3, arch),  # another ABI: allow
        SockFilter(BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        SockFilter(BPF_JEQ_K, 0, 1, unshare),
        SockFilter(BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM),
        SockFilter(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
    ]
    filters = (SockFilter * len(program))(*program)
    prog = SockFprog(len(program), filters)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")


if __name__ == "__main__":
    deny_unshare()
    os.execvp(sys.argv[1], sys.argv[1:])
