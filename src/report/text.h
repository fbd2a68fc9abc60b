/* text.h - small text helpers shared by the report module (internal). */
#ifndef TLBSIM_REPORT_TEXT_H
#define TLBSIM_REPORT_TEXT_H

#include <jansson.h>
#include <stddef.h>

/* json_dumps() of @doc plus a final newline; NULL on allocation failure. */
char *json_text(const json_t *doc, size_t flags);
/* @in with <, >, & and " escaped for XML, into @out (truncated to fit). */
const char *xml_escape(const char *in, char *out, size_t len);

#endif
