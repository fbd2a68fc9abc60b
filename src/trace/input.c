/*
 * input.c - a byte stream read in chunks, transparently xz-decompressed, cut
 * into lines. Only the current line is held: memory does not depend on the
 * trace's length. The SHA-256 covers the bytes as stored (compressed or not).
 *
 * A regular file read from its start is hashed by a thread of its own,
 * which reads it again with pread() (the file offset stays the reader's):
 * on a long capture the hash was a fifth of the reading thread's time, and
 * that thread bounds a replay. The hasher runs as SCHED_IDLE, in CPU time
 * no other thread wants (a perf replay's simulation worker waits for the
 * reader a third of the time): beside the reader it slowed it by 7 %.
 * When the hash is asked for, the hasher stops at its next chunk and the
 * asking thread hashes what is left itself, at its own priority, so a
 * busy machine cannot starve the hash. A pipe is hashed as it is read.
 */
#define _GNU_SOURCE   /* SCHED_IDLE */
#include <lzma.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/input.h"

/* Reads of 256 KiB: a quarter of the read() and pread() calls of 64 KiB
 * ones, whose every entry and exit the guest this was measured on pays
 * for (3 % of a replay). Under ASan (the fuzz build, whose inputs are
 * small) 64 KiB: a buffer that size comes from ASan's size classes, not
 * a mapping of its own faulted in and unmapped for every input. */
#ifdef TLBSIM_FUZZ
#define CHUNK 65536
#else
#define CHUNK 262144
#endif
#define HASH_CHUNK CHUNK
#define MAX_LINE (1 << 20)

static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };

/* Hash the file from in->hashed to its end, or, when @stoppable, until
 * hash_join() sets in->hash_stop. False when a read failed. */
static bool hash_from(struct input *in, bool stoppable)
{
	uint8_t *b = malloc(HASH_CHUNK);
	ssize_t n;

	if (!b)
		return false;
	for (;;) {
		if (stoppable && atomic_load_explicit(&in->hash_stop, memory_order_relaxed)) {
			n = 1;   /* stopped, not at the end */
			break;
		}
		if ((n = pread(in->hash_fd, b, HASH_CHUNK, (off_t)in->hashed)) <= 0)
			break;
		sha256_update(&in->sha, b, (size_t)n);
		in->hashed += (uint64_t)n;
	}
	free(b);
	in->hash_done = n == 0;
	return n >= 0;
}

#ifndef TLBSIM_FUZZ
static void *hash_thread(void *arg)
{
	struct input *in = arg;
	struct sched_param idle = { 0 };

	pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle);   /* best effort */
	in->hash_failed = !hash_from(in, true);
	return NULL;
}
#endif

/* Hash @in's file in a thread when it is a regular file at its start. */
static void hash_start(struct input *in)
{
	struct stat st;
	int fd = fileno(in->f);

	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || ftell(in->f) != 0)
		return;
	in->hash_fd = fd;   /* fileno() would take the stream's lock */
#ifdef TLBSIM_FUZZ
	/* a thread per input was a quarter of fuzz_tracedat's time under ASan:
	 * the fuzz build hashes the file when the hash is asked for */
	in->hashing = in->hash_inline = true;
#else
	in->hashing = !pthread_create(&in->hasher, NULL, hash_thread, in);
#endif
}

/* Stop the hasher and hash what it left here; if it failed, hash the file
 * here from its start. */
static void hash_join(struct input *in)
{
	if (!in->hashing)
		return;
	if (!in->hash_inline) {
		atomic_store(&in->hash_stop, true);
		pthread_join(in->hasher, NULL);
	}
	in->hashing = false;
	if (!in->hash_failed && !in->hash_done)
		in->hash_failed = !hash_from(in, false);
	if (in->hash_failed) {
		sha256_free(&in->sha);
		in->hashed = 0;
		if (sha256_init(&in->sha) == 0)
			hash_from(in, false);
	}
	in->bytes = in->hashed;
}

void input_sha256(struct input *in, char hex[65])
{
	hash_join(in);
	sha256_hex(&in->sha, hex);
}

