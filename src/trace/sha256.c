/* sha256.c - SHA-256 through libcrypto's EVP interface. */
#include <openssl/evp.h>

#include "trace/sha256.h"

int sha256_init(struct sha256 *h)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	h->ctx = c;
	if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(c);
		h->ctx = NULL;
		return -1;
	}
	return 0;
}

void sha256_update(struct sha256 *h, const void *data, size_t len)
{
	if (h->ctx && len)
		EVP_DigestUpdate(h->ctx, data, len);
}

void sha256_hex(const struct sha256 *h, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	hex[0] = '\0';
	if (!c)
		return;
	/* a copy is finalized, so hashing may go on */
	if (h->ctx && EVP_MD_CTX_copy_ex(c, h->ctx) && EVP_DigestFinal_ex(c, md, &n)) {
		for (unsigned int i = 0; i < n && i < 32; i++) {
			hex[2 * i] = digits[md[i] >> 4];
			hex[2 * i + 1] = digits[md[i] & 15];
		}
		hex[2 * (n < 32 ? n : 32)] = '\0';
	}
	EVP_MD_CTX_free(c);
}

void sha256_free(struct sha256 *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}
