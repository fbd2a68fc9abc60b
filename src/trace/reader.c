/*
 * reader.c - the public reader: open a file or stream, detect the format
 * from the first line, hand out events one at a time (see tlbsim/trace.h).
 * Only the native JSONL format is read so far: the first line must be its
 * header. Another format (perf script text) plugs in at open_common(), by
 * probing that first line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trace/input.h"
#include "trace/native.h"
#include "trace/perf.h"
#include "tlbsim/machine.h"
#include "trace/binary.h"
#include "trace/tracedat.h"
#include "trace/window.h"

/* perf lines of different CPUs are merged from per-CPU buffers and can be
 * out of order by a few microseconds: records are held this long. */
#define PERF_WINDOW_NS 200000
/* A fork waits until this much later has been read: its child's records
 * tell a thread from a process (new threads first show up within a few
 * milliseconds in the shipped and our own captures; xz's after 3.5 ms). */
#define FORK_LOOKAHEAD_NS 20000000
#define PERF_PRESCAN 4096

/* by enum perf_hold: how much later input a record waits for */
static const uint64_t hold_ns[] = {
	[HOLD_NONE] = PERF_WINDOW_NS,
	[HOLD_FORK] = FORK_LOOKAHEAD_NS,
	[HOLD_WAKE] = WAKE_LOOKAHEAD_NS,
};

struct tlbsim_trace_reader {
	struct input in;
	FILE *own;              /* opened here, closed here */
	char *name;
	struct native_ctx nx;
	struct tlbsim_trace_header hdr;
	uint64_t events;
	bool done;
	bool binary;            /* the native trace's binary form */
	char sha[65];
	/* perf text (or trace.dat rendered as perf text) */
	bool perf;
	struct tracedat *dat;
	char datline[TRACEDAT_LINE_MAX];
	struct perf_recon *recon;
	struct window *win;          /* reorder window (trace/window.h) */
	uint64_t seq, newest;
	bool input_done;
	/* perf script --header's "# event : name = ..." lines: the events
	 * recorded, told to the reconstruction once it exists */
	char (*hdr_events)[64];
	uint32_t nhdr_events;
};

/* perf_recon's look-ahead: the thread group the pending records give @tid. */
static int32_t peek_tgid(void *ctx, int32_t tid)
{
	const struct tlbsim_trace_reader *r = ctx;

	for (uint32_t i = 0; r->win && i < window_len(r->win); i++) {
		const struct perf_rec *rec = window_at(r->win, i);

		if (rec->tid == tid && rec->pid > 0)
			return rec->pid;
	}
	return 0;
}

/* Parse @line (@len bytes) into a pool slot (records stay where they are
 * parsed) and put it in the reorder window. */
static int perf_take_line(struct tlbsim_trace_reader *r, const char *line,
			  size_t len, struct tlbsim_diag *diag)
{
	uint32_t slot;
	struct perf_rec *rec;
	int err;

	if (!r->win && !(r->win = window_new()))
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	if ((slot = window_slot(r->win)) == UINT32_MAX)
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	rec = window_rec(r->win, slot);
	err = perf_parse_line(line, len, r->in.lineno, r->name, rec, diag);
	if (err) {
		window_unget(r->win, slot);
		return err;
	}
	if (rec->t_ns > r->newest)
		r->newest = rec->t_ns;
	if (window_push(r->win, slot, r->seq++))
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	return 0;
}

/* perf_recon's look-ahead: the earliest record of @tid not yet fed (with
 * @after, the one after that), or NULL when the window holds none. */
static const struct perf_rec *peek_next(void *ctx, int32_t tid,
					const struct perf_rec *after)
{
	const struct tlbsim_trace_reader *r = ctx;

	if (!r->win)
		return NULL;
	return after ? window_after(r->win, after) : window_next_of(r->win, tid);
}

/* perf_recon's look-ahead: the earliest pending record on @cpu, or NULL.
 * A pass over the window up to it: asked only on scheduler wake-up IPIs. */
static const struct perf_rec *peek_cpu(void *ctx, uint32_t cpu)
{
	const struct tlbsim_trace_reader *r = ctx;

	/* the run is in (time, seq) order: the first on @cpu is the earliest */
	for (uint32_t i = 0; r->win && i < window_len(r->win); i++) {
		const struct perf_rec *rec = window_at(r->win, i);

		if (rec->cpu == cpu)
			return rec;
	}
	return NULL;
}

