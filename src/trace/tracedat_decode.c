/*
 * tracedat_decode.c - trace-cmd's binary trace.dat through libtracecmd,
 * rendered record by record into the `perf script` line format so that one
 * parser and one reconstruction serve both (the tracepoints' print formats
 * are the same: both print the kernel's TP_printk). Runs in the child
 * process tracedat.c starts: a corrupt file may crash libtracecmd.
 *
 * trace.dat records carry the thread id, not the thread-group id. A first
 * pass over the file learns which forked tasks were threads (their
 * sched_process_exit says group_dead=false) and of whom; the second pass
 * renders "TGID/TID". Records of the CPUs are merged by timestamp.
 */
#include <lzma.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <trace-cmd.h>
#include <unistd.h>

#include "tlbsim/machine.h"
#include "trace/tracedat.h"

struct tid_map {
	int32_t tid, tgid;
};

struct tdec {
	struct tracecmd_input *h;
	struct tep_handle *tep;
	int cpus;
	struct tep_record **next;   /* per CPU, the record to merge next */
	unsigned long long *after;  /* per CPU, past the last record's offset */
	struct trace_seq seq;
	struct tid_map *threads;    /* tid -> tgid for threads */
	size_t nthreads, capthreads;
	char tmp[64];               /* decompressed copy, unlinked at close */
	uint64_t budget, left;      /* records a pass may read (file size / 4) */
};

static int32_t tgid_of(const struct tdec *t, int32_t tid)
{
	for (size_t i = 0; i < t->nthreads; i++)
		if (t->threads[i].tid == tid)
			return t->threads[i].tgid;
	return tid;
}

