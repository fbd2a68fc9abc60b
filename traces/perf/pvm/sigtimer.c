/* sigtimer: a SIGALRM handler every 2 ms (its frame on the main stack),
 * a SIGUSR1 handler on an alternate stack (SA_ONSTACK); the process forks
 * children that write a few pages and exit, while the timer fires. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t ticks, usr1;

static void on_alarm(int sig) { (void)sig; ticks++; }
static void on_usr1(int sig) { (void)sig; usr1++; }

int main(void)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } };
	stack_t ss;
	char *buf = malloc(64 * 4096);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	ss.ss_sp = malloc(65536);
	ss.ss_size = 65536;
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART | SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (int i = 0; i < 30; i++) {
		pid_t c = fork();

		if (c == 0) {
			for (int p = 0; p < 16; p++)
				buf[p * 4096] = (char)p;
			usleep(3000);
			_exit(0);
		}
		for (int p = 0; p < 64; p++)
			buf[p * 4096] = (char)i;
		raise(SIGUSR1);
		waitpid(c, NULL, 0);
	}
	return ticks > 0 ? 0 : 1;
}