/* Read one perf line into the window; 0 at end of input. */
static int perf_read_one(struct tlbsim_trace_reader *r, struct tlbsim_diag *diag)
{
	int err;

	if (r->dat) {
		err = tracedat_next_line(r->dat, r->datline, diag);
		if (err <= 0)
			return err;
		r->in.lineno++; /* records, for messages */
		err = perf_take_line(r, r->datline, strlen(r->datline), diag);
	} else {
		/* a blank line too: perf_parse_line() says what it means */
		err = input_line(&r->in, diag);
		if (err <= 0)
			return err;
		err = perf_take_line(r, r->in.line, r->in.linelen, diag);
	}
	return err ? err : 1;
}

/* Open a perf capture: pre-read some lines to learn the CPU count. */
static int perf_open(struct tlbsim_trace_reader *r, struct tlbsim_diag *diag)
{
	unsigned cpus = 1;
	int err;

	r->perf = true;
	err = perf_take_line(r, r->in.line, r->in.linelen, diag);
	if (err)
		return err;
	while (window_len(r->win) < PERF_PRESCAN && (err = perf_read_one(r, diag)) > 0)
		;
	if (err < 0)
		return err;
	r->input_done = err == 0 && window_len(r->win) < PERF_PRESCAN;
	for (uint32_t i = 0; i < window_len(r->win); i++)
		if (window_at(r->win, i)->cpu + 1 > cpus)
			cpus = window_at(r->win, i)->cpu + 1;
	r->hdr.version = 1;
	r->hdr.cpus = cpus < 2 ? 2 : cpus;
	r->hdr.clock = TLBSIM_CLOCK_NS;
	r->hdr.asid_history = true;   /* a capture begins in a running system */
	snprintf(r->hdr.comment, sizeof(r->hdr.comment),
		 "reconstructed from the perf capture %s", r->name);
	if (perf_recon_new(r->hdr.cpus, &r->recon))
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	perf_recon_set_peek(r->recon, peek_tgid, peek_next, peek_cpu, r);
	for (uint32_t i = 0; i < r->nhdr_events; i++)
		perf_recon_recorded(r->recon, r->hdr_events[i]);
	free(r->hdr_events);
	r->hdr_events = NULL;
	return 0;
}

/* The next reconstructed event: 1, 0 at the end, <0 on error. */
static int perf_next(struct tlbsim_trace_reader *r, struct tlbsim_trace_event *ev,
		     struct tlbsim_diag *diag)
{
	while (!perf_recon_pop(r->recon, ev)) {
		const struct perf_rec *rec;
		int err;

		if (!r->input_done) {
			err = perf_read_one(r, diag);
			if (err < 0)
				return err;
			if (err == 0)
				r->input_done = true;
		}
		if (!(rec = r->win ? window_top(r->win) : NULL))
			return 0;
		if (!r->input_done && rec->t_ns + hold_ns[rec->hold] > r->newest)
			continue;
		rec = window_pop(r->win);   /* readable until the next push */
		window_prefetch_top(r->win);
		err = perf_recon_feed(r->recon, rec, diag);
		if (err) {
			char why[sizeof(diag->msg)];   /* not formatted onto itself */

			memcpy(why, diag->msg, sizeof(why));
			return tlbsim_diag_set(diag, err, "%s:%llu: %s", r->name,
					       (unsigned long long)rec->line, why);
		}
	}
	return 1;
}

/* perf script --header lists each recorded event as "# event : name =
 * SYSTEM:NAME, ...": keep the name. Nonzero when out of memory. */
static int header_event(struct tlbsim_trace_reader *r, const char *line)
{
	static const char key[] = "# event : name = ";
	size_t n;
	char (*e)[64];

	if (strncmp(line, key, sizeof(key) - 1))
		return 0;
	line += sizeof(key) - 1;
	n = strcspn(line, ", ");
	if (n >= sizeof(*e))
		return 0;   /* no tracepoint tlbsim reads has such a name */
	e = realloc(r->hdr_events, (r->nhdr_events + 1) * sizeof(*e));
	if (!e)
		return 1;
	r->hdr_events = e;
	memcpy(e[r->nhdr_events], line, n);
	e[r->nhdr_events++][n] = '\0';
	return 0;
}

