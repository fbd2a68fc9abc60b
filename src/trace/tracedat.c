/*
 * tracedat.c - a trace.dat read through a child process: the child runs
 * libtracecmd (tracedat_decode.c) and writes perf-script lines into a
 * pipe; this side reads them and turns the child's refusal or death into
 * a diagnostic naming the file. Streaming: the pipe holds what the parent
 * has not read yet, nothing more.
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trace/binary.h"
#include "trace/tracedat.h"

struct tracedat {
	pid_t pid;          /* the decoder, 0 once reaped */
	FILE *in;           /* its lines */
#ifdef TLBSIM_FUZZ
	char *mem;          /* the lines of the in-process decoder */
	int status;         /* its end, as waitpid() would give it */
#endif
	char *path;
	unsigned long records;
	bool opened;        /* the decoder said how many CPUs */
};

bool tracedat_is(const char *path)
{
	size_t n = strlen(path);
	bool named = n > 4 && !strcmp(path + n - 4, ".dat");
	char head[TRACEDAT_MAGIC_LEN] = "";
	struct stat st;
	FILE *f;
	size_t got = 0;

	if (n > 7 && !strcmp(path + n - 7, ".dat.xz"))
		return true;
	/* only a regular file is looked into: reading a pipe (<(xzcat t))
	 * would take bytes the reader then never sees */
	if (!strcmp(path, "-") || stat(path, &st) || !S_ISREG(st.st_mode) ||
	    !(f = fopen(path, "rb")))
		return named;   /* an unreadable *.dat: the decoder says why */
	got = fread(head, 1, sizeof(head), f);
	fclose(f);
	if (got == sizeof(head) && !memcmp(head, TRACEDAT_MAGIC, TRACEDAT_MAGIC_LEN))
		return true;
	return named && !(got && head[0] == '{') &&
	       !(got >= sizeof(BINARY_MAGIC) - 1 &&
		 !memcmp(head, BINARY_MAGIC, sizeof(BINARY_MAGIC) - 1));
}

#ifndef TLBSIM_FUZZ
/* The child: decode, then leave without atexit handlers or stdio flushes
 * that belong to the parent. */
static void child_run(const char *path, int fd)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	FILE *out;
	int null = open("/dev/null", O_WRONLY);

	/* a crash is the parent's to report, as the signal it was: take back
	 * handlers a sanitizer runtime installed, keep the libraries quiet */
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], SIG_DFL);
	signal(SIGPIPE, SIG_DFL);   /* the parent stopped reading: just end */
	if (null >= 0) {
		dup2(null, STDERR_FILENO);
		close(null);
	}
	out = fdopen(fd, "w");
	_exit(out && tracedat_decode(path, out) == 0 ? 0 : 1);
}
#endif

/* How the decoder ended, as a diagnostic (0 if it ended well). */
static int child_status(struct tracedat *t, int status, struct tlbsim_diag *diag)
{
	char where[96];

	if (!WIFSIGNALED(status) && !WEXITSTATUS(status))
		return 0;
	if (t->opened)
		snprintf(where, sizeof(where), "record %lu: libtracecmd %s reading it",
			 t->records + 1, WIFSIGNALED(status) ? "crashed" : "failed");
	else
		snprintf(where, sizeof(where), "libtracecmd %s opening it",
			 WIFSIGNALED(status) ? "crashed" : "failed");
	if (WIFSIGNALED(status))
		return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: %s (signal %d, %s): "
			"the trace.dat is corrupt", t->path, where, WTERMSIG(status),
			strsignal(WTERMSIG(status)));
	return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: %s: the trace.dat is "
			       "corrupt", t->path, where);
}

#ifdef TLBSIM_FUZZ
/* The fuzz build decodes in-process (a fork per input is slow, and hides
 * the decoder's coverage): fuzz/fuzz_tracedat.c gives a version that turns
 * libtracecmd's faults into a return of -1; this one serves the other
 * harnesses. 0 decoded, 1 refused, -1 crashed. */
__attribute__((weak)) int tracedat_fuzz_decode(const char *path, FILE *out);
__attribute__((weak)) int tracedat_fuzz_decode(const char *path, FILE *out)
{
	return tracedat_decode(path, out);
}

