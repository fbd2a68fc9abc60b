/*
 * gen.c - synthetic traces for benchmarks, in the native format (v1), or
 * with --format perf in the text of perf script (gen_perf.c).
 *
 *   tlbsim-gen [--format native|perf] [--cpus N] [--events N] [--seed S]
 *              [--mms N] [--backend B]
 *
 * --events is the native form's event count, the perf form's line count.
 *
 * The event mix follows the shipped captures (traces/perf/): mostly page
 * faults (touch) and context switches, then zaps (MADV_DONTNEED), unmaps
 * with their maps, protects, idle periods (lazy TLB), and rare THP collapses
 * and hugetlb share/unshare pairs. Deterministic for a seed: a xorshift
 * generator, no time, no addresses from the heap.
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

struct gen {
	uint64_t rng;
	unsigned cpus, mms;
	uint64_t t;
	uint32_t *running;  /* mm per cpu, 0 = idle/kernel thread */
	bool *mapped;       /* per mm and 2 MiB slot (32 per mm) */
	bool *touched;
	bool *huge_shared;  /* per mm: shares mm 1's hugetlb PMD table */
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
	if (pick(g, 5) == 0) {
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
	ev(g, cpu, "\"ev\": \"touch\", \"mm\": %u, \"addr\": \"0x%" PRIx64
	   "\", \"len\": %u", mm, slot_addr(mm, slot) + (uint64_t)4096 * pick(g, 480),
	   4096 * (1 + pick(g, 16)));
	g->touched[idx] = true;
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

int main(int argc, char **argv)
{
	struct gen g = { .rng = 1, .cpus = 4, .mms = 8 };
	uint64_t events = 1000;
	const char *backend = "native", *format = "native";

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
		else
			argc = -1;
	}
	if (argc < 0 || (strcmp(format, "native") && strcmp(format, "perf"))) {
		fprintf(stderr, "usage: tlbsim-gen [--format native|perf] [--cpus N] "
			"[--events N] [--seed S] [--mms N] [--backend B]\n");
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
	if (!g.running || !g.mapped || !g.touched || !g.huge_shared)
		return 2;
	setup(&g, backend);
	for (uint64_t n = 0; n < events; n++) {
		unsigned cpu = pick(&g, g.cpus), mm = g.running[cpu], r = pick(&g, 1000);

		g.t += 1000 + pick(&g, 20000); /* 1-21 us between events */
		if (!mm || r < 200)
			do_switch(&g, cpu);
		else if (r < 800)
			do_touch(&g, cpu, mm);
		else if (r < 900)
			do_clear(&g, cpu, mm, "zap");
		else if (r < 960)
			do_clear(&g, cpu, mm, "unmap");
		else if (r < 985)
			do_clear(&g, cpu, mm, "protect");
		else if (r < 995)
			do_collapse(&g, cpu, mm);
		else
			do_share(&g, cpu, mm);
	}
	free(g.running);
	free(g.mapped);
	free(g.touched);
	free(g.huge_shared);
	return ferror(stdout) ? 2 : 0;
}
