/* forkloop.c - fork N children that exit at once (traces/perf/intel/forkloop);
 * prints where its struct pthread tid and rseq area lie. cc -O2 forkloop.c */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
extern const ptrdiff_t __rseq_offset;
extern const unsigned int __rseq_size;
int main(int argc, char **argv)
{
	char *tp = __builtin_thread_pointer();
	pid_t *tidp = (pid_t *)(tp + 0x2d0); /* struct pthread tid (glibc 2.36 x86-64) */
	int n = argc > 1 ? atoi(argv[1]) : 50;
	fprintf(stderr, "tp %p rseq %p (size %u) tid@%p tid=%d real=%ld\n", tp, tp + __rseq_offset, __rseq_size, (void*)tidp, *tidp, syscall(SYS_gettid));
	for (int i = 0; i < n; i++) {
		pid_t c = fork();
		if (c == 0) _exit(0);
		waitpid(c, NULL, 0);
	}
	return 0;
}
