#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
static volatile int stop;
static void pin(int c){ cpu_set_t s; CPU_ZERO(&s); CPU_SET(c,&s); sched_setaffinity(0,sizeof s,&s); }
static void *spin(void *a){ pin(1); while(!stop); return a; }
int main(void){ pthread_t t; char *m = mmap(0, 64*4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  pthread_create(&t,0,spin,0); pin(0);
  for (int i = 0; i < 200; i++) { for (int p = 0; p < 64; p++) m[p*4096] = 1; madvise(m, 64*4096, MADV_FREE); usleep(200); }
  stop = 1; pthread_join(t, 0); return 0; }
