/* input.h - chunked, xz-transparent line input (internal to the trace module). */
#ifndef TLBSIM_TRACE_INPUT_H
#define TLBSIM_TRACE_INPUT_H

#include <lzma.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tlbsim/error.h"
#include "trace/sha256.h"

struct input {
	FILE *f;
	const char *name;
	struct sha256 sha;
	uint64_t bytes;          /* raw bytes read */
	/* a regular file is hashed by a thread of its own (input.c) */
	bool hashing, hash_failed;
	bool hash_inline;        /* fuzz build: hashed at hash_join(), no thread */
	int hash_fd;             /* the file's descriptor, for the hasher */
	pthread_t hasher;
	uint64_t hashed;         /* bytes hashed so far */
	atomic_bool hash_stop;   /* hash_join(): the hasher stops at a chunk */
	bool hash_done;          /* the hash reached the end of the file */
	uint8_t *raw;            /* raw chunk */
	char *buf;               /* decoded chunk */
	size_t pos, len;
	bool started, xz, xz_done, eof;
	lzma_stream strm;
	char *line;              /* the current line, NUL-terminated: in buf,
				  * or lbuf when it spans two chunks */
	char *lbuf;              /* a line assembled across chunks */
	size_t linelen, linecap;
	uint64_t lineno;         /* of the current line, 1-based */
	bool no_final_newline;
};

int input_open(struct input *in, FILE *f, const char *name);
void input_close(struct input *in);
/* 1: a line is in in->line; 0: end of input; <0: error with @diag. */
int input_line(struct input *in, struct tlbsim_diag *diag);
/* Up to @n (< INT_MAX) bytes after the current line: how many were read
 * (fewer only at the end of input), or <0 on error. */
int input_read(struct input *in, void *buf, size_t n, struct tlbsim_diag *diag);
void input_drain(struct input *in);
/* The SHA-256 of the bytes as stored, all of them: call after
 * input_drain(). Also sets in->bytes to the file's size. */
void input_sha256(struct input *in, char hex[65]);
/* What a file tlbsim does not read is, from its first line's first bytes
 * (perf.data, gzip, bzip2, zstd, zip, a UTF-8 byte-order mark): a phrase
 * for the message, or NULL. */
const char *input_foreign(const char *line, size_t len);

#endif
