/* perf.c - test_trace's cases of the perf text parse (numbers, fault
 * addresses, fields), the reconstruction's VMA mirror and page sets, and
 * the reorder window. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "trace/perf.h"
#include "trace/recon.h"
#include "trace/window.h"
#include "tlbsim/trace.h"
#include "parts.h"

/* The line's numbers at every length the 8-byte reads meet: PIDs and TIDs
 * of 1 to 10 digits, a CPU at the line's 8 bytes before its end, times of
 * 6 and 9 fraction digits, and a 19-digit second count read by strtoul. */
static void test_perf_numbers(void **state)
{
	static const struct {
		const char *line;
		int32_t pid, tid;
		uint32_t cpu;
		uint64_t t_ns;
	} ok[] = {
		{ "a 1/2 [0] 3.000004: x:y: z", 1, 2, 0, 3000004000ULL },
		{ "cc1  12345678/123456789 [001] 4081.615273: tlb:tlb_flush: pages=1",
		  12345678, 123456789, 1, 4081615273000ULL },
		{ "w 1234567890/7 [4095] 10685.568866297: a:b: ", 1234567890, 7, 4095,
		  10685568866297ULL },
		{ "w 99999999/9 [12] 87654321.123456789: a:b:", 99999999, 9, 12,
		  87654321123456789ULL },
		{ "w 5/5 [3] 1844674407.000000001: a:b:", 5, 5, 3, 1844674407000000001ULL },
		/* perf's -1: a thread that had exited ("4174/-1", ":-1 -1/-1") */
		{ ":-1  4174/-1    [001] 4081.637753: a:b:", 4174, -1, 1, 4081637753000ULL },
		{ ":-1    -1/-1    [000] 1.5: a:b:", -1, -1, 0, 1500000000ULL },
		{ "w 2147483647/0 [0] 9223372036.854775807: a:b:", INT32_MAX, 0, 0,
		  (uint64_t)INT64_MAX },
		/* a comm with a " [N]" of its own (prctl(PR_SET_NAME)) */
		{ "pool [0] 1/2  7/8 [001] 2.5: x:y: z", 7, 8, 1, 2500000000ULL },
	};
	static const char *const bad[] = {
		"w 5/5 [3] 1234567890123456789.5: a:b:",
		"w 5/5 [3] 12.1234567891: a:b:",
		/* beyond 2^63-1 ns: times are signed downstream */
		"w 5/5 [3] 9223372036.854775808: a:b:",
		"w 5/5 [3] 18446744072.999999: a:b:",
		/* PID/TID: what perf prints, nothing else */
		"w 4174/abc [0] 1.0: a:b:", "w 4174/ [0] 1.0: a:b:",
		"w 99999999999/99999999999 [0] 1.0: a:b:", "w 2147483648/1 [0] 1.0: a:b:",
		"w -5/-5 [0] 1.0: a:b:", "w 5/-2 [0] 1.0: a:b:", "w +5/5 [0] 1.0: a:b:",
		"w /5 [0] 1.0: a:b:", "w 5//5 [0] 1.0: a:b:", "w 5/5x [0] 1.0: a:b:",
		"w 5 [0] 1.0: a:b:",   /* a bare TID: perf's default fields */
		"", " [0] 1.0: a:b:",
	};
	struct perf_rec r;
	struct tlbsim_diag d;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(perf_parse_line(ok[i].line, strlen(ok[i].line), 1, "t",
						 &r, &d), 0);
		assert_int_equal(r.pid, ok[i].pid);
		assert_int_equal(r.tid, ok[i].tid);
		assert_int_equal(r.cpu, ok[i].cpu);
		assert_int_equal(r.t_ns, ok[i].t_ns);
	}
	assert_string_equal(r.comm, "pool [0] 1/2");
	/* seconds of 19 digits (beyond what fits in nanoseconds), 10
	 * fraction digits */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (perf_parse_line(bad[i], strlen(bad[i]), 1, "t", &r, &d) != TLBSIM_EPARSE)
			fail_msg("'%s' parsed", bad[i]);
}

/* A fault record's addresses in one pass: every length from 1 to 16
 * digits in both cases (against strtoull), and the bytes beside the
 * digits' ranges ('/', ':', '@', 'G', '`', 'g') ending a number. */
