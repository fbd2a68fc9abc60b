/* pagecache.c - a shared file mapping's dirty pages: the flushes their
 * unmap forces, one per page table written. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "parts.h"

/*
 * Process 100 maps 4 MiB of a file (fd 3) with @flags (1 MAP_SHARED, 2
 * MAP_PRIVATE), writes a page in each of its two 2 MiB halves and unmaps
 * it. Shared, the writes dirty page-cache pages: zap_pte_range() flushes
 * at the end of each of the two PTE tables, then tlb_finish_mmu() for the
 * freed tables, 3 local shootdowns (a linker's munmap of its output's
 * mapping, 4 flushes in a rustc capture). Private, the written pages are
 * anonymous copies: the one flush of the unmap. Returns the local
 * shootdowns predicted; *@marked: the import says "shared" and "write".
 */
static long file_unmap(unsigned flags, bool *marked)
{
	char text[2048];
	long unused;
	long n;
	struct tu_run r;
	char *path;

	snprintf(text, sizeof(text),
		"ld 100/100 [000] 1.000000100: syscalls:sys_enter_mmap: addr: 0x00000000, "
		"len: 0x00400000, prot: 0x00000003, flags: 0x%08x, fd: 0x00000003, "
		"off: 0x00000000\n"
		"ld 100/100 [000] 1.000000110: syscalls:sys_exit_mmap: 0x7f0000000000\n"
		"ld 100/100 [000] 1.000000200: exceptions:page_fault_user: "
		"address=0x7f0000000010 ip=0x1000 error_code=0x6\n"
		"ld 100/100 [000] 1.000000300: exceptions:page_fault_user: "
		"address=0x7f0000200010 ip=0x1000 error_code=0x6\n"
		"ld 100/100 [000] 1.000000400: syscalls:sys_enter_munmap: "
		"addr: 0x7f0000000000, len: 0x00400000\n"
		"ld 100/100 [000] 1.000000500: syscalls:sys_exit_munmap: 0x0\n", flags);
	n = tu_validate_counter(text, "local_mm_shootdown", "cow_flush", &unused);
	path = tu_tmpfile(text, ".perf.txt");
	r = tu_cli(NULL, "import", path, NULL);
	assert_int_equal(r.status, 0);
	*marked = strstr(r.out, "\"len\": 4194304, \"shared\": true}") &&
		  strstr(r.out, "\"addr\": \"0x7f0000200000\", \"len\": 4096, "
			 "\"write\": true}");
	tu_run_free(&r);
	unlink(path);
	free(path);
	return n;
}

static void test_dirty_shared_unmap(void **state)
{
	bool marked;

	(void)state;
	assert_int_equal(file_unmap(1, &marked), 3);
	assert_true(marked);
	assert_int_equal(file_unmap(2, &marked), 1);
	assert_false(marked);
}

int perf_pagecache_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dirty_shared_unmap),
	};

	return cmocka_run_group_tests_name("perf_pagecache_tests", tests, NULL, NULL);
}
