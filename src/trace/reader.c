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

#include "trace/input.h"
#include "trace/native.h"

struct tlbsim_trace_reader {
	struct input in;
	FILE *own;              /* opened here, closed here */
	char *name;
	struct native_ctx nx;
	struct tlbsim_trace_header hdr;
	uint64_t events;
	bool done;
	char sha[65];
};

static int open_common(struct tlbsim_trace_reader *r, struct tlbsim_diag *diag)
{
	int err = input_line(&r->in, diag);

	if (err < 0)
		return err;
	if (err == 0)
		return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s: empty file (expected "
				       "a header line {\"tlbsim\": 1, \"cpus\": N, ...})",
				       r->name);
	r->nx.name = r->name;
	r->nx.line = r->in.lineno;
	r->nx.diag = diag;
	if (r->in.line[0] != '{')
		return tlbsim_diag_set(diag, TLBSIM_EPARSE, "%s:1: not a tlbsim trace "
			"(expected a JSON header line {\"tlbsim\": 1, \"cpus\": N, ...})",
			r->name);
	return native_header(&r->nx, r->in.line, &r->hdr);
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

int tlbsim_trace_open(const char *path, struct tlbsim_trace_reader **out,
		      struct tlbsim_diag *diag)
{
	FILE *f;
	int err;

	*out = NULL;
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
	input_close(&r->in);
	if (r->own)
		fclose(r->own);
	free(r->name);
	free(r);
}

const struct tlbsim_trace_header *
tlbsim_trace_header(const struct tlbsim_trace_reader *r)
{
	return &r->hdr;
}

int tlbsim_trace_next(struct tlbsim_trace_reader *r,
		      struct tlbsim_trace_event *ev, struct tlbsim_diag *diag)
{
	int err;

	if (r->done)
		return 0;
	r->nx.diag = diag;
	err = input_line(&r->in, diag);
	if (err < 0)
		return err;
	if (err == 0) {
		r->done = true;
		input_drain(&r->in);
		sha256_hex(&r->in.sha, r->sha);
		return 0;
	}
	r->nx.line = r->in.lineno;
	err = native_event(&r->nx, r->in.line, ev);
	if (err)
		return err;
	r->events++;
	return 1;
}

const char *tlbsim_trace_format(const struct tlbsim_trace_reader *r)
{
	(void)r;
	return "native";
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

void tlbsim_trace_sha256(const struct tlbsim_trace_reader *r, char hex[65])
{
	if (r->done)
		memcpy(hex, r->sha, 65);
	else
		sha256_hex(&r->in.sha, hex);
}