static void render(struct tdec *t, struct tep_record *r)
{
	trace_seq_reset(&t->seq);
	tep_print_event(t->tep, &t->seq, r, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(&t->seq);
}

/* A CPU's records lie one after the other in the file. A corrupt page
 * can make libtracecmd hand out the same record forever (found by
 * fuzz/fuzz_tracedat): a record that does not advance ends the decoding. */
static bool record_advances(struct tdec *t, int cpu, const struct tep_record *r)
{
	/* Every record takes at least 4 bytes of the file; a corrupt CPU
	 * count made libtracecmd read the same pages for each of thousands
	 * of CPUs (a fuzz_tracedat timeout, tests/bad/tracedat_cpus_reread.dat) */
	if (!t->left--)
		return false;
	if (r->offset < t->after[cpu])
		return false;
	t->after[cpu] = r->offset + 1;
	return true;
}

/* First pass: forks give child -> parent; exits with group_dead=false
 * mark the child a thread of its parent's group. */
static int learn_threads(struct tdec *t)
{
	struct tid_map *forks = NULL;
	size_t nforks = 0, capforks = 0;

	for (int c = 0; c < t->cpus; c++) {
		struct tep_record *r;

		while ((r = tracecmd_read_data(t->h, c))) {
			struct tep_event *e = tep_find_event_by_record(t->tep, r);
			const char *txt, *p;

			if (!record_advances(t, c, r)) {
				tracecmd_free_record(r);
				free(forks);
				return TLBSIM_EPARSE;
			}
			if (e && (!strcmp(e->name, "sched_process_fork") ||
				  !strcmp(e->name, "sched_process_exit"))) {
				render(t, r);
				txt = t->seq.buffer;
				if (!strcmp(e->name, "sched_process_fork") &&
				    (p = strstr(txt, "child_pid="))) {
					if (nforks == capforks) {
						capforks = capforks ? 2 * capforks : 64;
						forks = realloc(forks, capforks * sizeof(*forks));
						if (!forks)
							return TLBSIM_ENOMEM;
					}
					forks[nforks].tid = atoi(p + 10);
					forks[nforks++].tgid = tep_data_pid(t->tep, r);
				} else if (strstr(txt, "group_dead=false")) {
					int32_t tid = tep_data_pid(t->tep, r);

					for (size_t i = 0; i < nforks; i++) {
						if (forks[i].tid != tid)
							continue;
						if (t->nthreads == t->capthreads) {
							t->capthreads = t->capthreads ? 2 * t->capthreads : 16;
							t->threads = realloc(t->threads, t->capthreads *
									     sizeof(*t->threads));
							if (!t->threads)
								return TLBSIM_ENOMEM;
						}
						t->threads[t->nthreads++] = forks[i];
					}
				}
			}
			tracecmd_free_record(r);
		}
	}
	free(forks);
	/* a thread's parent may itself be a thread: resolve to the group */
	for (size_t i = 0; i < t->nthreads; i++)
		t->threads[i].tgid = tgid_of(t, t->threads[i].tgid);
	/* rewind: the second pass renders */
	t->left = t->budget;
	for (int c = 0; c < t->cpus; c++) {
		t->after[c] = 0;
		t->next[c] = tracecmd_read_cpu_first(t->h, c);
	}
	return 0;
}

/* liblzma into a temporary file: libtracecmd seeks in what it reads. */
static int decompress(const char *path, char *tmp, size_t len)
{
	lzma_stream z = LZMA_STREAM_INIT;
	uint8_t in[65536], out[65536];
	FILE *f = fopen(path, "rb"), *o = NULL;
	lzma_ret ret = LZMA_OK;
	int fd;

	snprintf(tmp, len, "/tmp/tlbsim-dat-XXXXXX");
	if (!f || (fd = mkstemp(tmp)) < 0 || !(o = fdopen(fd, "wb")) ||
	    lzma_stream_decoder(&z, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
		goto fail;
	while (ret == LZMA_OK) {
		if (!z.avail_in) {
			z.next_in = in;
			z.avail_in = fread(in, 1, sizeof(in), f);
		}
		z.next_out = out;
		z.avail_out = sizeof(out);
		ret = lzma_code(&z, z.avail_in ? LZMA_RUN : LZMA_FINISH);
		if (fwrite(out, 1, sizeof(out) - z.avail_out, o) != sizeof(out) - z.avail_out)
			goto fail;
	}
	lzma_end(&z);
	fclose(f);
	if (fclose(o) || ret != LZMA_STREAM_END) {
		o = NULL;
		f = NULL;
		goto fail;
	}
	return 0;
fail:
	lzma_end(&z);
	if (f)
		fclose(f);
	if (o)
		fclose(o);
	if (tmp[0])
		unlink(tmp);
	tmp[0] = '\0';
	return -1;
}

static bool cpus_refused(struct tdec *t, FILE *out)
{
	t->cpus = tep_get_cpus(t->tep);
	if (t->cpus > 0 && t->cpus <= TLBSIM_MAX_CPUS)
		return false;
	fprintf(out, "E %d CPUs in the trace.dat (expected 1 to %d)\n",
		t->cpus, TLBSIM_MAX_CPUS);
	return true;
}

/* Into the parent's pipe: "C <cpus>", then one line per record, or
 * "E <reason>" when libtracecmd refuses the file. */
static int decode_open(struct tdec *t, const char *path, FILE *out)
{
	const char *file = path;
	size_t n = strlen(path);

	if (n > 3 && !strcmp(path + n - 3, ".xz")) {
		if (decompress(path, t->tmp, sizeof(t->tmp))) {
			fprintf(out, "E truncated or corrupt xz stream\n");
			return -1;
		}
		file = t->tmp;
	}
	{
		struct stat st;

		t->budget = (stat(file, &st) ? 0 : (uint64_t)st.st_size / 4) + 64;
		t->left = t->budget;
	}
	tracecmd_set_loglevel(TEP_LOG_NONE);
	/* tracecmd_open() in two steps: the CPU count is known once the
	 * headers are read, and libtracecmd sizes its per-CPU state by it
	 * (and walks all of it again when it closes the file): a corrupt
	 * count of 2^31 costs seconds before anything could refuse it. */
	t->h = tracecmd_open_head(file, TRACECMD_FL_LOAD_NO_PLUGINS |
				  TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
	if (t->tmp[0])
		unlink(t->tmp);   /* libtracecmd holds it open */
	if (!t->h) {
		fprintf(out, "E not a trace-cmd trace.dat file (libtracecmd cannot read it)\n");
		return -1;
	}
	t->tep = tracecmd_get_tep(t->h);
	if (cpus_refused(t, out))
		return -1;
	if (tracecmd_init_data(t->h) < 0) {
		fprintf(out, "E not a trace-cmd trace.dat file (libtracecmd cannot read its data)\n");
		return -1;
	}
	if (cpus_refused(t, out))   /* a sectioned file's buffer has its own count */
		return -1;
	t->next = calloc((size_t)t->cpus, sizeof(*t->next));
	t->after = calloc((size_t)t->cpus, sizeof(*t->after));
	if (!t->next || !t->after) {
		fprintf(out, "E out of memory\n");
		return -1;
	}
	switch (learn_threads(t)) {
	case 0:
		break;
	case TLBSIM_EPARSE:
		fprintf(out, "E a CPU's records do not advance through the file "
			"(the trace.dat is corrupt)\n");
		return -1;
	default:
		fprintf(out, "E out of memory\n");
		return -1;
	}
	fprintf(out, "C %d\n", t->cpus);
	return 0;
}

/* The next record, in time order across CPUs, as one perf-script line:
 * 1, 0 at the end, -1 if the file turns out corrupt. */
static int decode_line(struct tdec *t, FILE *out)
{
	struct tep_record *r;
	struct tep_event *e;
	int best = -1;
	int32_t tid;
	const char *comm;
	char *nl;

	for (int c = 0; c < t->cpus; c++)
		if (t->next[c] && (best < 0 || t->next[c]->ts < t->next[best]->ts))
			best = c;
	if (best < 0)
		return 0;
	r = t->next[best];
	t->next[best] = tracecmd_read_data(t->h, best);
	if (!record_advances(t, best, r)) {
		tracecmd_free_record(r);
		return -1;
	}
	e = tep_find_event_by_record(t->tep, r);
	tid = tep_data_pid(t->tep, r);
	comm = tep_data_comm_from_pid(t->tep, tid);
	render(t, r);
	while ((nl = strchr(t->seq.buffer, '\n')))  /* one record, one line */
		*nl = ' ';
	fprintf(out, "%s %d/%d [%03d] %llu.%09llu: %s:%s: %.*s\n",
		tid == 0 ? "swapper" : comm ? comm : "<...>", tgid_of(t, tid), tid,
		best, r->ts / 1000000000ULL, r->ts % 1000000000ULL,
		e ? e->system : "unknown", e ? e->name : "unknown",
		TRACEDAT_LINE_MAX / 2, t->seq.buffer);
	tracecmd_free_record(r);
	return 1;
}

static void decode_free(struct tdec *t)
{
	for (int c = 0; t->next && c < t->cpus; c++)
		if (t->next[c])
			tracecmd_free_record(t->next[c]);
	if (t->h)
		tracecmd_close(t->h);
	trace_seq_destroy(&t->seq);
	free(t->next);
	free(t->after);
	free(t->threads);
}

int tracedat_decode(const char *path, FILE *out)
{
	struct tdec t;
	int err;

	memset(&t, 0, sizeof(t));
	trace_seq_init(&t.seq);
	err = decode_open(&t, path, out);
	if (!err)
		while ((err = decode_line(&t, out)) > 0)
			;
	decode_free(&t);
	if (fflush(out))
		return 1;
	return err ? 1 : 0;
}
