/*
 * latency.c - latency distributions with memory bounded by the histogram,
 * not by the number of samples: log-linear buckets (HdrHistogram's idea,
 * small): exact below 128, then 64 sub-buckets per power of two.
 */
#include "kernel/internal.h"

static unsigned bucket_of(uint64_t v)
{
	unsigned e;

	if (v < 128)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v);            /* 7 .. 63 */
	if (e > 47)
		return HIST_BUCKETS - 1;
	return 128 + (e - 7) * 64 + (unsigned)((v >> (e - 6)) & 63);
}

/* The low edge of a bucket's range plus half its width. */
static uint64_t bucket_value(unsigned b)
{
	unsigned e;
	uint64_t lo;

	if (b < 128)
		return b;
	e = (b - 128) / 64 + 7;
	lo = (1ULL << e) | ((uint64_t)((b - 128) % 64) << (e - 6));
	return lo + (1ULL << (e - 6)) / 2;
}

void hist_add(struct hist *h, uint64_t v)
{
	h->b[bucket_of(v)]++;
	h->n++;
}

static uint64_t percentile(const struct hist *h, double q)
{
	uint64_t want = (uint64_t)(q * (double)(h->n - 1)) + 1, seen = 0;

	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		seen += h->b[b];
		if (seen >= want)
			return bucket_value(b);
	}
	return 0;
}

void hist_result(const struct hist *h, struct tlbsim_latency *out,
		 uint64_t (*conv)(const struct sim *, uint64_t), const struct sim *s)
{
	out->n = h->n;
	if (!h->n) {
		out->p50 = out->p90 = out->p99 = 0;
		return;
	}
	out->p50 = conv(s, percentile(h, 0.50));
	out->p90 = conv(s, percentile(h, 0.90));
	out->p99 = conv(s, percentile(h, 0.99));
}