static void test_perf_fault_hex(void **state)
{
	static const char hex[] = "0123456789abcdefABCDEF";
	static const struct {
		const char *text;
		uint64_t address, error_code;
	} cases[] = {
		{ "address=0x7faf0010e408 ip=0x55c4c719643d error_code=0x7",
		  0x7faf0010e408ULL, 7 },
		{ "address=0xffffffffffffffff ip=0xabcdefABCDEF0123 error_code=0x14",
		  UINT64_MAX, 0x14 },
		{ "address=0x12345678 ip=0x9 error_code=0x4", 0x12345678, 4 },
		{ "address=0x0 ip=0x0 error_code=0x0", 0, 0 },
		{ "address=0x123456789 ip=0x1 error_code=0x2", 0x123456789ULL, 2 },
	};
	/* a byte just beside the digits' ranges, or a 17th digit: not the
	 * kernel's shape (the reconstruction then reads the fields one by
	 * one, and refuses these: perf_field_num()) */
	static const char *const other[] = {
		"address=0x12g4 ip=0x1 error_code=0x4", "address=0xab:cd ip=0x1 error_code=0x2",
		"address=0xf/ ip=0x1 error_code=0x2", "address=0x9@ ip=0x1 error_code=0x2",
		"address=0xAG ip=0x1 error_code=0x2", "address=0xa` ip=0x1 error_code=0x2",
		"address=0xQQ ip=0x1 error_code=0x6", "address=0x ip=0x1 error_code=0x6",
		"address=0x11111111111111111 ip=0x1 error_code=0x6",
		"address=0x1 ip=0x1 error_code=0x6z", "address=0x1 error_code=0x6",
	};
	char text[128], a[20], ip[20];
	uint64_t addr, ec, seed = 1;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(perf_fault_fields(cases[i].text, &addr, &ec));
		assert_int_equal(addr, cases[i].address);
		assert_int_equal(ec, cases[i].error_code);
	}
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		assert_false(perf_fault_fields(other[i], &addr, &ec));
		assert_int_equal(perf_field_num(other[i], "address", &addr),
				 i < sizeof(other) / sizeof(other[0]) - 2 ? -1 : 1);
	}
	for (unsigned n = 1; n <= 16; n++)
		for (int k = 0; k < 50; k++) {
			for (unsigned j = 0; j < n; j++) {
				seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
				a[j] = hex[(seed >> 33) % 22];
				ip[j] = hex[(seed >> 45) % 22];
			}
			a[n] = ip[n] = '\0';
			snprintf(text, sizeof(text), "address=0x%s ip=0x%s error_code=0x%x",
				 a, ip, (unsigned)(seed >> 60));
			assert_true(perf_fault_fields(text, &addr, &ec));
			assert_int_equal(addr, strtoull(a, NULL, 16));
			assert_int_equal(ec, seed >> 60);
		}
}

/* The parse's copies at every length a copy move changes at (and the
 * text's truncation to 399 bytes), and a fault's fields read from the
 * line: only for exceptions:page_fault_user in the kernel's shape. */
static void test_perf_parse_copies(void **state)
{
	static const char *const head = "  my comm  12/13 [001] 5.000001: ";
	struct {
		const char *event, *text;
		bool fault;
	} faults[] = {
		{ "exceptions:page_fault_user", "address=0x7f00 ip=0x1 error_code=0x6", true },
		{ "exceptions:page_fault_user", "address=0x7f00 ip=0x1 error_code=0x6z", false },
		{ "exceptions:page_fault_use", "address=0x7f00 ip=0x1 error_code=0x6", false },
		{ "exceptions:page_fault_users", "address=0x7f00 ip=0x1 error_code=0x6", false },
	};
	char line[600], want[400];
	struct perf_rec r;
	struct tlbsim_diag d;

	(void)state;
	for (size_t n = 0; n <= 420; n++) {
		int k = snprintf(line, sizeof(line), "%sa:b: ", head);

		for (size_t i = 0; i < n; i++)
			line[k + i] = (char)('!' + i % 90);
		line[k + n] = '\0';
		assert_int_equal(perf_parse_line(line, strlen(line), 1, "t", &r, &d), 0);
		snprintf(want, sizeof(want), "%s", line + k);
		assert_int_equal(r.text_len, strlen(want));
		assert_memory_equal(r.text, want, r.text_len);
		assert_string_equal(r.comm, "my comm");
		assert_string_equal(r.event, "a:b");
		assert_false(r.fault);
	}
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		snprintf(line, sizeof(line), "%s%s: %s", head, faults[i].event, faults[i].text);
		assert_int_equal(perf_parse_line(line, strlen(line), 1, "t", &r, &d), 0);
		assert_int_equal(r.fault, faults[i].fault);
		assert_string_equal(r.text, faults[i].text);
		assert_int_equal(r.text_len, strlen(faults[i].text));
		if (faults[i].fault) {
			assert_int_equal(r.fault_addr, 0x7f00);
			assert_int_equal(r.fault_err, 6);
		}
	}
}

