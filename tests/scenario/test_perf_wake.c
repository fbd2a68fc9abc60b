/* test_perf_wake.c - threads woken onto an idle CPU, which perf shows no
 * switch to (no record of the idle task on the capture hosts' CPU 1):
 * the reconstruction's wake_ahead (recon_sched.c) on two multi-threaded
 * captures of the Intel host, replayed with its profile. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

/*
 * javac compiling a file, then the JVM allocating int arrays (javac.java):
 * its compiler threads sleep and wake on CPU 1 hundreds of times, and its
 * copy-on-write flushes (the CDS archive's private file pages, written
 * after a read) find them there. Flush IPIs were 24 of 26: a C1 compiler
 * thread woken by a wake-up queued while it was still descheduling (the
 * idle loop ran it 23 us later: wake_queued), and one whose first record
 * came 340 us after the wake-up, past the 0.2 ms reorder window (the
 * reader holds the wake-up's record 2 ms now). The woken thread runs 20 us
 * after the IPI (WAKE_LATENCY_NS): at once, 27 flush IPIs.
 *
 * node with two worker threads filling Float64Arrays (nodewt.js): 127 of
 * 129 flush IPIs, 128 when the woken thread ran at the IPI (a flush 27 us
 * after the wake-up reached it; that one goes the other way).
 */
static void test_wake_captures(void **state)
{
	static const struct {
		const char *path;
		long ipis_seen, ipis, sends, local, wakes;
	} caps[] = {
		{ "traces/perf/intel/javac.perf.txt.xz", 26, 25, 449, 541, 220 },
		{ "traces/perf/intel/nodewt.perf.txt.xz", 129, 127, 192, 271, 24 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		json_t *doc = tu_check_intel(caps[i].path, caps[i].ipis_seen,
					     caps[i].ipis, caps[i].sends, caps[i].local);
		json_t *v = json_object_get(doc, "validate");
		/* the kernel's 451 and 194: -0.4 %, -1.0 % */
		long obs = tu_counter(v, "remote_send_ipi", "observed");

		assert_true(labs(caps[i].sends - obs) * 100 <= 2 * obs);
		assert_int_equal(json_integer_value(json_object_get(json_object_get(v,
				 "inferences"), "wake_ahead")), caps[i].wakes);
		json_decref(doc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wake_captures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
