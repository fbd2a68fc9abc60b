/* testutil.c - see testutil.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <lzma.h>

#include "testutil.h"

const char *tu_src(const char *rel)
{
	static char bufs[8][4096];
	static unsigned next;
	const char *root = getenv("TLBSIM_SOURCE_DIR");
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", root ? root : ".", rel);
	return b;
}

static char *read_fd(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

struct tu_run tu_cli(const char *input, const char *arg0, ...)
{
	struct tu_run r = { -1, NULL, NULL };
	const char *argv[64];
	int n = 0, out[2], err[2];
	char *in_path = NULL;
	const char *bin = getenv("TLBSIM_BIN");
	va_list ap;
	pid_t pid;

	argv[n++] = bin ? bin : "tlbsim";
	argv[n++] = arg0;
	va_start(ap, arg0);
	while (n < 63 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	if (input)
		in_path = tu_tmpfile(input, ".in");
	if (pipe(out) || pipe(err))
		return r;
	pid = fork();
	if (pid == 0) {
		int in = open(in_path ? in_path : "/dev/null", O_RDONLY);

		dup2(in, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	/* stderr is small; read stdout first then stderr. */
	r.out = read_fd(out[0]);
	r.err = read_fd(err[0]);
	close(out[0]);
	close(err[0]);
	{
		int st = 0;

		waitpid(pid, &st, 0);
		r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	if (in_path) {
		unlink(in_path);
		free(in_path);
	}
	return r;
}

void tu_run_free(struct tu_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* A loop of its own, not strstr() from each match on: ASan's strstr()
 * measures the whole rest of the text at every call (quadratic: a 20 MB
 * trace with 150 k matches timed out under ASan). */
unsigned tu_count(const char *text, const char *needle)
{
	size_t m = strlen(needle);
	unsigned n = 0;

	if (!m)
		return 0;
	for (const char *p = text; *p; p++) {
		size_t i = 0;

		while (i < m && p[i] == needle[i])
			i++;
		n += i == m;
	}
	return n;
}

char *tu_gen(const char *args)
{
	const char *bin = getenv("TLBSIM_GEN");
	char cmd[512], *out, buf[65536];
	size_t len = 0, cap = 1 << 16, n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s' %s", bin ? bin : "tlbsim-gen", args);
	p = popen(cmd, "r");
	if (!p || !(out = malloc(cap)))
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
		while (len + n + 1 > cap)
			out = realloc(out, cap *= 2);
		memcpy(out + len, buf, n);
		len += n;
	}
	out[len] = '\0';
	if (pclose(p) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

char *tu_tmpfile(const char *text, const char *suffix)
{
	char tmpl[] = "/tmp/tlbsim-test-XXXXXX";
	int fd = mkstemp(tmpl);
	char *path;
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	if (!suffix || !*suffix)
		return strdup(tmpl);
	if (asprintf(&path, "%s%s", tmpl, suffix) < 0)
		return NULL;
	rename(tmpl, path);
	return path;
}

/* The whole of the .xz file at @path, decompressed (caller frees). */
static char *xz_slurp(const char *path)
{
	lzma_stream z = LZMA_STREAM_INIT;
	size_t cap = 1 << 20, len = 0;
	char *out = malloc(cap);
	FILE *f = fopen(path, "rb");
	uint8_t buf[65536];
	lzma_ret rc = LZMA_OK;

	assert_non_null(out);
	assert_non_null(f);
	assert_int_equal(lzma_stream_decoder(&z, UINT64_MAX, LZMA_CONCATENATED), LZMA_OK);
	while (rc == LZMA_OK) {
		if (!z.avail_in) {
			z.next_in = buf;
			z.avail_in = fread(buf, 1, sizeof(buf), f);
		}
		if (len + 65536 + 1 > cap)
			out = realloc(out, cap *= 2);
		z.next_out = (uint8_t *)out + len;
		z.avail_out = cap - len - 1;
		rc = lzma_code(&z, z.avail_in ? LZMA_RUN : LZMA_FINISH);
		len = cap - 1 - z.avail_out;
	}
	assert_int_equal(rc, LZMA_STREAM_END);
	out[len] = '\0';
	lzma_end(&z);
	fclose(f);
	return out;
}

char *tu_capture_without(const char *path, const char *drop)
{
	char *text = xz_slurp(tu_src(path)), *w = text, *path_out;

	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n'), *next = nl ? nl + 1 : line + strlen(line);
		size_t n = (size_t)(next - line);
		char keep = *next;

		*next = '\0';
		if (!strstr(line, drop)) {
			memmove(w, line, n);
			w += n;
		}
		*next = keep;
		line = next;
	}
	*w = '\0';
	path_out = tu_tmpfile(text, ".perf.txt");
	free(text);
	return path_out;
}

char *tu_slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	char *s;

	if (fd < 0)
		return NULL;
	s = read_fd(fd);
	close(fd);
	return s;
}

json_t *tu_validate(const char *path)
{
	struct tu_run r = tu_cli(NULL, "validate", path, "--json", NULL);
	json_error_t e;
	json_t *doc;

	if (r.status)
		print_error("%s: %s", path, r.err);
	assert_int_equal(r.status, 0);
	doc = json_loads(r.out, 0, &e);
	assert_non_null(doc);
	tu_run_free(&r);
	return doc;
}

json_t *tu_check_intel(const char *path, long ipis_seen, long ipis, long sends,
		       long local)
{
	struct tu_run r = tu_cli(NULL, "validate", path, "--json",
				 "--profile", "kvm-guest-intel", NULL);
	json_error_t e;
	json_t *doc = json_loads(r.out, 0, &e), *v;
	long obs;

	assert_int_equal(r.status, 0);
	assert_non_null(doc);
	tu_run_free(&r);
	v = json_object_get(doc, "validate");
	assert_int_equal(tu_counter(v, "flush_ipis", "observed"), ipis_seen);
	assert_int_equal(tu_counter(v, "flush_ipis", "predicted"), ipis);
	assert_int_equal(tu_counter(v, "remote_send_ipi", "predicted"), sends);
	assert_int_equal(tu_counter(v, "local_mm_shootdown", "predicted"), local);
	obs = tu_counter(v, "local_mm_shootdown", "observed");
	assert_true(labs(local - obs) * 100 <= obs);
	return doc;
}

long tu_field(json_t *o, const char *a, const char *b)
{
	return (long)json_integer_value(json_object_get(json_object_get(o, a), b));
}

long tu_counter(json_t *validate, const char *name, const char *which)
{
	return tu_field(json_object_get(validate, "counters"), name, which);
}

long tu_seen(json_t *validate, const char *name)
{
	json_t *c = json_object_get(json_object_get(validate, "counters"), name);
	json_t *in = json_object_get(c, "predicted_in_capture");

	return (long)json_integer_value(in ? in : json_object_get(c, "predicted"));
}

json_t *tu_validate_text(const char *text)
{
	char *path = tu_tmpfile(text, ".perf.txt");
	json_t *doc = tu_validate(path);

	unlink(path);
	free(path);
	return doc;
}

long tu_validate_counter(const char *text, const char *counter,
			 const char *inference, long *inferred)
{
	json_t *doc = tu_validate_text(text), *v;
	long n;

	v = json_object_get(doc, "validate");
	n = tu_counter(v, counter, "predicted");
	*inferred = (long)json_integer_value(json_object_get(
		json_object_get(v, "inferences"), inference));
	json_decref(doc);
	return n;
}
