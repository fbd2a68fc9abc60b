/*
 * mmlock.c - the mmap_lock, as far as ordering goes. Address-space changes
 * of one mm happen in trace order and a writer excludes everyone: munmap
 * holds mmap_lock for write across its TLB flush wait, so a fault or an
 * mmap of the same mm on another CPU waits for it (and slips). Without
 * this, a CPU that the model keeps busy longer than the real one would
 * apply an unmap after a later map of the same range.
 *
 * Each structural event takes a ticket of its mm (by trace id, so an exit
 * does not reset the order) when it enters the simulation; it may start
 * once every earlier ticket started and the lock mode allows. Readers
 * (faults, MADV_DONTNEED) share the lock; mmap, munmap, mprotect, collapse,
 * share, unshare and exit take it for write.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel/internal.h"

/* A new lock for mm @id; NULL when out of memory. */
static struct mmlock *lock_new(struct sim *s, uint32_t id)
{
	uint32_t i;

	if (s->nlock_free) {
		i = s->lock_free[--s->nlock_free];
	} else {
		if (s->nlocks == s->caplocks) {
			uint32_t cap = s->caplocks ? 2 * s->caplocks : 64;
			struct mmlock *n = realloc(s->locks, cap * sizeof(*n));
			uint32_t *f;

			if (!n)
				return NULL;
			s->locks = n;
			/* room for every slot: a drop never fails */
			if (!(f = realloc(s->lock_free, cap * sizeof(*f))))
				return NULL;
			s->lock_free = f;
			s->caplocks = cap;
		}
		i = s->nlocks++;
	}
	if (tlbsim_idmap_put(&s->lock_ids, id, i)) {
		s->lock_free[s->nlock_free++] = i;
		return NULL;
	}
	s->locks[i] = (struct mmlock){ .id = id };
	return &s->locks[i];
}

/* The lock of mm @id (its trace id); with @create, a new one when it has
 * none. NULL when it has none, or out of memory. Inline: a locked event
 * looks its lock up four times. */
static inline struct mmlock *lock_find(struct sim *s, uint32_t id, bool create)
{
	uint32_t i = tlbsim_idmap_get(&s->lock_ids, id);

	if (i != TLBSIM_IDMAP_NONE)
		return &s->locks[i];
	return create ? lock_new(s, id) : NULL;
}

/* The mode each event kind takes the lock in; faults take the VMA's lock
 * (lock_vma_under_rcu(), since 6.4), not the mmap_lock: a fault elsewhere
 * in the mm does not wait for a munmap's walk. A table, not a switch: it
 * is asked for every event. */
static const uint8_t lock_modes[TLBSIM_EV_COUNT] = {
	[TLBSIM_EV_ZAP] = LOCK_READ,
	[TLBSIM_EV_MAP] = LOCK_WRITE,
	[TLBSIM_EV_UNMAP] = LOCK_WRITE,
	[TLBSIM_EV_PROTECT] = LOCK_WRITE,
	[TLBSIM_EV_REMAP] = LOCK_WRITE,
	[TLBSIM_EV_COLLAPSE] = LOCK_WRITE,
	[TLBSIM_EV_SHARE] = LOCK_WRITE,
	[TLBSIM_EV_UNSHARE] = LOCK_WRITE,
	[TLBSIM_EV_EXIT] = LOCK_WRITE,
};

static enum lock_mode mmlock_mode(const struct tlbsim_trace_event *ev)
{
	return ev->kind < TLBSIM_EV_COUNT ? (enum lock_mode)lock_modes[ev->kind] : LOCK_NONE;
}

/* The event enters the simulation: take its tickets, in trace order. */
int mmlock_ticket(struct sim *s, struct pending *p)
{
	struct mmlock *l;

	p->ticket[0] = p->ticket[1] = 0;
	p->mode = (uint8_t)mmlock_mode(&p->ev);
	if (p->mode == LOCK_NONE)
		return 0;
	if (!(l = lock_find(s, p->ev.mm, true)))
		return TLBSIM_ENOMEM;
	p->ticket[0] = ++l->issued;
	if (p->ev.kind == TLBSIM_EV_SHARE) {
		if (!(l = lock_find(s, p->ev.with, true)))
			return TLBSIM_ENOMEM;
		p->ticket[1] = ++l->issued;
	}
	return 0;
}

