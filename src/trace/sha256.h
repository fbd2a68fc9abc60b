/* sha256.h - SHA-256 of a stream (internal to the trace module), through
 * GNU Nettle: Debian builds it "fat", so it uses the CPU's SHA extensions
 * (SHA-NI), about 5x the plain C rounds this once was (hashing every byte
 * of the trace was a third of the perf reader's time). OpenSSL's libcrypto
 * hashed as fast, but loading it cost every run 2.7 ms of its start,
 * Nettle 0.3 ms. */
#ifndef TLBSIM_TRACE_SHA256_H
#define TLBSIM_TRACE_SHA256_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sha256 {
	void *ctx;   /* struct sha256_ctx */
};

/* 0, or -1 when out of memory. */
int sha256_init(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *data, size_t len);
/* The digest of what was fed so far (the state is not consumed). */
void sha256_hex(const struct sha256 *h, char hex[65]);
void sha256_free(struct sha256 *h);

#endif
