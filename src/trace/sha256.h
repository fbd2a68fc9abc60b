/* sha256.h - SHA-256 of a stream (internal to the trace module). */
#ifndef TLBSIM_TRACE_SHA256_H
#define TLBSIM_TRACE_SHA256_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sha256 {
	uint32_t s[8];
	uint64_t len;
	uint8_t buf[64];
	size_t fill;
};

void sha256_init(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *data, size_t len);
/* The digest of what was fed so far (the state is not consumed). */
void sha256_hex(const struct sha256 *h, char hex[65]);

#endif
