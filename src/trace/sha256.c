/* sha256.c - SHA-256 through GNU Nettle. */
#include <nettle/sha2.h>
#include <stdlib.h>

/* Nettle names its functions sha256_init() and sha256_update() by macro:
 * ours keep theirs, and Nettle's are called by their real names */
#undef sha256_init
#undef sha256_update

#include "trace/sha256.h"

int sha256_init(struct sha256 *h)
{
	struct sha256_ctx *c = malloc(sizeof(*c));

	h->ctx = c;
	if (!c)
		return -1;
	nettle_sha256_init(c);
	return 0;
}

void sha256_update(struct sha256 *h, const void *data, size_t len)
{
	if (h->ctx && len)
		nettle_sha256_update(h->ctx, len, data);
}

void sha256_hex(const struct sha256 *h, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t md[SHA256_DIGEST_SIZE];
	struct sha256_ctx copy;

	hex[0] = '\0';
	if (!h->ctx)
		return;
	/* a copy is finalized, so hashing may go on */
	copy = *(const struct sha256_ctx *)h->ctx;
	nettle_sha256_digest(&copy, sizeof(md), md);
	for (unsigned i = 0; i < sizeof(md); i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * sizeof(md)] = '\0';
}

void sha256_free(struct sha256 *h)
{
	free(h->ctx);
	h->ctx = NULL;
}