/* perf_field_num: keys match at a field start only; values are numbers as
 * the tracepoints print them ("0x" and 1 to 16 hex digits, or decimal
 * within 64 bits), or the field is malformed (-1): strtoull() read "0xZZ"
 * as 0, "-4096" as 2^64-4096 and too many digits as 2^64-1. */
static void test_perf_fields(void **state)
{
	static const char *const malformed[] = {
		"n=-1", "n=-4096", "n=banana", "n=0xZZZZ", "n=0x", "n=12)", "n=0x12g4",
		"n=0x1ffffffffffffffff", "n=18446744073709551616",
		"n=99999999999999999999999", "n=+5", "n= ", "n=1.5",
	};
	uint64_t v;
	int64_t sv;

	(void)state;
	assert_int_equal(perf_field_num("address=0x7faf0010e408 ip=0x55c4c719643d "
					"error_code=0x7", "address", &v), 1);
	assert_int_equal(v, 0x7faf0010e408ULL);
	assert_int_equal(perf_field_num("address=0x7faf0010e408 ip=0x55c4c719643d "
					"error_code=0x7", "ip", &v), 1);
	assert_int_equal(v, 0x55c4c719643dULL);
	assert_int_equal(perf_field_num("prev_len=5 len=4096", "len", &v), 1);
	assert_int_equal(v, 4096);
	assert_int_equal(perf_field_num("xlen: 3, len: 0x10", "len", &v), 1);
	assert_int_equal(v, 16);
	assert_int_equal(perf_field_num("fd=010", "fd", &v), 1);   /* decimal, not octal */
	assert_int_equal(v, 10);
	assert_int_equal(perf_field_num("fd=0xffffffff", "fd", &v), 1);
	assert_int_equal(v, 0xffffffffULL);
	assert_int_equal(perf_field_num("n=18446744073709551615", "n", &v), 1);
	assert_int_equal(v, UINT64_MAX);                           /* 20 digits */
	assert_int_equal(perf_field_num("n=0xffffffffffffffff,", "n", &v), 1);
	assert_int_equal(v, UINT64_MAX);
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		if (perf_field_num(malformed[i], "n", &v) != -1)
			fail_msg("%s read as a number", malformed[i]);
	}
	assert_int_equal(perf_field_num("plen=4", "len", &v), 0);  /* absent */
	assert_int_equal(perf_field_snum("pages:-1 reason:x (0)", "pages", &sv), 1);
	assert_int_equal(sv, -1);
	assert_int_equal(perf_field_snum("pages:512", "pages", &sv), 1);
	assert_int_equal(sv, 512);
	assert_int_equal(perf_field_snum("n=-9223372036854775808", "n", &sv), 1);
	assert_true(sv == INT64_MIN);
	assert_int_equal(perf_field_snum("n=9223372036854775808", "n", &sv), -1);
	assert_int_equal(perf_field_snum("n=-", "n", &sv), -1);
	assert_int_equal(perf_field_snum("pages:abc", "pages", &sv), -1);
	assert_true(perf_ret("0x7f0000000000", &v) && v == 0x7f0000000000ULL);
	assert_false(perf_ret("12", &v));
	assert_false(perf_ret("0xQQ", &v));
	/* signal_deliver's "%lx": hex digits, no "0x" */
	assert_int_equal(perf_field_hex("sig=17 errno=0 code=1 sa_handler=55acd1525dc0 "
					"sa_flags=4000000", "sa_handler", &v), 1);
	assert_int_equal(v, 0x55acd1525dc0ULL);
	assert_int_equal(perf_field_hex("sa_handler=0 sa_flags=4000000", "sa_flags", &v), 1);
	assert_int_equal(v, 0x4000000);
	assert_int_equal(perf_field_hex("sa_handler=0 sa_flags=0", "sa_handler", &v), 1);
	assert_int_equal(v, 0);
	assert_int_equal(perf_field_hex("sa_flags=ffffffffffffffff", "sa_flags", &v), 1);
	assert_true(v == UINT64_MAX);
	assert_int_equal(perf_field_hex("sa_flags=1ffffffffffffffff", "sa_flags", &v), -1);
	assert_int_equal(perf_field_hex("sa_handler=0x10", "sa_handler", &v), -1);
	assert_int_equal(perf_field_hex("sa_handler=", "sa_handler", &v), -1);
	assert_int_equal(perf_field_hex("sa_handler=-1", "sa_handler", &v), -1);
	assert_int_equal(perf_field_hex("sig=17", "sa_handler", &v), 0);
}