/* perf's header proper lies between two "# ========" lines, and its
 * "# cmdline :" is the recording's command line as typed: an argument
 * holding newlines (python3 -c '...') continues it on lines with no '#'.
 * Read up to the closing banner, leaving it the current line. Negative on
 * an error; an unclosed banner is the first record's error to report. */
static int header_banner(struct tlbsim_trace_reader *r, struct tlbsim_diag *diag)
{
	static const char banner[] = "# ========";
	int err;

	if (strcmp(r->in.line, banner))
		return 0;
	while ((err = input_line(&r->in, diag)) > 0) {
		if (!strcmp(r->in.line, banner))
			return 0;
		if (r->in.line[0] == '#' && header_event(r, r->in.line))
			return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	}
	if (err < 0)
		return err;
	return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s:%llu: perf's header has no "
			       "closing '%s' line (a truncated capture?)", r->name,
			       (unsigned long long)r->in.lineno, banner);
}

static int open_common(struct tlbsim_trace_reader *r, struct tlbsim_diag *diag)
{
	const char *what;
	int form, err = input_line(&r->in, diag);

	if (err < 0)
		return err;
	if (err == 0)
		return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: empty file (expected "
				       "a header line {\"tlbsim\": 1, \"cpus\": N, ...})",
				       r->name);
	r->nx.name = r->name;
	r->nx.line = r->in.lineno;
	r->nx.diag = diag;
	if ((what = input_foreign(r->in.line, r->in.linelen)))
		return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s:1: %s", r->name, what);
	/* perf script --header prints its header as '#' lines before the
	 * records; no other format starts with one */
	if (r->in.line[0] == '#') {
		if ((err = header_banner(r, diag)) < 0)
			return err;
		do {
			if (header_event(r, r->in.line))
				return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
		} while ((err = input_line(&r->in, diag)) > 0 && r->in.line[0] == '#');
		if (err < 0)
			return err;
		if (err == 0 || !perf_probe(r->in.line))
			return perf_not_records(err ? r->in.line : NULL, r->in.lineno,
						r->name, true, diag);
	}
	if (perf_probe(r->in.line))
		return perf_open(r, diag);
	if ((form = binary_probe(r->in.line, r->in.linelen))) {
		/* the JSON header on line 2, then records numbered from 1 */
		int got = input_line(&r->in, diag);

		if (got < 0)
			return got;
		if (got == 0)
			return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s:2: missing the "
					       "header line after the binary magic", r->name);
		r->nx.line = r->in.lineno;
		got = native_header(&r->nx, r->in.line, r->in.linelen, &r->hdr);
		if (got)
			return got;
		r->binary = true;
		r->nx.compact = form == 2;
		binary_begin(&r->nx);
		r->nx.unit = "record";
		r->nx.line = 0;
		return 0;
	}
	if (!strncmp(r->in.line, TRACEDAT_MAGIC, TRACEDAT_MAGIC_LEN))
		return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: a trace-cmd trace.dat, "
			"which libtracecmd reads only from a file (save it to one first)",
			r->name);
	if (r->in.line[0] != '{') {
		/* perf text, but not the layout tlbsim reads? */
		if ((err = perf_not_records(r->in.line, r->in.lineno, r->name,
					    false, diag)))
			return err;
		return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s:1: not a tlbsim trace "
			"(expected a JSON header line {\"tlbsim\": 1, \"cpus\": N, ...})",
			r->name);
	}
	return native_header(&r->nx, r->in.line, r->in.linelen, &r->hdr);
}

int tlbsim_trace_open_stream(FILE *f, const char *name,
			     struct tlbsim_trace_reader **out,
			     struct tlbsim_diag *diag)
{
	struct tlbsim_trace_reader *r = calloc(1, sizeof(*r));
	int err;

	*out = NULL;
	if (!r || !(r->name = strdup(name)) || input_open(&r->in, f, r->name)) {
		if (r)
			input_close(&r->in);
		free(r ? r->name : NULL);
		free(r);
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	}
	err = open_common(r, diag);
	if (err) {
		tlbsim_trace_close(r);
		return err;
	}
	*out = r;
	return 0;
}