int input_open(struct input *in, FILE *f, const char *name)
{
	memset(in, 0, sizeof(*in));
	in->f = f;
	in->name = name;
	if (sha256_init(&in->sha))
		return TLBSIM_ENOMEM;
	in->raw = malloc(CHUNK);
	in->buf = malloc(CHUNK);
	in->lbuf = malloc(256);
	if (!in->raw || !in->buf || !in->lbuf)
		return TLBSIM_ENOMEM;
	in->linecap = 256;
	in->line = in->lbuf;
	in->lbuf[0] = '\0';
	hash_start(in);
	return 0;
}

void input_close(struct input *in)
{
	hash_join(in);
	if (in->xz)
		lzma_end(&in->strm);
	sha256_free(&in->sha);
	free(in->raw);
	free(in->buf);
	free(in->lbuf);
}

/* Read raw bytes from the file into @to, hashing them (unless the hasher
 * does). */
static size_t raw_read(struct input *in, uint8_t *to)
{
	size_t n = fread(to, 1, CHUNK, in->f);

	if (!in->hashing)
		sha256_update(&in->sha, to, n);
	in->bytes += n;
	return n;
}

/* Refill in->buf with decoded bytes; 0 at end, <0 on error. */
static int refill(struct input *in, struct tlbsim_diag *diag)
{
	in->pos = in->len = 0;
	if (!in->started) {
		size_t n = raw_read(in, in->raw);

		in->started = true;
		if (n >= sizeof(xz_magic) && !memcmp(in->raw, xz_magic, sizeof(xz_magic))) {
			lzma_stream init = LZMA_STREAM_INIT;

			in->strm = init;
			/* concatenated streams (xz file1 file2, pxz) are one file, as
			 * xzcat reads them; anything after the last is an error */
			if (lzma_stream_decoder(&in->strm, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
				return tlbsim_diag_set(diag, TLBSIM_ENOMEM,
						       "%s: cannot start the xz decoder", in->name);
			in->xz = true;
			in->strm.next_in = in->raw;
			in->strm.avail_in = n;
		} else {
			memcpy(in->buf, in->raw, n);
			in->len = n;
			return n > 0;
		}
	}
	if (!in->xz) {   /* plain text: no copy through in->raw */
		size_t n = raw_read(in, (uint8_t *)in->buf);

		in->len = n;
		if (!n && ferror(in->f))
			return tlbsim_diag_set(diag, TLBSIM_EIO, "%s: read error", in->name);
		return n > 0;
	}
	while (in->len == 0 && !in->xz_done) {
		lzma_ret r;

		if (in->strm.avail_in == 0 && !in->eof) {
			size_t n = raw_read(in, in->raw);

			in->strm.next_in = in->raw;
			in->strm.avail_in = n;
			if (!n)
				in->eof = true;
		}
		in->strm.next_out = (uint8_t *)in->buf;
		in->strm.avail_out = CHUNK;
		r = lzma_code(&in->strm, in->eof ? LZMA_FINISH : LZMA_RUN);
		in->len = CHUNK - in->strm.avail_out;
		if (r == LZMA_STREAM_END)
			in->xz_done = true;
		else if (r != LZMA_OK || (in->eof && in->len == 0 && r != LZMA_STREAM_END))
			return tlbsim_diag_set(diag, TLBSIM_EPARSE,
					       "%s: truncated or corrupt xz stream", in->name);
	}
	return in->len > 0;
}

/* The line-length limit, stated once: perf text and JSONL share it. */
static int too_long(struct input *in, uint64_t lineno, struct tlbsim_diag *diag)
{
	return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s:%llu: line longer than %d "
			       "bytes (expected at most 1 MiB per line)", in->name,
			       (unsigned long long)lineno, MAX_LINE);
}

/* Append @n bytes to the line being assembled in in->lbuf. It may hold
 * one byte more than MAX_LINE: a '\r' that line_done() strips is part of
 * the line end, not of the line. */
static int line_put(struct input *in, const char *p, size_t n,
		    struct tlbsim_diag *diag)
{
	if (in->linelen + n > MAX_LINE + 1)
		return too_long(in, in->lineno + 1, diag);
	if (in->linelen + n + 1 > in->linecap) {
		size_t cap = in->linecap;
		char *l;

		while (cap < in->linelen + n + 1)
			cap *= 2;
		if (cap > MAX_LINE + 2)
			cap = MAX_LINE + 2;
		l = realloc(in->lbuf, cap);
		if (!l)
			return tlbsim_diag_set(diag, TLBSIM_ENOMEM, "out of memory");
		in->lbuf = l;
		in->linecap = cap;
	}
	memcpy(in->lbuf + in->linelen, p, n);
	in->linelen += n;
	in->lbuf[in->linelen] = '\0';
	in->line = in->lbuf;
	return 0;
}

/* A whole line: numbered, its '\r' stripped, then held to the limit. */
static int line_done(struct input *in, struct tlbsim_diag *diag)
{
	in->lineno++;
	if (in->linelen && in->line[in->linelen - 1] == '\r')
		in->line[--in->linelen] = '\0';
	if (in->linelen > MAX_LINE)
		return too_long(in, in->lineno, diag);
	return 1;
}

/* The line ends at @nl in in->buf: hand it out where it stands (its '\n'
 * becomes its NUL), or, when its start came in an earlier chunk, as the
 * rest of the one assembled in in->lbuf. Most lines lie within a chunk:
 * no copy (the copy and the load of its last byte right after were a
 * tenth of a perf replay's reading thread). */
static int line_end(struct input *in, char *nl, struct tlbsim_diag *diag)
{
	char *start = in->buf + in->pos;
	int r;

	if (in->linelen) {
		if ((r = line_put(in, start, (size_t)(nl - start), diag)))
			return r;
	} else {
		*nl = '\0';
		in->line = start;
		in->linelen = (size_t)(nl - start);
	}
	in->pos = (size_t)(nl - in->buf) + 1;
	return line_done(in, diag);
}

int input_line(struct input *in, struct tlbsim_diag *diag)
{
	in->linelen = 0;
	in->lbuf[0] = '\0';
	in->line = in->lbuf;
	for (;;) {
		char *nl;
		int r;

		if (in->pos == in->len) {
			r = refill(in, diag);
			if (r < 0)
				return r;
			if (r == 0) {
				if (!in->linelen)
					return 0;
				in->no_final_newline = true;
				return line_done(in, diag);
			}
		}
		nl = memchr(in->buf + in->pos, '\n', in->len - in->pos);
		if (!nl) {
			r = line_put(in, in->buf + in->pos, in->len - in->pos, diag);
			if (r)
				return r;
			in->pos = in->len;
			continue;
		}
		return line_end(in, nl, diag);
	}
}

int input_read(struct input *in, void *buf, size_t n, struct tlbsim_diag *diag)
{
	size_t got = 0;

	while (got < n) {
		size_t k;

		if (in->pos == in->len) {
			int r = refill(in, diag);

			if (r < 0)
				return r;
			if (r == 0)
				break;
		}
		k = in->len - in->pos < n - got ? in->len - in->pos : n - got;
		memcpy((char *)buf + got, in->buf + in->pos, k);
		in->pos += k;
		got += k;
	}
	return (int)got;
}

/* Consume what is left so that the hash covers the whole file (the
 * hasher reads all of it itself). */
void input_drain(struct input *in)
{
	while (!in->hashing && !feof(in->f) && !ferror(in->f) && raw_read(in, in->raw))
		;
}

/* What a file tlbsim cannot read is, when its first bytes say (a user's
 * likely mistake: perf.data for its text, a capture compressed as tlbsim
 * does not decompress), or NULL. */
const char *input_foreign(const char *line, size_t len)
{
	static const struct { const char *magic; size_t len; const char *what; } kinds[] = {
		{ "PERFILE2", 8, "a perf.data file (expected the text `perf script -F "
		  "comm,tid,pid,cpu,time,event,trace` prints from it: traces/capture.sh "
		  "saves both)" },
		{ "\x1f\x8b", 2, "gzip-compressed (expected plain text, xz or tlbsim's "
		  "binary form: decompress it, or recompress it with xz)" },
		{ "BZh", 3, "bzip2-compressed (expected plain text, xz or tlbsim's "
		  "binary form: decompress it, or recompress it with xz)" },
		{ "\x28\xb5\x2f\xfd", 4, "zstd-compressed (expected plain text, xz or "
		  "tlbsim's binary form: decompress it, or recompress it with xz)" },
		{ "PK\x03\x04", 4, "a zip archive (expected one trace: unpack it first)" },
		{ "\xef\xbb\xbf", 3, "begins with a UTF-8 byte-order mark (expected the "
		  "first line at once: save the file without one)" },
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (len >= kinds[i].len && !memcmp(line, kinds[i].magic, kinds[i].len))
			return kinds[i].what;
	return NULL;
}