/* The reconstruction's VMA mirror: an unmap trims, splits and drops, and
 * forgets the 2 MiB chunks it covers. */
static void test_mirror_remove(void **state)
{
	struct proc pr;

	(void)state;
	memset(&pr, 0, sizeof(pr));
	mirror_add(&pr, 0x1000, 0x5000, false);
	mirror_add(&pr, 0xa000, 0xc000, false);
	mirror_add(&pr, 0x6000, 0x9000, true);
	assert_int_equal(pr.nv, 3);
	mirror_remove(&pr, 0x2000, 0x7000);   /* trims the first two */
	assert_int_equal(pr.nv, 3);
	assert_true(pr.v[0].start == 0x1000 && pr.v[0].end == 0x2000);
	assert_true(pr.v[1].start == 0x7000 && pr.v[1].end == 0x9000 && pr.v[1].huge);
	assert_true(pr.v[2].start == 0xa000 && pr.v[2].end == 0xc000);
	mirror_remove(&pr, 0xa800, 0xb000);   /* a hole: two pieces */
	assert_int_equal(pr.nv, 4);
	assert_true(pr.v[2].start == 0xa000 && pr.v[2].end == 0xa800);
	assert_true(pr.v[3].start == 0xb000 && pr.v[3].end == 0xc000);
	mirror_remove(&pr, 0x5000, 0x6000);   /* nothing there */
	assert_int_equal(pr.nv, 4);
	mirror_remove(&pr, 0, 0xb800);        /* all but the last's tail */
	assert_int_equal(pr.nv, 1);
	assert_true(pr.v[0].start == 0xb800 && pr.v[0].end == 0xc000);
	assert_non_null(vma_at(&pr, 0xb800));
	assert_null(vma_at(&pr, 0xb7ff));

	chunk_touch(&pr, 0x0);                /* chunk 0 is a chunk too */
	chunk_touch(&pr, 0x200123);
	chunk_touch(&pr, 0x400000);
	assert_true(chunk_touched(&pr, 0) && chunk_touched(&pr, 0x200000) &&
		    chunk_touched(&pr, 0x400000));
	mirror_remove(&pr, 0x400000, 0x401000);
	assert_false(chunk_touched(&pr, 0x400000));
	assert_true(chunk_touched(&pr, 0x200000));
	chunks_forget(&pr, 0x200000, 1ULL << 46); /* the pass over the set */
	assert_false(chunk_touched(&pr, 0x200000));
	assert_true(chunk_touched(&pr, 0));
	chunks_forget(&pr, 0x1fffff, 0x200000);   /* its last byte */
	assert_false(chunk_touched(&pr, 0));
	proc_release(&pr);
}

/* Page sets hold pages by 1 MiB region, a bitmap each: pages at a
 * region's first and last slot and across its edge are told apart, a take
 * removes one page of its region only, and 300 regions (the table grows
 * from 16 slots) all stay found. */
