/* text.c - see text.h. */
#include <stdlib.h>
#include <string.h>

#include "report/text.h"

char *json_text(const json_t *doc, size_t flags)
{
	char *s = json_dumps(doc, flags), *out;
	size_t len;

	if (!s)
		return NULL;
	len = strlen(s);
	out = realloc(s, len + 2);
	if (!out) {
		free(s);
		return NULL;
	}
	out[len] = '\n';
	out[len + 1] = '\0';
	return out;
}

const char *xml_escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 7 < len; in++) {
		const char *r = *in == '<' ? "&lt;" : *in == '>' ? "&gt;" :
				*in == '&' ? "&amp;" : *in == '"' ? "&quot;" : NULL;

		if (r) {
			memcpy(out + o, r, strlen(r));
			o += strlen(r);
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
	return out;
}
