/*
 * fanout.c - the reading thread fills batches of events in a ring;
 * workers apply each batch in order to their simulations and release it.
 * See fanout.h for why the results are the sequential loop's.
 *
 * Workers: one per simulation, but no more than the CPUs beside the
 * reading thread's. On two CPUs one worker runs both simulations: the
 * reader of a perf capture is the bound, and it kept losing its CPU to a
 * second worker (three busy threads on two CPUs).
 *
 * Errors: the sequential loop stops at the first (event, simulation) pair
 * that fails, in that order. Each worker applies an event only while no
 * earlier pair has failed (the stop key, event * CLI_MAX_POLICIES +
 * simulation, lowered atomically by a failing worker), so the workers
 * reach exactly the pairs the sequential loop would, and the lowest
 * failing pair is the one reported. A reader error comes after every
 * event it read: any simulation error among those wins over it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/fanout.h"

#define BATCH 512   /* events per batch */
#define RING 8      /* batches in flight */
/* A sleeping thread is woken once the other has WAKE batches for it (or
 * room for WAKE), not at every batch: on a guest each futex wake-up of a
 * thread on another vCPU cost 20-30 us (an IPI through the hypervisor),
 * 5 % of a perf replay when the worker, faster than the reader, slept
 * and was woken at each of its 650 batches. */
#define WAKE (RING / 2)

struct fanout;

/* One simulation's state within its worker. */
struct lane {
	struct tlbsim_sim *sim;
	unsigned index;      /* the simulation's place in the sequential loop */
	bool stopped;        /* it failed, or an earlier pair did */
	int err;
	struct tlbsim_diag diag;
};

struct worker {
	struct fanout *f;
	struct lane *lanes[CLI_MAX_POLICIES];
	size_t nlanes;
	uint64_t done;       /* batches applied (or skipped, once stopped) */
	bool quit;           /* stopped: will not take another batch */
	bool waiting;        /* asleep until a batch is published */
	pthread_t thread;
};

struct fanout {
	pthread_mutex_t lock;
	pthread_cond_t more;     /* a batch was published, or the end came */
	pthread_cond_t room;     /* a worker released a batch or quit */
	struct tlbsim_trace_event *ev;   /* RING * BATCH */
	uint32_t count[RING];
	uint64_t published;      /* batches published */
	bool end;
	bool reader_waiting;     /* asleep until a worker makes room */
	_Atomic uint64_t stop;   /* lowest failing pair's key, UINT64_MAX: none */
	size_t n, nworkers;
	struct lane lane[CLI_MAX_POLICIES];
	struct worker w[CLI_MAX_POLICIES];
};

static uint64_t pair_key(uint64_t event, unsigned sim)
{
	return event * CLI_MAX_POLICIES + sim;
}

/* A worker failed at @key: lower the stop key to it. */
static void stop_at(struct fanout *f, uint64_t key)
{
	uint64_t cur = atomic_load(&f->stop);

	while (key < cur && !atomic_compare_exchange_weak(&f->stop, &cur, key))
		;
}

/* Apply batch @b (its @n events) to @l's simulation; false once it stops. */
static bool lane_apply(struct fanout *f, struct lane *l, uint64_t b, uint32_t n)
{
	const struct tlbsim_trace_event *ev = f->ev + (b % RING) * BATCH;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t key = pair_key(b * BATCH + i, l->index);

		if (key >= atomic_load(&f->stop))
			return false;   /* the sequential loop stops before this */
		l->err = tlbsim_sim_apply(l->sim, &ev[i], &l->diag);
		if (l->err) {
			stop_at(f, key);
			return false;
		}
	}
	return true;
}

/* Batch @b to each of @w's simulations in turn (a batch at a time keeps
 * one model's state in cache); false once all have stopped. A simulation
 * may run ahead of one before it that failed: what it reached past the
 * failing pair is never reported, and the lowest failing pair still is. */
static bool worker_apply(struct worker *w, uint64_t b, uint32_t n)
{
	bool going = false;

	for (size_t i = 0; i < w->nlanes; i++) {
		struct lane *l = w->lanes[i];

		if (!l->stopped && !lane_apply(w->f, l, b, n))
			l->stopped = true;
		going |= !l->stopped;
	}
	return going;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct fanout *f = w->f;
	bool going = true;

	while (going) {
		uint64_t b;
		uint32_t n;

		pthread_mutex_lock(&f->lock);
		while (w->done == f->published && !f->end) {
			w->waiting = true;
			pthread_cond_wait(&f->more, &f->lock);
		}
		w->waiting = false;
		if (w->done == f->published) {   /* the end, all applied */
			pthread_mutex_unlock(&f->lock);
			break;
		}
		b = w->done;
		n = f->count[b % RING];
		pthread_mutex_unlock(&f->lock);
		going = worker_apply(w, b, n);
		pthread_mutex_lock(&f->lock);
		w->done++;
		w->quit = !going;
		if (f->reader_waiting && (w->quit || f->published - w->done <= RING - WAKE))
			pthread_cond_signal(&f->room);
		pthread_mutex_unlock(&f->lock);
	}
	return NULL;
}

