/*
 * perf.h - `perf script -F comm,tid,pid,cpu,time,event,trace` text (and the
 * same line format rendered from ftrace buffers): parsing one line into a
 * record, and reconstructing model inputs from records (internal).
 */
#ifndef TLBSIM_TRACE_PERF_H
#define TLBSIM_TRACE_PERF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlbsim/trace.h"

/* Records the reader holds at its window's top until this much later
 * input has been read, for the reconstruction to look ahead. */
enum perf_hold {
	HOLD_NONE,
	HOLD_FORK,   /* sched:sched_process_fork: FORK_LOOKAHEAD_NS */
	HOLD_WAKE,   /* csd:csd_queue_cpu of sched_ttwu_pending: WAKE_LOOKAHEAD_NS */
};

/* How far wake_ahead() looks for the woken CPU's next record. */
#define WAKE_LOOKAHEAD_NS 2000000
/* From a wake-up's IPI to the woken task running on the idle CPU: the
 * capture host's IPI delivery (send -> handler, p50 19 us on the Intel
 * host, `tlbsim calibrate`). Over the captures we hold, 20 us pairs best:
 * a flush 17 us after the IPI missed the woken CPU (javac), one 27 us
 * after reached it (node worker threads); at once, or 10-15 us, three
 * flushes more went to CPUs still idle (javac, pymp, cargo). */
#define WAKE_LATENCY_NS 20000
/* A wake-up queued to a CPU still running a task counts when that CPU
 * goes idle within this long (wake_queued(): the javac capture's C1
 * thread was back 23 us after its CPU went idle). */
#define WAKE_QUEUED_IDLE_NS 200000

struct perf_rec {
	uint64_t t_ns;
	uint64_t seq;          /* input order, breaks time ties */
	uint64_t line;
	uint32_t cpu;
	int32_t tid, pid;      /* pid is the thread-group id: the mm */
	uint8_t hold;          /* held back longer (enum perf_hold): beside
				* t_ns, both read at the window's top */
	/* exceptions:page_fault_user in the kernel's shape (perf_fault_fields()),
	 * its fields read by the parse while the line is in cache: the record
	 * is fed a window's length later, when its text has left the nearest
	 * caches, and faults are most records */
	bool fault;
	uint16_t text_len;     /* of text, below TEXT_MAX */
	uint64_t fault_addr, fault_err;
	/* the tracepoint's fields, NUL-terminated: after perf_parse_line()
	 * the line's (text_len of them are the record's), after
	 * window_push() the window's copy of those text_len bytes. The text
	 * is not in the record: a record is 144 bytes, not half a KiB, and
	 * the window holds thousands (its prescan, a fork's 20 ms) */
	const char *text;
	char comm[32];
	char event[48];        /* "tlb:tlb_flush" */
};

/* A record's text is cut to TEXT_MAX - 1 bytes (what it held when it was
 * a char[400]). */
#define TEXT_MAX 400

/* @line: @len bytes and a NUL. 0, or TLBSIM_EPARSE with "name:line: reason". */
int perf_parse_line(const char *line, size_t len, uint64_t lineno, const char *name,
		    struct perf_rec *r, struct tlbsim_diag *diag);
/* snprintf(out, len, "%.*s", n, from), fast for short spans. */
void perf_copy_span(char *out, size_t len, const char *from, size_t n);
/* Does this look like a perf script line? (format detection) */
bool perf_probe(const char *line);
/* The diagnostic for a first line that perf_probe() refused: perf text in
 * another -F layout, or anything after perf script --header's '#' lines
 * (@after_header; @line NULL: nothing came after them). 0 when neither:
 * the line is no perf text at all. */
int perf_not_records(const char *line, uint64_t lineno, const char *name,
		     bool after_header, struct tlbsim_diag *diag);

/* A field of the trace text: "key=value" or "key: value" or "key:value";
 * copies the value (up to a space or comma, or to end of line when @rest). */
bool perf_field(const char *text, const char *key, char *out, size_t len,
		bool rest);
/* Where the value of field @key starts in @text, or NULL. */
const char *perf_field_at(const char *text, const char *key);
/* A number field as the tracepoints print numbers: "0x" and 1 to 16 hex
 * digits, or decimal digits that fit 64 bits (perf_field_snum: also a
 * minus, within int64_t). 1: read into *@out; 0: no such field; -1: the
 * field is there and is no such number. */
int perf_field_num(const char *text, const char *key, uint64_t *out);
int perf_field_snum(const char *text, const char *key, int64_t *out);
/* A field printed "%lx": 1 to 16 hex digits without "0x"; 1, 0, -1 as
 * perf_field_num(). */
int perf_field_hex(const char *text, const char *key, uint64_t *out);
/* exceptions:page_fault_user's address and error_code when the text is
 * exactly the kernel's "address=0x.. ip=0x.. error_code=0x.." (the fast
 * path); false otherwise, and the caller reads the fields one by one. */
bool perf_fault_fields(const char *text, uint64_t *address, uint64_t *error_code);
/* A syscall exit's text, its return value "0x%lx": false if not that. */
bool perf_ret(const char *text, uint64_t *out);

struct perf_recon;

int perf_recon_new(unsigned cpus, struct perf_recon **out);
/* Where the reconstruction may look ahead: @peek returns the thread group
 * of @tid in the records read but not yet fed, or 0; @next the earliest of
 * those records of @tid (the one after its third argument, when given), or
 * NULL; @on_cpu the earliest on a CPU, or NULL. */
void perf_recon_set_peek(struct perf_recon *p, int32_t (*peek)(void *, int32_t),
			 const struct perf_rec *(*next)(void *, int32_t,
							const struct perf_rec *),
			 const struct perf_rec *(*on_cpu)(void *, uint32_t),
			 void *ctx);
/* More CPUs than the capture's first records showed (never fewer). */
int perf_recon_set_cpus(struct perf_recon *p, unsigned cpus);
/* Whether an anonymous read fault maps the shared zero page (the
 * default, do_anonymous_page()) or a page of its own (a PVM guest booted
 * with pvm_no_zero_page=1): a later write copies only the zero page. */
void perf_recon_set_zero_page(struct perf_recon *p, bool zero_page);
/* An event the capture recorded (perf script --header's "# event : name =
 * NAME" lines), whether or not a record of it comes: signal:signal_deliver
 * says which signals ran a handler, so none is guessed. */
void perf_recon_recorded(struct perf_recon *p, const char *name);
void perf_recon_free(struct perf_recon *p);
/* What the capture so far holds of @cpu's idle task (TLBSIM_IDLE_*). */
unsigned perf_recon_idle_seen(const struct perf_recon *p, unsigned cpu);
/* Feed records in time order; events come out of perf_recon_pop(). */
int perf_recon_feed(struct perf_recon *p, const struct perf_rec *r,
		    struct tlbsim_diag *diag);
bool perf_recon_pop(struct perf_recon *p, struct tlbsim_trace_event *ev);
/* Counts: per tracepoint name (used or not) and per inference kind. */
size_t perf_recon_counts(const struct perf_recon *p, const char ***names,
			 const uint64_t **counts, const bool **used);
/* Processes and tasks the reconstruction holds an entry for: the live,
 * and the dead of the last RECYCLE_NS of capture time. */
void perf_recon_entries(const struct perf_recon *p, uint32_t *procs,
			uint32_t *tasks);
size_t perf_recon_inferences(const struct perf_recon *p, const char ***names,
			     const uint64_t **counts);

#endif