static int child_reap(struct tracedat *t, struct tlbsim_diag *diag)
{
	if (!t->pid)
		return 0;
	t->pid = 0;
	return child_status(t, t->status, diag);
}

static int child_start(struct tracedat *t, struct tlbsim_diag *diag)
{
	size_t len = 0;
	FILE *m = open_memstream(&t->mem, &len);
	int rc;

	if (!m)
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	rc = tracedat_fuzz_decode(t->path, m);
	fclose(m);
	t->status = rc < 0 ? SIGSEGV : (rc ? 1 : 0) << 8;   /* waitpid's encoding */
	t->pid = 1;
	t->in = len ? fmemopen(t->mem, len, "r") : fopen("/dev/null", "r");
	if (!t->in)
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	return 0;
}
#else
/* Reap the decoder: 0 if it ended well, else a diagnostic. */
static int child_reap(struct tracedat *t, struct tlbsim_diag *diag)
{
	int status;
	pid_t p;

	if (!t->pid)
		return 0;
	do
		p = waitpid(t->pid, &status, 0);
	while (p < 0 && errno == EINTR);
	t->pid = 0;
	if (p < 0)
		return tlbsim_diag_set(diag, TLBSIM_EIO, "%s: lost the trace.dat "
				       "decoder: %s", t->path, strerror(errno));
	return child_status(t, status, diag);
}

static int child_start(struct tracedat *t, struct tlbsim_diag *diag)
{
	int fds[2];

	fflush(NULL);   /* nothing buffered may be written twice */
	if (pipe(fds))
		return tlbsim_diag_set(diag, TLBSIM_EIO, "%s: pipe: %s", t->path,
				       strerror(errno));
	t->pid = fork();
	if (t->pid < 0) {
		t->pid = 0;
		close(fds[0]);
		close(fds[1]);
		return tlbsim_diag_set(diag, TLBSIM_EIO, "%s: fork: %s", t->path,
				       strerror(errno));
	}
	if (t->pid == 0) {
		close(fds[0]);
		child_run(t->path, fds[1]);
	}
	close(fds[1]);
	t->in = fdopen(fds[0], "r");
	if (!t->in) {
		close(fds[0]);
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	}
	return 0;
}
#endif

/* One line from the decoder into buf, without its newline: 1, or 0 at
 * the end of the pipe. */
static int pipe_line(struct tracedat *t, char *buf)
{
	size_t n;

	if (!fgets(buf, TRACEDAT_LINE_MAX, t->in))
		return 0;
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else   /* the decoder bounds its lines; the rest is dropped */
		for (int c; (c = getc(t->in)) != EOF && c != '\n';)
			;
	return 1;
}

int tracedat_open(const char *path, struct tracedat **out, unsigned *cpus,
		  struct tlbsim_diag *diag)
{
	struct tracedat *t = calloc(1, sizeof(*t));
	char line[TRACEDAT_LINE_MAX];
	int err;

	*out = NULL;
	if (!t || !(t->path = strdup(path))) {
		free(t);
		return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
	}
	err = child_start(t, diag);
	if (!err && !pipe_line(t, line))
		err = child_reap(t, diag);   /* died before a word */
	if (!err && line[0] == 'E') {
		child_reap(t, diag);
		err = tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: %s", path, line + 2);
	} else if (!err && (line[0] != 'C' || atoi(line + 2) <= 0)) {
		err = tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: libtracecmd "
				      "failed reading the file", path);
	}
	if (err) {
		tracedat_close(t);
		return err;
	}
	t->opened = true;
	*cpus = (unsigned)atoi(line + 2);
	*out = t;
	return 0;
}

int tracedat_next_line(struct tracedat *t, char *buf, struct tlbsim_diag *diag)
{
	if (pipe_line(t, buf)) {
		t->records++;
		return 1;
	}
	return child_reap(t, diag);
}

void tracedat_close(struct tracedat *t)
{
	struct tlbsim_diag ignore;

	if (!t)
		return;
#ifndef TLBSIM_FUZZ
	if (t->pid)
		kill(t->pid, SIGKILL);   /* closed early: the rest is not wanted */
#endif
	child_reap(t, &ignore);
	if (t->in)
		fclose(t->in);
#ifdef TLBSIM_FUZZ
	free(t->mem);
#endif
	free(t->path);
	free(t);
}
