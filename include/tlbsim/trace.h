/*
 * trace.h - the input vocabulary and the readers.
 *
 * A reader turns a file into a header and a stream of struct
 * tlbsim_trace_event, one at a time: nothing but the current line is held in
 * memory. Every rejection names file, line and what was expected
 * ("scen.jsonl:7: field 'addr' must be 4 KiB aligned").
 *
 * The native format (JSON Lines, version 1) is specified in traces/FORMAT.md.
 */
#ifndef TLBSIM_TRACE_H
#define TLBSIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tlbsim/error.h"

enum tlbsim_clock { TLBSIM_CLOCK_NS = 0, TLBSIM_CLOCK_CYCLES };

struct tlbsim_trace_header {
	int version;            /* 1 */
	unsigned cpus;          /* 1..4096 */
	enum tlbsim_clock clock;
	double ghz;             /* 0 when absent */
	char backend[16];       /* "" when absent */
	char topology[256];     /* "" when absent */
	bool no_pcid;           /* "pcid": false (absent: the CPUs have PCID) */
	bool asid_history;      /* "asid_history": true: the CPUs ran before the
				 * trace (a capture), no ASID slot of theirs
				 * is known to hold init_mm (absent: as booted,
				 * init_mm in slot 0) */
	char comment[4096];     /* a longer one is an error, not cut */
};

enum tlbsim_ev_kind {
	TLBSIM_EV_SWITCH = 0,
	TLBSIM_EV_MAP,
	TLBSIM_EV_TOUCH,
	TLBSIM_EV_UNMAP,
	TLBSIM_EV_ZAP,
	TLBSIM_EV_PROTECT,
	TLBSIM_EV_COLLAPSE,
	TLBSIM_EV_SHARE,
	TLBSIM_EV_UNSHARE,
	TLBSIM_EV_GUP_FAST,
	TLBSIM_EV_IRQ_OFF,
	TLBSIM_EV_PREEMPT,
	TLBSIM_EV_GLOBAL_ASID,
	TLBSIM_EV_SPECULATE,
	TLBSIM_EV_EXIT,
	TLBSIM_EV_FLUSH,
	TLBSIM_EV_SYNC,
	TLBSIM_EV_OBSERVED,
	TLBSIM_EV_RAN_BEFORE,   /* after observed: binary kinds keep their numbers */
	TLBSIM_EV_LAZY_BEFORE,
	TLBSIM_EV_REMAP,
	TLBSIM_EV_RUNNING_BEFORE,
	TLBSIM_EV_COUNT
};

/* "switch", "map", ... ; NULL for an out-of-range kind. */
const char *tlbsim_ev_name(enum tlbsim_ev_kind k);

#define TLBSIM_END_ALL UINT64_MAX /* "end": "all" of a raw flush */

/*
 * One trace event. Fields not used by a kind are zero. Times are in the
 * trace's clock unit (header.clock). mm 0 means "no mm" (switch to a kernel
 * thread / idle).
 */
struct tlbsim_trace_event {
	uint64_t t;
	uint64_t line;      /* source line, for diagnostics */
	uint32_t cpu;
	uint16_t kind;      /* enum tlbsim_ev_kind */
	bool hugetlb;       /* map */
	bool freed_tables;  /* flush */
	bool unshared_tables; /* flush */
	uint8_t stride;     /* flush: 12, 21 or 30 */
	bool exec;          /* exit: the mm's last task execs (exec_mmap) */
	bool idle;          /* switch to null: the idle task, not a kernel thread */
	bool asid;          /* ran_before: an ASID slot still holds mm, current */
	bool unseen;        /* switch: the capture holds no record of it */
	bool shared;        /* map: MAP_SHARED of a file or shmem (page cache) */
	bool write;         /* touch: a write (makes a shared mapping's pages dirty) */
	uint32_t mm;        /* > 0, or 0 for "mm": null */
	uint32_t with;      /* share */
	uint64_t addr;      /* map/touch/unmap/zap/protect/collapse/share/... */
	uint64_t len;       /* bytes; touch defaults to 4096 */
	uint64_t dur;       /* gup_fast, irq_off, preempt */
	uint64_t start;     /* flush */
	uint64_t end;       /* flush; TLBSIM_END_ALL for "all" */
	/* observed: what the real kernel did (ignored by the model) */
	char what[32];      /* e.g. "tlb_flush", "csd_queue_cpu" */
	int64_t reason;     /* tlb_flush reason */
	int64_t pages;      /* tlb_flush pages (-1 = full) */
	int32_t target;     /* csd_queue_cpu target cpu, -1 when absent */
	char func[40];      /* csd func name */
};

struct tlbsim_trace_reader;

/*
 * Open @path ("-" = standard input) and read its header. The format is
 * detected from the content. On failure *@out is NULL and @diag says why.
 */
int tlbsim_trace_open(const char *path, struct tlbsim_trace_reader **out,
		      struct tlbsim_diag *diag);
/* Read from an already open stream; @name is used in messages. The reader
 * does not close @f. */
int tlbsim_trace_open_stream(FILE *f, const char *name,
			     struct tlbsim_trace_reader **out,
			     struct tlbsim_diag *diag);
