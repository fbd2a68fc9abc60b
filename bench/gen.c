/*
 * gen.c - synthetic traces for benchmarks, in the native format (v1), or
 * with --format perf in the text of perf script (gen_perf.c).
 *
 *   tlbsim-gen [--format native|perf] [--cpus N] [--events N] [--seed S]
 *              [--mms N] [--backend B]
 *
 * --events is the native form's event count, the perf form's line count.
 *
 *              [--mix captures|stress]
 *
 * --mix captures (the default) follows the shipped captures: the mean,
 * over the 47 of traces/perf/, of their imports' event kinds (bench/mix.sh
 * prints it): 70 % page faults of one page, 8 % maps, 8 % flushes (fork's
 * copy-on-write, exec), 7 % switches (44 % of them to idle: lazy TLB),
 * 3.6 % mprotects of a few pages, 2.9 % munmaps, 0.4 % exits, 0.1 % zaps;
 * THP collapses and hugetlb share/unshare, rarer than 0.01 % there, at
 * 0.05 % each so that their paths run. --mix stress is the heavier mix
 * the generator had before (bench/RESULTS.md, up to the 23rd session):
 * touches of 1-16 pages, 21 % switches, 8 % zaps, 10 % unmaps, 0.8 %
 * collapses; shootdowns three times as often as in the captures.
 * Deterministic for a seed: a xorshift generator, no time, no addresses
 * from the heap.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

#define REGION ((uint64_t)64 << 20) /* each mm's private area: 64 MiB */
#define BASE ((uint64_t)0x10000000)
#define HUGE_BASE ((uint64_t)1 << 40) /* 1 GiB-aligned hugetlb window */

/* --mix captures: a step's shares per 10000 (the rest: touches) */
enum {
	MIX_SWITCH = 450, MIX_FLUSH = 880, MIX_PROTECT = 470, MIX_UNMAP = 370,
	MIX_EXIT = 45, MIX_ZAP = 13, MIX_COLLAPSE = 5, MIX_SHARE = 5,
};

struct gen {
	uint64_t rng;
	unsigned cpus, mms;
	uint64_t t;
	uint32_t *running;  /* mm per cpu, 0 = idle/kernel thread */
	bool *mapped;       /* per mm and 2 MiB slot (32 per mm) */
	bool *touched;
	bool *huge_shared;  /* per mm: shares mm 1's hugetlb PMD table */
	bool *huge_gone;    /* per mm: exited since its hugetlb GiB was mapped */
	bool stress;        /* --mix stress */
};

static uint64_t rnd(struct gen *g)
{
	return gen_xorshift(&g->rng);
}

static unsigned pick(struct gen *g, unsigned n)
{
	return (unsigned)(rnd(g) % n);
}

