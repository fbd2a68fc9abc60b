/* error.c - tlbsim_strerror() and diagnostics (see tlbsim/error.h). */
#include <stdarg.h>
#include <stdio.h>

#include "tlbsim/error.h"

const char *tlbsim_strerror(int err)
{
	switch (err) {
#define TLBSIM_ERR_TEXT(name, value, text) case (value): return (text);
	TLBSIM_ERRORS(TLBSIM_ERR_TEXT)
#undef TLBSIM_ERR_TEXT
	}
	return "unknown error";
}

int tlbsim_diag_set(struct tlbsim_diag *d, int err, const char *fmt, ...)
{
	va_list ap;

	if (d) {
		va_start(ap, fmt);
		vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
		va_end(ap);
	}
	return err;
}