static void test_pageset(void **state)
{
	struct pageset ps = { 0 };
	(void)state;

	pageset_add(&ps, 0x0);          /* page 0 of region 0 */
	pageset_add(&ps, 0xff000);      /* page 255 of region 0 */
	pageset_add(&ps, 0x100000);     /* page 0 of region 1 */
	assert_int_equal(ps.n, 2);
	assert_true(pageset_has(&ps, 0x0) && pageset_has(&ps, 0xff000) &&
		    pageset_has(&ps, 0x100000));
	assert_false(pageset_has(&ps, 0x1000));
	assert_false(pageset_has(&ps, 0xfe000));
	assert_false(pageset_has(&ps, 0x101000));
	assert_true(pageset_take(&ps, 0xff000));
	assert_false(pageset_take(&ps, 0xff000));   /* gone */
	assert_true(pageset_has(&ps, 0x0));
	assert_false(pageset_take(&ps, 0x7f0000000000)); /* no such region */
	for (uint64_t i = 0; i < 300; i++)
		pageset_add(&ps, 0x10000000 + i * 0x100000 + (i % 256) * 0x1000);
	assert_int_equal(ps.n, 302);
	assert_int_equal(ps.cap, 1024);   /* at most half full: 16 doubled 6 times */
	for (uint64_t i = 0; i < 300; i++) {
		uint64_t page = 0x10000000 + i * 0x100000 + (i % 256) * 0x1000;

		assert_true(pageset_has(&ps, page));
		assert_false(pageset_has(&ps, page ^ 0x1000));
	}
	assert_true(pageset_has(&ps, 0x0) && pageset_has(&ps, 0x100000));
	pageset_free(&ps);
	assert_false(pageset_has(&ps, 0x0));
}

/* pages_forget() clears a range's pages whatever its alignment to the
 * regions and their 64-page words: within one word, across words and
 * regions, by address or (a range spanning more regions than the set has
 * slots) by a pass over the set; pages outside stay. */
static void test_pages_forget(void **state)
{
	static const struct { uint64_t s, e; } ranges[] = {
		{ 0x3000, 0x5000 },             /* pages 3-4: one word */
		{ 0x3e000, 0x42000 },           /* 62-65: across a word */
		{ 0xfe000, 0x102000 },          /* 254-257: across a region */
		{ 0x200000, 0x300000 },         /* region 2 whole */
		{ 0x0, 0x7f0000000000 },        /* more regions than slots */
	};
	struct pageset ps = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		for (uint64_t p = 0; p < 0x400000; p += 0x1000)
			pageset_add(&ps, p);
		pages_forget(&ps, ranges[i].s, ranges[i].e);
		for (uint64_t p = 0; p < 0x400000; p += 0x1000)
			if (pageset_has(&ps, p) != (p < ranges[i].s || p >= ranges[i].e))
				fail_msg("[0x%llx, 0x%llx): page 0x%llx",
					 (unsigned long long)ranges[i].s,
					 (unsigned long long)ranges[i].e, (unsigned long long)p);
	}
	pageset_free(&ps);
}

/* The reorder window: records leave in (time, input order); a task's next
 * pending record is found without a pass over the window, also when its
 * records arrived out of time order. */
static void push(struct window *w, uint64_t t, uint64_t seq, int32_t tid)
{
	uint32_t slot = window_slot(w);
	struct perf_rec *r;

	assert_int_not_equal(slot, UINT32_MAX);
	r = window_rec(w, slot);
	memset(r, 0, sizeof(*r));
	r->t_ns = t;
	r->tid = tid;
	assert_int_equal(window_push(w, slot, seq), 0);
	assert_int_equal(r->seq, seq);
}

static void test_window(void **state)
{
	struct window *w = window_new();
	const struct perf_rec *r;
	static const uint64_t order[] = { 5, 10, 10, 20, 30, 40 };

	(void)state;
	assert_non_null(w);
	assert_null(window_top(w));
	assert_null(window_next_of(w, 7));
	push(w, 30, 0, 7);
	push(w, 10, 1, 8);
	push(w, 20, 2, 7);   /* task 7's records out of time order */
	push(w, 10, 3, 7);
	push(w, 40, 4, 8);
	push(w, 5, 5, 9);
	assert_int_equal(window_len(w), 6);
	assert_int_equal(window_next_of(w, 7)->t_ns, 10);
	assert_int_equal(window_next_of(w, 7)->seq, 3);
	assert_int_equal(window_next_of(w, 8)->t_ns, 10);
	/* task 7's records in time order: 10, 20, 30, then none */
	assert_int_equal(window_after(w, window_next_of(w, 7))->t_ns, 20);
	assert_int_equal(window_after(w, window_after(w, window_next_of(w, 7)))->t_ns, 30);
	assert_null(window_after(w, window_after(w, window_after(w, window_next_of(w, 7)))));
	for (unsigned i = 0; i < 6; i++) {
		r = window_pop(w);
		assert_non_null(r);
		assert_int_equal(r->t_ns, order[i]);
		if (i == 2)   /* the two at 10 in input order: task 8's, then 7's */
			assert_int_equal(r->tid, 7);
		if (i == 2) {
			assert_int_equal(window_next_of(w, 7)->t_ns, 20);
			assert_null(window_next_of(w, 9));
		}
	}
	assert_null(window_pop(w));
	assert_null(window_next_of(w, 8));
	/* slots are reused */
	push(w, 50, 6, 7);
	assert_int_equal(window_next_of(w, 7)->t_ns, 50);
	window_free(w);
}