static void ev(struct gen *g, unsigned cpu, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#include <stdarg.h>
static void ev(struct gen *g, unsigned cpu, const char *fmt, ...)
{
	va_list ap;

	printf("{\"t\": %" PRIu64 ", \"cpu\": %u, ", g->t, cpu);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputs("}\n", stdout);
}

static uint64_t slot_addr(unsigned mm, unsigned slot)
{
	return BASE + (uint64_t)(mm - 1) * REGION + (uint64_t)slot * (2ULL << 20);
}

/* A CPU runs a task of some mm (or goes idle); mapping its slots lazily. */
static void do_switch(struct gen *g, unsigned cpu)
{
	/* to idle: one switch in five (stress), 44 % (the captures') */
	if (g->stress ? pick(g, 5) == 0 : pick(g, 25) < 11) {
		g->running[cpu] = 0;
		ev(g, cpu, "\"ev\": \"switch\", \"mm\": null");
		return;
	}
	g->running[cpu] = 1 + pick(g, g->mms);
	ev(g, cpu, "\"ev\": \"switch\", \"mm\": %u", g->running[cpu]);
}

static void do_touch(struct gen *g, unsigned cpu, unsigned mm)
{
	unsigned slot = pick(g, 32), idx = (mm - 1) * 32 + slot;

	if (!g->mapped[idx]) {
		ev(g, cpu, "\"ev\": \"map\", \"mm\": %u, \"addr\": \"0x%" PRIx64
		   "\", \"len\": 2097152", mm, slot_addr(mm, slot));
		g->mapped[idx] = true;
	}
	if (g->stress)
		ev(g, cpu, "\"ev\": \"touch\", \"mm\": %u, \"addr\": \"0x%" PRIx64
		   "\", \"len\": %u", mm, slot_addr(mm, slot) + (uint64_t)4096 * pick(g, 480),
		   4096 * (1 + pick(g, 16)));
	else   /* a page fault: one page */
		ev(g, cpu, "\"ev\": \"touch\", \"mm\": %u, \"addr\": \"0x%" PRIx64 "\"",
		   mm, slot_addr(mm, slot) + (uint64_t)4096 * pick(g, 512));
	g->touched[idx] = true;
}

/* flush_tlb_mm_range() outside an unmap: one page (fork's copy-on-write
 * of a page, a huge majority in the captures), or the whole mm with its
 * tables freed (exec's, setup_arg_pages()'s), 5 % of them. */
static void do_flush(struct gen *g, unsigned cpu, unsigned mm)
{
	uint64_t page = slot_addr(mm, pick(g, 32)) + (uint64_t)4096 * pick(g, 512);

	if (pick(g, 20) == 0)
		ev(g, cpu, "\"ev\": \"flush\", \"mm\": %u, \"start\": \"0x0\", "
		   "\"end\": \"all\", \"stride\": 12, \"freed_tables\": true, "
		   "\"unshared_tables\": false", mm);
	else
		ev(g, cpu, "\"ev\": \"flush\", \"mm\": %u, \"start\": \"0x%" PRIx64
		   "\", \"end\": \"0x%" PRIx64 "\", \"stride\": 12, "
		   "\"freed_tables\": false, \"unshared_tables\": false",
		   mm, page, page + 4096);
}

/* mprotect() of a few pages (the captures' median: 2), one in ten of 64. */
static void do_protect(struct gen *g, unsigned cpu, unsigned mm)
{
	unsigned slot = pick(g, 32), idx = (mm - 1) * 32 + slot;
	unsigned pages = pick(g, 10) ? 1 + pick(g, 4) : 64;

	if (!g->mapped[idx])
		return do_touch(g, cpu, mm);
	ev(g, cpu, "\"ev\": \"protect\", \"mm\": %u, \"addr\": \"0x%" PRIx64
	   "\", \"len\": %u", mm, slot_addr(mm, slot) + (uint64_t)4096 * pick(g, 448),
	   4096 * pages);
}

/* munmap() of a whole 2 MiB slot: a later touch maps it again. */
static void do_unmap(struct gen *g, unsigned cpu, unsigned mm)
{
	unsigned slot = pick(g, 32), idx = (mm - 1) * 32 + slot;

	if (!g->mapped[idx])
		return do_touch(g, cpu, mm);
	ev(g, cpu, "\"ev\": \"unmap\", \"mm\": %u, \"addr\": \"0x%" PRIx64
	   "\", \"len\": 2097152", mm, slot_addr(mm, slot));
	g->mapped[idx] = g->touched[idx] = false;
}

/* The process's last task exits (exit_mmap): the mm's id names a new
 * process from its next mention on, which maps its slots afresh. Only
 * when no other CPU runs it (they may still hold it lazily), and never
 * mm 1, whose hugetlb PMD table the others share. */
static void do_exit(struct gen *g, unsigned cpu, unsigned mm)
{
	for (unsigned c = 0; c < g->cpus; c++)
		if (mm == 1 || (c != cpu && g->running[c] == mm))
			return do_touch(g, cpu, mm);
	ev(g, cpu, "\"ev\": \"exit\", \"mm\": %u", mm);
	memset(&g->mapped[(mm - 1) * 32], 0, 32);
	memset(&g->touched[(mm - 1) * 32], 0, 32);
	g->huge_shared[mm] = false;
	g->huge_gone[mm] = true;
	g->running[cpu] = 0;
}

static void do_clear(struct gen *g, unsigned cpu, unsigned mm, const char *what)
{
	unsigned slot = pick(g, 32), idx = (mm - 1) * 32 + slot;

	if (!g->mapped[idx])
		return do_touch(g, cpu, mm);
	ev(g, cpu, "\"ev\": \"%s\", \"mm\": %u, \"addr\": \"0x%" PRIx64
	   "\", \"len\": %u", what, mm, slot_addr(mm, slot), 65536 * (1 + pick(g, 32)));
	if (strcmp(what, "unmap") == 0) {
		/* the slot is whole only when all 2 MiB went */
		g->mapped[idx] = false;
		ev(g, cpu, "\"ev\": \"unmap\", \"mm\": %u, \"addr\": \"0x%" PRIx64
		   "\", \"len\": 2097152", mm, slot_addr(mm, slot));
		g->touched[idx] = false;
	}
}

static void do_collapse(struct gen *g, unsigned cpu, unsigned mm)
{
	unsigned slot = pick(g, 32), idx = (mm - 1) * 32 + slot;

	if (!g->mapped[idx] || !g->touched[idx])
		return do_touch(g, cpu, mm);
	ev(g, cpu, "\"ev\": \"collapse\", \"mm\": %u, \"addr\": \"0x%" PRIx64 "\"",
	   mm, slot_addr(mm, slot));
	/* now a THP: unmap it so later collapses find PTE tables again */
	ev(g, cpu, "\"ev\": \"unmap\", \"mm\": %u, \"addr\": \"0x%" PRIx64
	   "\", \"len\": 2097152", mm, slot_addr(mm, slot));
	g->mapped[idx] = g->touched[idx] = false;
}

static void do_share(struct gen *g, unsigned cpu, unsigned mm)
{
	if (mm == 1 || g->mms < 2)
		return;
	if (g->huge_gone[mm]) {   /* a new process of this id: map it again */
		ev(g, cpu, "\"ev\": \"map\", \"mm\": %u, \"addr\": \"0x%" PRIx64
		   "\", \"len\": 1073741824, \"hugetlb\": true", mm, HUGE_BASE);
		g->huge_gone[mm] = false;
	}
	if (!g->huge_shared[mm]) {
		ev(g, cpu, "\"ev\": \"share\", \"mm\": %u, \"with\": 1, \"addr\": \"0x%"
		   PRIx64 "\"", mm, HUGE_BASE);
		g->huge_shared[mm] = true;
	} else {
		ev(g, cpu, "\"ev\": \"unshare\", \"mm\": %u, \"addr\": \"0x%" PRIx64 "\"",
		   mm, HUGE_BASE);
		g->huge_shared[mm] = false;
	}
}

static void setup(struct gen *g, const char *backend)
{
	printf("{\"tlbsim\": 1, \"cpus\": %u, \"clock\": \"ns\", \"backend\": \"%s\", "
	       "\"comment\": \"synthetic: tlbsim-gen, seed %" PRIu64 "\"}\n",
	       g->cpus, backend, g->rng);
	/* every mm maps the hugetlb GiB; mm 1 populates the shared PMD table */
	for (unsigned mm = 1; mm <= g->mms; mm++)
		ev(g, 0, "\"ev\": \"map\", \"mm\": %u, \"addr\": \"0x%" PRIx64
		   "\", \"len\": 1073741824, \"hugetlb\": true", mm, HUGE_BASE);
	ev(g, 0, "\"ev\": \"switch\", \"mm\": 1");
	ev(g, 0, "\"ev\": \"touch\", \"mm\": 1, \"addr\": \"0x%" PRIx64 "\"", HUGE_BASE);
	g->running[0] = 1;
}

/* One step of --mix stress: the generator's mix up to the 23rd session
 * (its output byte-identical). */
static void step_stress(struct gen *g)
{
	unsigned cpu = pick(g, g->cpus), mm = g->running[cpu], r = pick(g, 1000);

	g->t += 1000 + pick(g, 20000); /* 1-21 us between events */
	if (!mm || r < 200)
		do_switch(g, cpu);
	else if (r < 800)
		do_touch(g, cpu, mm);
	else if (r < 900)
		do_clear(g, cpu, mm, "zap");
	else if (r < 960)
		do_clear(g, cpu, mm, "unmap");
	else if (r < 985)
		do_clear(g, cpu, mm, "protect");
	else if (r < 995)
		do_collapse(g, cpu, mm);
	else
		do_share(g, cpu, mm);
}

/* One step of --mix captures: shares per 10000 steps, set so that the
 * output's kinds come out at the captures' mean (the maps are the
 * touches' of slots an unmap or an exit left empty; an idle CPU's step
 * is a switch). */
static void step_captures(struct gen *g)
{
	unsigned cpu = pick(g, g->cpus), mm = g->running[cpu], r = pick(g, 10000);

	g->t += 1000 + pick(g, 20000); /* 1-21 us between events */
	if (!mm || r < MIX_SWITCH)
		do_switch(g, cpu);
	else if ((r -= MIX_SWITCH) < MIX_FLUSH)
		do_flush(g, cpu, mm);
	else if ((r -= MIX_FLUSH) < MIX_PROTECT)
		do_protect(g, cpu, mm);
	else if ((r -= MIX_PROTECT) < MIX_UNMAP)
		do_unmap(g, cpu, mm);
	else if ((r -= MIX_UNMAP) < MIX_EXIT)
		do_exit(g, cpu, mm);
	else if ((r -= MIX_EXIT) < MIX_ZAP)
		do_clear(g, cpu, mm, "zap");
	else if ((r -= MIX_ZAP) < MIX_COLLAPSE)
		do_collapse(g, cpu, mm);
	else if ((r -= MIX_COLLAPSE) < MIX_SHARE)
		do_share(g, cpu, mm);
	else
		do_touch(g, cpu, mm);
}

int main(int argc, char **argv)
{
	struct gen g = { .rng = 1, .cpus = 4, .mms = 8 };
	uint64_t events = 1000;
	const char *backend = "native", *format = "native", *mix = "captures";

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--cpus"))
			g.cpus = (unsigned)strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--events"))
			events = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seed"))
			g.rng = strtoull(argv[i + 1], NULL, 0) | 1;
		else if (!strcmp(argv[i], "--mms"))
			g.mms = (unsigned)strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--backend"))
			backend = argv[i + 1];
		else if (!strcmp(argv[i], "--format"))
			format = argv[i + 1];
		else if (!strcmp(argv[i], "--mix"))
			mix = argv[i + 1];
		else
			argc = -1;
	}
	if (argc < 0 || (strcmp(format, "native") && strcmp(format, "perf")) ||
	    (strcmp(mix, "captures") && strcmp(mix, "stress"))) {
		fprintf(stderr, "usage: tlbsim-gen [--format native|perf] [--cpus N] "
			"[--events N] [--seed S] [--mms N] [--backend B] "
			"[--mix captures|stress]\n");
		return 2;
	}
	if (!g.cpus || g.cpus > 4096 || !g.mms) {
		fprintf(stderr, "tlbsim-gen: --cpus must be 1..4096, --mms >= 1\n");
		return 2;
	}
	if (!strcmp(format, "perf")) {
		/* one write per MiB, not per line */
		setvbuf(stdout, NULL, _IOFBF, 1 << 20);
		return gen_perf(stdout, g.rng, g.cpus, g.mms, events);
	}
	g.running = calloc(g.cpus, sizeof(*g.running));
	g.mapped = calloc((size_t)g.mms * 32, 1);
	g.touched = calloc((size_t)g.mms * 32, 1);
	g.huge_shared = calloc((size_t)g.mms + 1, 1);
	g.huge_gone = calloc((size_t)g.mms + 1, 1);
	g.stress = !strcmp(mix, "stress");
	if (!g.running || !g.mapped || !g.touched || !g.huge_shared || !g.huge_gone)
		return 2;
	setup(&g, backend);
	for (uint64_t n = 0; n < events; n++)
		(g.stress ? step_stress : step_captures)(&g);
	free(g.running);
	free(g.mapped);
	free(g.touched);
	free(g.huge_shared);
	free(g.huge_gone);
	return ferror(stdout) ? 2 : 0;
}
