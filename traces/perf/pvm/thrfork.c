/* threads write an arena; a non-leader thread forks; the child writes the
 * same pages (COW copies in the child) while the parent's threads also
 * write some of them; then the child execs /bin/true. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#define NP 32
static char *buf[2];
static pthread_barrier_t bar;
static void *worker(void *a)
{
	long id = (long)a;
	buf[id] = malloc(NP * 4096);
	memset(buf[id], 1, NP * 4096);
	pthread_barrier_wait(&bar);
	if (id == 1) {
		for (int round = 0; round < 5; round++) {
			pid_t c = fork();
			if (c == 0) {
				for (int i = 0; i < NP; i += 2)
					buf[1][i * 4096] = 2;
				for (int i = 0; i < NP; i += 4)
					buf[0][i * 4096] = 2;
				execl("/bin/true", "true", (char *)0);
				_exit(1);
			}
			for (int i = 1; i < NP; i += 2)
				buf[1][i * 4096] = 3;
			waitpid(c, 0, 0);
		}
	} else {
		for (int round = 0; round < 50; round++)
			for (int i = 0; i < NP; i += 3)
				buf[0][i * 4096] = (char)round;
	}
	return 0;
}
int main(void)
{
	pthread_t t[2];
	pthread_barrier_init(&bar, 0, 2);
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], 0, worker, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], 0);
	return 0;
}