/* 100000 tasks pass through the window one record each, while task 7's
 * one record waits at its end: the table of task lists is rebuilt when
 * half full (64 entries at most, 32 in use), keeping task 7, so it holds
 * 1 + ((n - 1) mod 31) + 1 lists after n new tasks: 26 for n = 100000,
 * not 100001 (a list per task the capture ever showed). */
static void test_window_forgets_tasks(void **state)
{
	struct window *w = window_new();
	uint64_t seq = 0;

	(void)state;
	push(w, 1000000000000ULL, seq++, 7);
	for (int32_t tid = 100001; tid <= 200000; tid++) {
		push(w, (uint64_t)tid, seq++, tid);
		assert_int_equal(window_pop(w)->tid, tid);
	}
	assert_int_equal(window_tasks(w), 26);
	assert_int_equal(window_next_of(w, 7)->t_ns, 1000000000000ULL);
	assert_null(window_next_of(w, 200000));
	window_free(w);
}

/* Texts copied at push outlive the line they came from, across the
 * window's chunks and their reuse (every pop checked; a run of 200 to 800
 * pending records of up to 399 bytes each fills and frees many chunks). */
static void test_window_texts(void **state)
{
	struct window *w = window_new();
	char line[420], want[420];
	uint64_t pushed = 0, popped = 0;

	(void)state;
	assert_non_null(w);
	while (popped < 20000) {
		uint64_t pending = pushed - popped, cap = 200 + (pushed / 3000 % 3) * 300;

		if (pushed < 20000 && (pending < cap || pushed % 7 == 0)) {
			uint32_t slot = window_slot(w);
			struct perf_rec *r;
			int n = snprintf(line, sizeof(line), "%llu ", (unsigned long long)pushed);

			assert_int_not_equal(slot, UINT32_MAX);
			r = window_rec(w, slot);
			memset(r, 0, sizeof(*r));
			while (n < (int)(pushed * 37 % 410))
				line[n] = (char)('a' + n % 26), n++;
			line[n] = '\0';
			r->t_ns = pushed;
			r->tid = (int32_t)(pushed % 5);
			r->text = line;
			r->text_len = (uint16_t)(n < 400 ? n : 399);
			assert_int_equal(window_push(w, slot, pushed), 0);
			memset(line, 'X', sizeof(line));   /* the window keeps its copy */
			pushed++;
		} else {
			const struct perf_rec *r = window_pop(w);
			int n = snprintf(want, sizeof(want), "%llu ", (unsigned long long)popped);

			assert_non_null(r);
			assert_int_equal(r->t_ns, popped);
			while (n < (int)(popped * 37 % 410))
				want[n] = (char)('a' + n % 26), n++;
			want[n < 400 ? n : 399] = '\0';
			assert_string_equal(r->text, want);
			popped++;
		}
	}
	assert_null(window_pop(w));
	window_free(w);
}

int trace_perf_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perf_fields),
		cmocka_unit_test(test_perf_numbers),
		cmocka_unit_test(test_perf_fault_hex),
		cmocka_unit_test(test_perf_parse_copies),
		cmocka_unit_test(test_mirror_remove),
		cmocka_unit_test(test_pageset),
		cmocka_unit_test(test_pages_forget),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_window_forgets_tasks),
		cmocka_unit_test(test_window_texts),
	};
	return cmocka_run_group_tests_name("trace_perf_tests", tests, NULL, NULL);
}
