/*
 * error.h - one error space for the whole library.
 *
 * Imperative functions return 0 or a negative TLBSIM_E* code; predicates
 * return bool. Where a caller needs to tell a user *where* something went
 * wrong (file:line: reason), the function also fills a struct tlbsim_diag.
 * Library code never prints and never exits: the CLI decides what to do.
 */
#ifndef TLBSIM_ERROR_H
#define TLBSIM_ERROR_H

/* X(name, value, text) — the libuv shape: one table, one strerror. */
#define TLBSIM_ERRORS(X)                                          \
	X(OK, 0, "success")                                       \
	X(ENOMEM, -1, "out of memory")                            \
	X(EIO, -2, "input/output error")                          \
	X(EPARSE, -3, "malformed input")                          \
	X(EINVAL, -4, "invalid argument")                         \
	X(EMODEL, -5, "event not allowed by the modeled kernel")  \
	X(EUNSUPP, -6, "not supported")

enum tlbsim_err {
#define TLBSIM_ERR_ENUM(name, value, text) TLBSIM_##name = (value),
	TLBSIM_ERRORS(TLBSIM_ERR_ENUM)
#undef TLBSIM_ERR_ENUM
};

/* Human-readable text for an error code; never NULL. */
const char *tlbsim_strerror(int err);

/*
 * A diagnostic filled by a failing function: a complete one-line message,
 * already in "file:line: reason" form when it concerns an input file.
 */
struct tlbsim_diag {
	char msg[512];
};

/* printf-style fill of @d (NULL-safe). Returns @err so callers can
 * `return tlbsim_diag_set(d, TLBSIM_EPARSE, "...")`. */
int tlbsim_diag_set(struct tlbsim_diag *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
