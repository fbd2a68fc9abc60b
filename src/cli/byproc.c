/* byproc.c - see byproc.h. */
#include <stdlib.h>
#include <string.h>

#include "cli/byproc.h"
#include "tlbsim/error.h"

static const char *const bp_names[BP_COUNT] = {
	"local_mm_shootdown", "remote_send_ipi", "remote_shootdown",
};

/* The row of @mm; rows are appended unsorted while the capture is read
 * (a linear probe from the last one found: a capture names few processes
 * at a time). */
static struct byproc_row *row_of(struct byproc *b, uint32_t mm)
{
	for (size_t i = b->n; i-- > 0;)
		if (b->rows[i].mm == mm)
			return &b->rows[i];
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		struct byproc_row *r = realloc(b->rows, cap * sizeof(*r));

		if (!r) {
			b->err = TLBSIM_ENOMEM;
			return NULL;
		}
		b->rows = r;
		b->cap = cap;
	}
	memset(&b->rows[b->n], 0, sizeof(b->rows[0]));
	b->rows[b->n].mm = mm;
	return &b->rows[b->n++];
}

void byproc_observed(struct byproc *b, const struct tlbsim_trace_event *ev)
{
	struct byproc_row *r;
	int k;

	if (strcmp(ev->what, "tlb_flush"))
		return;
	k = ev->reason == 3 ? BP_LOCAL : ev->reason == 4 ? BP_SEND :
	    ev->reason == 1 ? BP_REMOTE : -1;
	if (k >= 0 && (r = row_of(b, ev->mm)))
		r->obs[k]++;
}

static int by_mm(const void *a, const void *b)
{
	const struct byproc_row *x = a, *y = b;

	return (x->mm > y->mm) - (x->mm < y->mm);
}

void byproc_predicted(struct byproc *b, const struct tlbsim_result *r)
{
	for (size_t i = 0; i < r->nper_mm; i++) {
		const struct tlbsim_mm_counts *c = &r->per_mm[i];
		struct byproc_row *row = row_of(b, c->mm);

		if (!row)
			return;
		row->pred[BP_LOCAL] += c->flush_local;
		row->pred[BP_SEND] += c->remote_send_ipi;
		row->pred[BP_REMOTE] += c->flush_remote;
	}
	qsort(b->rows, b->n, sizeof(*b->rows), by_mm);
}

static uint64_t diff(uint64_t x, uint64_t y)
{
	return x > y ? x - y : y - x;
}

static uint64_t row_diff(const struct byproc_row *r)
{
	uint64_t d = 0;

	for (int k = 0; k < BP_COUNT; k++)
		d += diff(r->obs[k], r->pred[k]);
	return d;
}

/* Largest difference first; equal ones by mm (rows are sorted by mm). */
static int by_diff(const void *a, const void *b)
{
	const struct byproc_row *x = *(const struct byproc_row *const *)a;
	const struct byproc_row *y = *(const struct byproc_row *const *)b;
	uint64_t dx = row_diff(x), dy = row_diff(y);

	if (dx != dy)
		return dx < dy ? 1 : -1;
	return (x->mm > y->mm) - (x->mm < y->mm);
}

void byproc_table(FILE *f, const struct byproc *b)
{
	const struct byproc_row **order = malloc(b->n * sizeof(*order) + 1);
	size_t shown = 0;

	if (!order)
		return;
	for (size_t i = 0; i < b->n; i++)
		order[i] = &b->rows[i];
	qsort(order, b->n, sizeof(*order), by_diff);
	fprintf(f, "\nby process (mm = thread-group id; 0: kernel threads), the "
		"ten that differ most, observed/predicted:\n%10s %22s %22s %22s\n",
		"mm", bp_names[BP_LOCAL], bp_names[BP_SEND], bp_names[BP_REMOTE]);
	for (size_t i = 0; i < b->n && shown < 10; i++, shown++) {
		char cell[BP_COUNT][32];

		for (int k = 0; k < BP_COUNT; k++)
			snprintf(cell[k], sizeof(cell[k]), "%llu/%llu",
				 (unsigned long long)order[i]->obs[k],
				 (unsigned long long)order[i]->pred[k]);
		fprintf(f, "%10u %22s %22s %22s\n", order[i]->mm, cell[BP_LOCAL],
			cell[BP_SEND], cell[BP_REMOTE]);
	}
	fprintf(f, "(%zu processes flushed)\n", b->n);
	free(order);
}

json_t *byproc_json(const struct byproc *b)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < b->n; i++) {
		json_t *o = json_pack("{s:I}", "mm", (json_int_t)b->rows[i].mm);

		for (int k = 0; o && k < BP_COUNT; k++)
			json_object_set_new(o, bp_names[k], json_pack("{s:I, s:I}",
				"observed", (json_int_t)b->rows[i].obs[k],
				"predicted", (json_int_t)b->rows[i].pred[k]));
		json_array_append_new(a, o);
	}
	return a;
}

void byproc_free(struct byproc *b)
{
	free(b->rows);
	memset(b, 0, sizeof(*b));
}
