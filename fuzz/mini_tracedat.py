#!/usr/bin/env python3
"""mini_tracedat.py IN OUT [MAX_RECORDS_PAGES] - shrink a trace-cmd v6
(uncompressed) trace.dat into a small fuzzing seed: keep only the event
formats tlbsim reads and the TLB symbols of kallsyms, drop printk formats, keep the first data
page of every CPU. Made with: trace-cmd convert --file-version 6
--compression none. The output still opens with `trace-cmd report`."""
import struct, sys

KEEP = {b"tlb", b"ipi", b"csd", b"irq_vectors", b"sched", b"syscalls",
        b"exceptions", b"huge_memory"}
KEEP_EVENTS = (b"name: tlb_flush", b"name: sched_switch", b"name: sched_process_",
               b"name: sys_enter_munmap", b"name: sys_enter_mmap", b"name: sys_exit_mmap",
               b"name: page_fault_user", b"name: mm_collapse_huge_page",
               b"name: call_function", b"name: ipi_send_cpu", b"name: csd_")

def main():
    src, dst = sys.argv[1], sys.argv[2]
    d = open(src, "rb").read()
    p = 0
    def take(n):
        nonlocal p
        b = d[p:p + n]; p += n; return b
    out = bytearray()
    magic = take(10); assert magic == b"\x17\x08\x44tracing", magic
    out += magic
    ver = b""
    while True:
        c = take(1); ver += c
        if c == b"\0": break
    assert ver == b"6\0", ver
    out += ver + take(1 + 1 + 4)            # endian, long size, page size
    page = struct.unpack_from("<I", d, p - 4)[0]
    for name in (b"header_page\0", b"header_event\0"):
        assert take(len(name)) == name
        n = struct.unpack("<Q", take(8))[0]
        out += name + struct.pack("<Q", n) + take(n)
    cnt = struct.unpack("<I", take(4))[0]  # ftrace formats: dropped
    for _ in range(cnt):
        n = struct.unpack("<Q", take(8))[0]; take(n)
    out += struct.pack("<I", 0)
    nsys = struct.unpack("<I", take(4))[0]
    systems = []
    for _ in range(nsys):
        e = d.index(b"\0", p); name = take(e - p + 1)
        cnt = struct.unpack("<I", take(4))[0]
        evs = []
        for _ in range(cnt):
            n = struct.unpack("<Q", take(8))[0]; f = take(n)
            if any(k in f for k in KEEP_EVENTS):
                evs.append(f)
        if name[:-1] in KEEP and evs:
            systems.append((name, evs))
    out += struct.pack("<I", len(systems))
    for name, evs in systems:
        out += name + struct.pack("<I", len(evs))
        for f in evs:
            out += struct.pack("<Q", len(f)) + f
    n = struct.unpack("<I", take(4))[0]            # kallsyms: the TLB symbols
    syms = b"".join(l + b"\n" for l in take(n).split(b"\n")
                    if l.endswith((b" flush_tlb_func", b" tlb_remove_table_smp_sync")))
    out += struct.pack("<I", len(syms)) + syms
    n = struct.unpack("<I", take(4))[0]; take(n)   # printk: dropped
    out += struct.pack("<I", 0)
    n = struct.unpack("<Q", take(8))[0]            # cmdlines: kept
    out += struct.pack("<Q", n) + take(n)
    cpus = struct.unpack("<I", take(4))[0]
    out += struct.pack("<I", cpus)
    opt = take(10); assert opt == b"options  \0", opt
    out += opt
    while True:                                    # options: kept as they are
        oid = struct.unpack("<H", take(2))[0]
        out += struct.pack("<H", oid)
        if oid == 0: break
        n = struct.unpack("<I", take(4))[0]
        out += struct.pack("<I", n) + take(n)
    fly = take(10); assert fly == b"flyrecord\0", fly
    out += fly
    offs = [struct.unpack("<QQ", take(16)) for _ in range(cpus)]
    table = len(out)
    out += b"\0" * (16 * cpus)
    for i, (off, size) in enumerate(offs):
        keep = min(size, page)
        while len(out) % page: out += b"\0"
        struct.pack_into("<QQ", out, table + 16 * i, len(out), keep)
        out += d[off:off + keep]
    open(dst, "wb").write(out)

main()