void tlbsim_trace_close(struct tlbsim_trace_reader *r);

const struct tlbsim_trace_header *
tlbsim_trace_header(const struct tlbsim_trace_reader *r);

/* Returns 1 and fills *@ev, 0 at the end of the trace, or a negative error
 * with @diag set ("file:line: reason"). */
int tlbsim_trace_next(struct tlbsim_trace_reader *r,
		      struct tlbsim_trace_event *ev, struct tlbsim_diag *diag);

/* A capture's CPU count is what its first records show (a trace.dat's is
 * exact); a machine description may know better: raise it to @cpus before
 * the first event is read. Captures only. */
int tlbsim_trace_set_cpus(struct tlbsim_trace_reader *r, unsigned cpus,
			  struct tlbsim_diag *diag);

/* Whether the captured kernel maps the shared zero page on an anonymous
 * read fault (true unless told: a PVM guest booted with pvm_no_zero_page=1
 * maps a page of its own, which a later write reuses without a flush).
 * Captures only, before the first event is read. */
int tlbsim_trace_set_zero_page(struct tlbsim_trace_reader *r, bool zero_page,
			       struct tlbsim_diag *diag);

/* Whether the captured CPUs have PCID (true unless told), and the
 * captured kernel's flush backend (native, kvm, hyperv, xen, invlpgb, pvm):
 * the header says so ("pcid": false, "backend"), so that a capture's
 * reconstruction, imported, replays as the machine it ran on. Captures
 * only, before the first event is read. */
int tlbsim_trace_set_pcid(struct tlbsim_trace_reader *r, bool pcid,
			  struct tlbsim_diag *diag);
int tlbsim_trace_set_backend(struct tlbsim_trace_reader *r, const char *backend,
			     struct tlbsim_diag *diag);

/* "native", "binary", "perf" or "trace-cmd" */
const char *tlbsim_trace_format(const struct tlbsim_trace_reader *r);
/* What a perf or trace-cmd capture holds of @cpu's idle task (tid 0): its
 * switches out of it (sched_switch from pid 0), its other records (the
 * IPI handlers it runs). perf on the capture hosts' KVM guests records
 * nothing of CPU 1's idle task, ftrace its handlers but not its switches
 * (traces/perf/README.md): what the CPU does there is missing from the
 * capture. Native traces: both. */
enum { TLBSIM_IDLE_SWITCHES = 1, TLBSIM_IDLE_IRQS = 2 };
unsigned tlbsim_trace_idle_seen(const struct tlbsim_trace_reader *r, unsigned cpu);
const char *tlbsim_trace_name(const struct tlbsim_trace_reader *r);
uint64_t tlbsim_trace_events(const struct tlbsim_trace_reader *r); /* so far */
uint64_t tlbsim_trace_bytes(const struct tlbsim_trace_reader *r);  /* so far */
/* SHA-256 of the trace as stored, as 64 hex digits + NUL: of the whole file
 * when it is a regular file (hashed by a thread of its own), else of every
 * byte read so far, complete once tlbsim_trace_next has returned 0. */
void tlbsim_trace_sha256(struct tlbsim_trace_reader *r, char hex[65]);

/* For captures (perf script text): every tracepoint seen, used by the
 * reconstruction or not, and every inference it made, by kind. Native
 * traces have none. Valid until the reader is closed or read further. */
struct tlbsim_trace_count {
	const char *name;
	uint64_t count;
	bool used;
};
size_t tlbsim_trace_tracepoints(const struct tlbsim_trace_reader *r,
				struct tlbsim_trace_count *out, size_t max);
size_t tlbsim_trace_inferences(const struct tlbsim_trace_reader *r,
			       struct tlbsim_trace_count *out, size_t max);

/* Write @h as the native header line, or @ev as one native-format line
 * (no newline) to @f. */
int tlbsim_trace_write_header(FILE *f, const struct tlbsim_trace_header *h);
int tlbsim_trace_write_event(FILE *f, const struct tlbsim_trace_event *ev);

/* The same in the compact binary form (traces/FORMAT.md, "Binary form"):
 * the header (with its magic line) once, then each event. The readers
 * recognise it by its first line. */
int tlbsim_trace_write_binary_header(FILE *f, const struct tlbsim_trace_header *h);
int tlbsim_trace_write_binary_event(FILE *f, const struct tlbsim_trace_event *ev);

/* Form 2 of the binary form (traces/FORMAT.md, "Compact binary form"):
 * each value in the fewest of 1, 2, 4 or 8 bytes, times and addresses as
 * differences from the record before, two fifths of form 1's size. The
 * writer keeps those last values: zero it before the header. Events must
 * come in time order (TLBSIM_EINVAL otherwise), as a reader gives them. */
struct tlbsim_compact_writer {
	uint64_t last_t, last_addr;
};
int tlbsim_trace_write_compact_header(FILE *f, struct tlbsim_compact_writer *w,
				      const struct tlbsim_trace_header *h);
int tlbsim_trace_write_compact_event(FILE *f, struct tlbsim_compact_writer *w,
				     const struct tlbsim_trace_event *ev);

#endif
