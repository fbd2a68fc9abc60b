/*
 * gen.h - the perf text form of tlbsim-gen (gen_perf.c); gen.c keeps the
 * native form and the command line.
 */
#ifndef TLBSIM_BENCH_GEN_H
#define TLBSIM_BENCH_GEN_H

#include <stdint.h>
#include <stdio.h>

/* Write about @lines lines of `perf script -F comm,tid,pid,cpu,time,event,
 * trace` text to @out (the step that reaches @lines is finished, so that
 * no syscall is left half-written). @mms long-lived processes on @cpus
 * CPUs, and short-lived children they fork. 0, or 2 when out of memory
 * or the write failed. */
int gen_perf(FILE *out, uint64_t seed, unsigned cpus, unsigned mms, uint64_t lines);

/* xorshift64, both forms' generator: deterministic for a seed (no time,
 * no addresses from the heap). */
static inline uint64_t gen_xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#endif