/* Is the next slot free: every worker still going is past it? */
static bool ring_room(const struct fanout *f)
{
	for (size_t i = 0; i < f->nworkers; i++)
		if (!f->w[i].quit && f->published - f->w[i].done >= RING)
			return false;
	return true;
}

/* Has a sleeping worker WAKE batches to apply? (The end wakes every one.) */
static bool wake_workers(const struct fanout *f)
{
	for (size_t i = 0; i < f->nworkers; i++)
		if (f->w[i].waiting && f->published - f->w[i].done >= WAKE)
			return true;
	return false;
}

/* Fill the next slot from @r. Its event count; *@rc: the reader's last
 * result (1 more to come, 0 the end, < 0 an error). */
static uint32_t fill(struct fanout *f, struct tlbsim_trace_reader *r,
		     fanout_keep keep, void *ctx, int *rc, struct tlbsim_diag *diag)
{
	struct tlbsim_trace_event *ev = f->ev + (f->published % RING) * BATCH;
	uint32_t n = 0;

	while (n < BATCH && (*rc = tlbsim_trace_next(r, &ev[n], diag)) > 0)
		if (!keep || keep(ctx, &ev[n]))
			n++;
	return n;
}

/* Read until the end, an error, or a simulation's failure. The reader's
 * result: 0 or its error. */
static int produce(struct fanout *f, struct tlbsim_trace_reader *r,
		   fanout_keep keep, void *ctx, struct tlbsim_diag *diag)
{
	int rc = 1;

	while (rc > 0) {
		uint32_t n;

		pthread_mutex_lock(&f->lock);
		while (!ring_room(f) && atomic_load(&f->stop) == UINT64_MAX) {
			f->reader_waiting = true;
			pthread_cond_wait(&f->room, &f->lock);
		}
		f->reader_waiting = false;
		pthread_mutex_unlock(&f->lock);
		if (atomic_load(&f->stop) != UINT64_MAX)
			return 0;   /* a simulation failed: its error is reported */
		n = fill(f, r, keep, ctx, &rc, diag);
		pthread_mutex_lock(&f->lock);
		f->count[f->published % RING] = n;
		if (n)
			f->published++;
		if (wake_workers(f))
			pthread_cond_broadcast(&f->more);
		pthread_mutex_unlock(&f->lock);
	}
	return rc;
}

/* The lowest failing pair's error, else the reader's. */
static int first_error(struct fanout *f, int read_err, struct tlbsim_diag *diag)
{
	uint64_t key = atomic_load(&f->stop);
	const struct lane *l;

	if (key == UINT64_MAX)
		return read_err;
	l = &f->lane[key % CLI_MAX_POLICIES];
	*diag = l->diag;
	return l->err;
}

/* One worker per simulation, at most one per CPU beside the reader's;
 * TLBSIM_WORKERS=N says how many instead (tests run both ways). */
static size_t workers_for(size_t sims)
{
	const char *env = getenv("TLBSIM_WORKERS");
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t spare = cpus > 2 ? (size_t)cpus - 1 : 1;

	if (env && atoi(env) > 0)
		spare = (size_t)atoi(env);
	return sims < spare ? sims : spare;
}

int fanout_run(struct tlbsim_trace_reader *r, struct tlbsim_sim **sims, size_t n,
	       fanout_keep keep, void *ctx, struct tlbsim_diag *diag)
{
	struct fanout *f = calloc(1, sizeof(*f));
	size_t started = 0;
	int err = 0;

	if (!f || !(f->ev = malloc(sizeof(*f->ev) * RING * BATCH))) {
		free(f);
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	}
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->more, NULL);
	pthread_cond_init(&f->room, NULL);
	atomic_init(&f->stop, UINT64_MAX);
	f->n = n;
	f->nworkers = workers_for(n);
	for (size_t i = 0; i < n; i++) {
		struct worker *w = &f->w[i % f->nworkers];

		f->lane[i].sim = sims[i];
		f->lane[i].index = (unsigned)i;
		w->lanes[w->nlanes++] = &f->lane[i];
	}
	for (; started < f->nworkers; started++) {
		struct worker *w = &f->w[started];

		w->f = f;
		if (pthread_create(&w->thread, NULL, worker_main, w)) {
			err = tlbsim_diag_set(diag, TLBSIM_ENOMEM, "cannot start a thread");
			break;
		}
	}
	if (!err)
		err = produce(f, r, keep, ctx, diag);
	pthread_mutex_lock(&f->lock);
	f->end = true;
	pthread_cond_broadcast(&f->more);
	pthread_mutex_unlock(&f->lock);
	for (size_t i = 0; i < started; i++)
		pthread_join(f->w[i].thread, NULL);
	if (started == f->nworkers)
		err = first_error(f, err, diag);
	pthread_cond_destroy(&f->room);
	pthread_cond_destroy(&f->more);
	pthread_mutex_destroy(&f->lock);
	free(f->ev);
	free(f);
	return err;
}
