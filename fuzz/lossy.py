#!/usr/bin/env python3
"""fuzz/lossy.py [--quick] [--bin TLBSIM] [CAPTURE...] - replay real captures
damaged the way perf damages them, and fail if any run does not give a report.

perf drops records when its ring buffers overflow ("Check IO/CPU overload"),
a capture may be cut at either end, and records of different CPUs may be
out of order by a little. Each variant must still replay: `tlbsim validate
--json` exits 0 (the reconstruction infers around what is missing; it must
never hand the model an event the model refuses), and what `tlbsim import`
writes of it reads back. Variants, per capture:
records dropped at random (5 to 45 %), in bursts on one CPU, a third of the
sched_switch or syscall records gone, every mmap's return gone, the
capture cut at its start or end,
neighbouring records swapped, and two captures merged into one (pids
colliding). Deterministic: every choice comes from a seeded generator.

Default captures: traces/perf/*.perf.txt.xz, traces/perf/dev/*.perf.txt.xz,
traces/perf/intel/*.perf.txt.xz, traces/perf/pvm/*.perf.txt.xz and
traces/perf/ftrace/*.txt.xz. --quick: a few variants of a few captures
(CI). A failing variant is kept as build/lossy-fail-PID-N.txt.
"""
import glob
import lzma
import os
import random
import re
import subprocess
import sys

TIME = re.compile(r'\] +(\d+)\.(\d+):')
CPU = re.compile(r'\[(\d+)\]')


def load(path):
    with lzma.open(path, 'rt', errors='surrogateescape') as f:
        return f.readlines()


def split_header(lines):
    """perf script --header's banner, then the records: perf writes the
    banner whole, and loses records only (the damage is theirs)."""
    n = 0
    while n < len(lines) and lines[n].startswith('#'):
        n += 1
    return lines[:n], lines[n:]


def drop(lines, rng, rate):
    return [l for l in lines if rng.random() >= rate]


def bursts(lines, rng):
    out, left, cpu = [], 0, None
    for l in lines:
        m = CPU.search(l)
        if left and m and m.group(1) == cpu:
            left -= 1
            continue
        if not left and m and rng.random() < 0.002:
            left, cpu = 200, m.group(1)
        out.append(l)
    return out


def drop_kind(lines, rng, pattern):
    return [l for l in lines if not re.search(pattern, l) or rng.random() >= 0.3]


def swap(lines, rng):
    out, i = list(lines), 0
    while i < len(out) - 1:
        if rng.random() < 0.02:
            out[i], out[i + 1] = out[i + 1], out[i]
            i += 2
        else:
            i += 1
    return out


def stamp(line):
    m = TIME.search(line)
    return int(m.group(1)) * 10**6 + int(m.group(2).ljust(6, '0')[:6]) if m else None


def merge(a, b, rng):
    ta = [(stamp(l), l) for l in a if stamp(l) is not None]
    tb = [(stamp(l), l) for l in b if stamp(l) is not None]
    if not ta or not tb:
        return a
    off = ta[0][0] - tb[0][0] + rng.randint(0, max(1, (ta[-1][0] - ta[0][0]) // 2))
    moved = [(t + off, TIME.sub('] %d.%06d:' % ((t + off) // 10**6, (t + off) % 10**6),
                               l, count=1)) for t, l in tb]
    return [l for _, l in sorted(ta + moved, key=lambda x: x[0])]


def variants(lines, other, rng, quick):
    n = len(lines)
    yield 'drop 20%', drop(lines, rng, 0.20)
    yield 'bursts', bursts(lines, rng)
    yield 'merged', merge(lines, other, rng)
    if quick:
        return
    for rate in (0.05, 0.35, 0.45):
        yield 'drop %d%%' % (rate * 100), drop(lines, rng, rate)
    yield 'switches', drop_kind(lines, rng, 'sched_switch')
    yield 'syscalls', drop_kind(lines, rng, 'sys_enter_|sys_exit_')
    yield 'no mmap returns', [l for l in lines if 'sys_exit_mmap' not in l]
    for k in (3, 11, 23):
        cut = n * k // 29 + k
        yield 'cut start %d' % cut, lines[cut:]
        yield 'cut end %d' % cut, lines[:cut]
    yield 'swapped', swap(lines, rng)


def main():
    args, quick, tlbsim = sys.argv[1:], False, 'build/tlbsim'
    if args and args[0] == '--quick':
        quick, args = True, args[1:]
    if len(args) >= 2 and args[0] == '--bin':
        tlbsim, args = args[1], args[2:]
    caps = args or sorted(glob.glob('traces/perf/*.perf.txt.xz') +
                          glob.glob('traces/perf/dev/*.perf.txt.xz') +
                          glob.glob('traces/perf/intel/*.perf.txt.xz') +
                          glob.glob('traces/perf/pvm/*.perf.txt.xz') +
                          glob.glob('traces/perf/ftrace/*.txt.xz'))
    if quick:
        caps = caps[:4]
    tmp, runs, failed = 'build/lossy-variant-%d.txt' % os.getpid(), 0, 0
    for i, cap in enumerate(caps):
        rng = random.Random(i)
        head, lines = split_header(load(cap))
        other = split_header(load(caps[(i * 5 + 1) % len(caps)]))[1]
        for name, text in variants(lines, other, rng, quick):
            with open(tmp, 'w', errors='surrogateescape') as f:
                f.writelines(head + text)
            r = subprocess.run([tlbsim, 'validate', tmp, '--json'], capture_output=True,
                               text=True, errors='replace', timeout=600)
            if r.returncode == 0:   # and its import reads back
                r = subprocess.run([tlbsim, 'import', tmp, '-o', tmp + '.jsonl'],
                                   capture_output=True, text=True, errors='replace')
            if r.returncode == 0:
                r = subprocess.run([tlbsim, 'compare', tmp + '.jsonl', '-o', os.devnull],
                                   capture_output=True, text=True, errors='replace')
            runs += 1
            if r.returncode != 0:
                failed += 1
                keep = 'build/lossy-fail-%d-%d.txt' % (os.getpid(), failed)
                os.replace(tmp, keep)
                print('%s, %s: exit %d: %s (kept as %s)' % (cap, name, r.returncode,
                      r.stderr.strip()[:300], keep))
    for f in (tmp, tmp + '.jsonl'):
        if os.path.exists(f):
            os.unlink(f)
    print('fuzz/lossy.py: %d damaged captures replayed, %d failed' % (runs, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