static bool one_ready(struct sim *s, uint32_t id, uint64_t ticket,
		      enum lock_mode mode)
{
	struct mmlock *l = lock_find(s, id, false);

	if (!l || l->started + 1 != ticket || l->writer)
		return false;
	return mode == LOCK_READ || l->readers == 0;
}

bool mmlock_ready(struct sim *s, const struct pending *p)
{
	enum lock_mode mode = p->mode;

	if (mode == LOCK_NONE)
		return true;
	if (!one_ready(s, p->ev.mm, p->ticket[0], mode))
		return false;
	return !p->ticket[1] || one_ready(s, p->ev.with, p->ticket[1], mode);
}

static void take(struct sim *s, uint32_t id, enum lock_mode mode)
{
	struct mmlock *l = lock_find(s, id, false);

	l->started++;
	if (mode == LOCK_WRITE)
		l->writer = true;
	else
		l->readers++;
}

void mmlock_take(struct sim *s, const struct pending *p)
{
	enum lock_mode mode = p->mode;

	if (mode == LOCK_NONE)
		return;
	take(s, p->ev.mm, mode);
	if (p->ticket[1])
		take(s, p->ev.with, mode);
}

/* The lock of @ev taken at once, when its turn is now: no earlier ticket
 * of its mm waits and no holder excludes it. What mmlock_ticket(),
 * mmlock_ready() and mmlock_take() do for an event that need not wait,
 * with one lookup and no pending copy (maps, unmaps and mprotects on a
 * free CPU: most of them). Returns the mode taken (LOCK_NONE: the event
 * takes none), or -1 when it must take the ticketed path: the lock is
 * busy, a share takes two, or out of memory (which that path reports). */
int mmlock_take_now(struct sim *s, const struct tlbsim_trace_event *ev)
{
	enum lock_mode mode = mmlock_mode(ev);
	struct mmlock *l;

	if (mode == LOCK_NONE)
		return LOCK_NONE;
	if (ev->kind == TLBSIM_EV_SHARE || !(l = lock_find(s, ev->mm, true)))
		return -1;
	if (l->started != l->issued || l->writer || (mode == LOCK_WRITE && l->readers))
		return -1;
	l->issued++;
	l->started++;
	if (mode == LOCK_WRITE)
		l->writer = true;
	else
		l->readers++;
	return (int)mode;
}

static void lock_drop(struct sim *s, struct mmlock *l)
{
	tlbsim_idmap_del(&s->lock_ids, l->id);
	s->lock_free[s->nlock_free++] = (uint32_t)(l - s->locks);
}

/* An idle lock (every ticket started, no holder) is the same as none: a
 * new one starts its tickets from 0 again. Dropped when its mm exited, a
 * capture of a build must not keep one per process it ever saw. */
static void drop_if_idle(struct sim *s, struct mmlock *l)
{
	if (l->gone && !l->writer && !l->readers && l->started == l->issued)
		lock_drop(s, l);
}

static void give(struct sim *s, uint32_t id, enum lock_mode mode)
{
	struct mmlock *l = lock_find(s, id, false);

	if (!l)
		return;
	if (mode == LOCK_WRITE)
		l->writer = false;
	else if (l->readers)
		l->readers--;
	drop_if_idle(s, l);
}

/* exit_mmap(): the trace names the mm for the last time (a later event
 * of the id is a new mm, whose tickets follow this one's). */
void mmlock_exit(struct sim *s, uint32_t id)
{
	struct mmlock *l = lock_find(s, id, false);

	if (l)
		l->gone = true;
}

/* The lock is released: the operation ended. CPUs waiting for it are
 * resumed from the top of the event loop (sim_resume_waiters), not from
 * here, so that releases never recurse into applying events. */
void mmlock_release(struct sim *s, uint32_t id, uint32_t with,
		    enum lock_mode mode)
{
	if (mode == LOCK_NONE)
		return;
	give(s, id, mode);
	if (with)
		give(s, with, mode);
	s->resume_waiters = true;
}
