/* testutil.h - helpers shared by the cmocka programs. */
#ifndef TLBSIM_TESTUTIL_H
#define TLBSIM_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>

/* Absolute path of a file in the source tree (TLBSIM_SOURCE_DIR). Static
 * buffer rotation: valid for the next few calls. */
const char *tu_src(const char *rel);

/* Output of one CLI run. */
struct tu_run {
	int status;   /* exit code, or 128+signal */
	char *out;    /* stdout, NUL-terminated */
	char *err;    /* stderr */
};

/* Run the tlbsim CLI (TLBSIM_BIN) with a NULL-terminated argument list,
 * with @input fed to stdin (NULL: /dev/null). */
struct tu_run tu_cli(const char *input, const char *arg0, ...);
void tu_run_free(struct tu_run *r);

/* How many times @needle occurs in @text (overlaps counted). */
unsigned tu_count(const char *text, const char *needle);
/* The output of tlbsim-gen (TLBSIM_GEN) with @args (caller frees), or
 * NULL when it did not exit 0. */
char *tu_gen(const char *args);

/* Write @text to a new temporary file and return its path (caller frees). */
char *tu_tmpfile(const char *text, const char *suffix);
/* The perf text of the .xz capture at @path (a path in the source tree)
 * without its lines that contain @drop, as a new temporary file named
 * *.perf.txt: a capture as a smaller event list records it (the shipped
 * recipe's). Returns its path (caller unlinks and frees). */
char *tu_capture_without(const char *path, const char *drop);
/* Whole file as a string (caller frees), NULL if unreadable. */
char *tu_slurp(const char *path);

/* `tlbsim validate --json` of the capture at @path, parsed (caller frees
 * with json_decref). Fails the test when validate does not exit 0. */
json_t *tu_validate(const char *path);
/* tu_validate() of a capture given as perf text (a temporary file). */
json_t *tu_validate_text(const char *text);
/* `tlbsim validate --json` of a capture given as perf text: the predicted
 * value of @counter, and in *@inferred how often the reconstruction made
 * @inference. Fails the test when validate does not exit 0. */
long tu_validate_counter(const char *text, const char *counter,
			 const char *inference, long *inferred);
/* `validate --json --profile kvm-guest-intel` of a capture of the Intel
 * host: asserts flush IPIs observed and predicted, remote sends and local
 * shootdowns predicted, and the local shootdowns within 1 % of the
 * kernel's; returns the "validate" object's document (json_decref it). */
json_t *tu_check_intel(const char *path, long ipis_seen, long ipis, long sends,
		       long local);
/* @o[@a][@b] as an integer, 0 when absent. */
long tu_field(json_t *o, const char *a, const char *b);
/* In the "validate" object of `validate --json`: counter @name's
 * @which ("observed" or "predicted"), 0 when absent. */
long tu_counter(json_t *validate, const char *name, const char *which);
/* A validate counter's prediction as the capture records it:
 * predicted_in_capture where the report gives it, else predicted. */
long tu_seen(json_t *validate, const char *name);

#endif