/* trace-cmd's trace.dat: rendered into perf lines, hashed as stored. */
static int open_tracedat(const char *path, FILE *f, struct tlbsim_trace_reader **out,
			 struct tlbsim_diag *diag)
{
	struct tlbsim_trace_reader *r = calloc(1, sizeof(*r));
	unsigned cpus;
	int err;

	if (!r || !(r->name = strdup(path))) {
		free(r);
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	}
	r->own = f;
	/* the decoder's fork first: input_open() may start the hasher thread,
	 * and a child forked beside a thread can inherit a lock it holds */
	err = tracedat_open(path, &r->dat, &cpus, diag);
	if (!err && input_open(&r->in, f, r->name))
		err = tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	if (!err) {
		r->perf = true;
		r->hdr.version = 1;
		r->hdr.cpus = cpus < 2 ? 2 : cpus;
		r->hdr.clock = TLBSIM_CLOCK_NS;
		r->hdr.asid_history = true;
		snprintf(r->hdr.comment, sizeof(r->hdr.comment),
			 "reconstructed from the trace-cmd capture %s", path);
		if (perf_recon_new(r->hdr.cpus, &r->recon))
			err = tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
		else
			perf_recon_set_peek(r->recon, peek_tgid, peek_next, peek_cpu, r);
	}
	if (err) {
		tlbsim_trace_close(r);
		return err;
	}
	*out = r;
	return 0;
}

int tlbsim_trace_open(const char *path, struct tlbsim_trace_reader **out,
		      struct tlbsim_diag *diag)
{
	struct stat st;
	FILE *f;
	int err;

	*out = NULL;
	if (strcmp(path, "-") && !stat(path, &st) && S_ISDIR(st.st_mode))
		return tlbsim_diag_set(diag, TLBSIM_EIO, "%s: is a directory (expected "
				       "a trace file)", path);
	if (tracedat_is(path)) {
		f = fopen(path, "rb");
		if (!f)
			return tlbsim_diag_set(diag, TLBSIM_EIO, "%s: cannot open: %s",
					       path, strerror(errno));
		return open_tracedat(path, f, out, diag);
	}
	if (strcmp(path, "-") == 0)
		return tlbsim_trace_open_stream(stdin, "-", out, diag);
	f = fopen(path, "rb");
	if (!f)
		return tlbsim_diag_set(diag, TLBSIM_EIO, "%s: cannot open: %s", path,
				       strerror(errno));
	err = tlbsim_trace_open_stream(f, path, out, diag);
	if (err) {
		fclose(f);
		return err;
	}
	(*out)->own = f;
	return 0;
}

void tlbsim_trace_close(struct tlbsim_trace_reader *r)
{
	if (!r)
		return;
	free(r->hdr_events);
	input_close(&r->in);
	if (r->own)
		fclose(r->own);
	perf_recon_free(r->recon);
	tracedat_close(r->dat);
	window_free(r->win);
	free(r->name);
	free(r);
}

const struct tlbsim_trace_header *
tlbsim_trace_header(const struct tlbsim_trace_reader *r)
{
	return &r->hdr;
}

/* After one read: count an event, or at the end hash what is left of the
 * file so that the SHA-256 covers all of it. */
static int reader_count(struct tlbsim_trace_reader *r, int err)
{
	if (err == 1)
		r->events++;
	if (err == 0) {
		r->done = true;
		input_drain(&r->in);
		input_sha256(&r->in, r->sha);
	}
	return err;
}

int tlbsim_trace_next(struct tlbsim_trace_reader *r,
		      struct tlbsim_trace_event *ev, struct tlbsim_diag *diag)
{
	int err;

	if (r->done)
		return 0;
	r->nx.diag = diag;
	if (r->perf) {
		err = perf_next(r, ev, diag);
	} else if (r->binary) {
		err = r->nx.compact ? compact_next(&r->nx, &r->in, ev) :
				      binary_next(&r->nx, &r->in, ev);
	} else {
		err = input_line(&r->in, diag);
		if (err > 0) {
			r->nx.line = r->in.lineno;
			err = native_event(&r->nx, r->in.line, r->in.linelen, ev);
			err = err ? err : 1;
		}
	}
	return reader_count(r, err);
}

int tlbsim_trace_set_cpus(struct tlbsim_trace_reader *r, unsigned cpus,
			  struct tlbsim_diag *diag)
{
	if (!r->recon || r->events || cpus < r->hdr.cpus || cpus > TLBSIM_MAX_CPUS)
		return tlbsim_diag_set(diag, TLBSIM_EINVAL, "%s: cannot model the "
				       "capture on %u CPUs", r->name, cpus);
	if (perf_recon_set_cpus(r->recon, cpus))
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	r->hdr.cpus = cpus;
	return 0;
}

/* What the captured machine was is set on a capture before it is read. */
static int capture_unread(const struct tlbsim_trace_reader *r, const char *what,
			  struct tlbsim_diag *diag)
{
	if (!r->recon || r->events)
		return tlbsim_diag_set(diag, TLBSIM_EINVAL, "%s: only a capture, "
				       "before it is read, has %s to set", r->name, what);
	return 0;
}

int tlbsim_trace_set_zero_page(struct tlbsim_trace_reader *r, bool zero_page,
			       struct tlbsim_diag *diag)
{
	int err = capture_unread(r, "a zero page", diag);

	if (!err)
		perf_recon_set_zero_page(r->recon, zero_page);
	return err;
}

int tlbsim_trace_set_pcid(struct tlbsim_trace_reader *r, bool pcid,
			  struct tlbsim_diag *diag)
{
	int err = capture_unread(r, "PCID", diag);

	if (!err)
		r->hdr.no_pcid = !pcid;
	return err;
}

int tlbsim_trace_set_backend(struct tlbsim_trace_reader *r, const char *backend,
			     struct tlbsim_diag *diag)
{
	int err = capture_unread(r, "a backend", diag);
	char names[80];

	if (err)
		return err;
	native_backend_names(names, sizeof(names), " or ");
	if (!native_backend_known(backend) || strlen(backend) >= sizeof(r->hdr.backend))
		return tlbsim_diag_set(diag, TLBSIM_EINVAL, "unknown backend \"%s\" "
				       "(expected %s)", backend, names);
	snprintf(r->hdr.backend, sizeof(r->hdr.backend), "%s", backend);
	return 0;
}

const char *tlbsim_trace_format(const struct tlbsim_trace_reader *r)
{
	return r->dat ? "trace-cmd" : r->perf ? "perf" : r->binary ? "binary" : "native";
}

size_t tlbsim_trace_tracepoints(const struct tlbsim_trace_reader *r,
				struct tlbsim_trace_count *out, size_t max)
{
	const char **names;
	const uint64_t *counts;
	const bool *used;
	size_t n;

	if (!r->recon)
		return 0;
	n = perf_recon_counts(r->recon, &names, &counts, &used);
	for (size_t i = 0; i < n && i < max; i++)
		out[i] = (struct tlbsim_trace_count){ names[i], counts[i], used[i] };
	return n;
}

size_t tlbsim_trace_inferences(const struct tlbsim_trace_reader *r,
			       struct tlbsim_trace_count *out, size_t max)
{
	const char **names;
	const uint64_t *counts;
	size_t n;

	if (!r->recon)
		return 0;
	n = perf_recon_inferences(r->recon, &names, &counts);
	for (size_t i = 0; i < n && i < max; i++)
		out[i] = (struct tlbsim_trace_count){ names[i], counts[i], true };
	return n;
}

unsigned tlbsim_trace_idle_seen(const struct tlbsim_trace_reader *r, unsigned cpu)
{
	return r->recon ? perf_recon_idle_seen(r->recon, cpu) :
			  TLBSIM_IDLE_SWITCHES | TLBSIM_IDLE_IRQS;
}

const char *tlbsim_trace_name(const struct tlbsim_trace_reader *r)
{
	return r->name;
}

uint64_t tlbsim_trace_events(const struct tlbsim_trace_reader *r)
{
	return r->events;
}

uint64_t tlbsim_trace_bytes(const struct tlbsim_trace_reader *r)
{
	return r->in.bytes;
}

void tlbsim_trace_sha256(struct tlbsim_trace_reader *r, char hex[65])
{
	if (r->done)
		memcpy(hex, r->sha, 65);
	else   /* before the end: all of a regular file, or what was read */
		input_sha256(&r->in, hex);
}
