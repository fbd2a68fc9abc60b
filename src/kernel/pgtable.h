/*
 * pgtable.h - the kernel model's page-table pages: address geometry, the
 * tables (each a page of 512 entries at one level), the links between
 * them, and the record a table keeps once it is unlinked (freed, reused
 * or handed over), which the hazard checker reads. Part of internal.h;
 * pgtable.c and gather.c change them.
 */
#ifndef TLBSIM_KERNEL_PGTABLE_H
#define TLBSIM_KERNEL_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>

#define NO_TABLE 0                    /* table id 0 is never used */
#define PTRS_PER_TABLE 512
#define PAGE_SHIFT 12
#define PMD_SHIFT 21
#define PUD_SHIFT 30
#define PGDIR_SHIFT 39
#define PAGE_SIZE (1ULL << PAGE_SHIFT)
#define PMD_SIZE (1ULL << PMD_SHIFT)
#define PUD_SIZE (1ULL << PUD_SHIFT)
#define PGDIR_SIZE (1ULL << PGDIR_SHIFT)
#define USER_TOP (1ULL << 47)

/* Table levels: what a table page holds entries of. */
enum pt_level { PT_PTE = 1, PT_PMD = 2, PT_PUD = 3 };

enum pt_state {
	PT_FREE_SLOT = 0, /* pool slot not in use */
	PT_LIVE,          /* linked into at least one mm */
	PT_UNLINKED,      /* unlinked, waiting for its grace period or reuse */
	PT_GONE,          /* freed, reused or handed over: must not be reached */
};

/* One mm that links a table: who, since when (cycle). */
struct pt_link {
	uint32_t mm;
	uint64_t linked_at;
};

/*
 * A page-table page of level PTE, PMD or PUD. Upper levels hold child table
 * ids; PTE tables (and PMD tables in hugetlb ranges) hold leaf bits.
 * Invariant: nr_present == number of set leaf bits + non-zero children.
 */
struct pt_table {
	uint32_t id;
	uint8_t level;
	uint8_t state;
	uint16_t nr_present;
	uint64_t base;            /* first address it covers */
	uint32_t *child;          /* PTRS_PER_TABLE ids; NULL for PTE tables */
	uint64_t leaf[PTRS_PER_TABLE / 64];
	uint64_t dirty[PTRS_PER_TABLE / 64];   /* PTE tables: written page-cache pages */
	struct pt_link *links;    /* mms that link it (>1: shared PMD) */
	uint32_t nlinks, caplinks;
};

/* The present-entry bitmap of a table. */
static inline bool leaf_test(const struct pt_table *t, unsigned i)
{
	return (t->leaf[i / 64] >> (i % 64)) & 1;
}

static inline void leaf_set(struct pt_table *t, unsigned i)
{
	t->leaf[i / 64] |= 1ULL << (i % 64);
}

/* Set bits in @x. On the baseline x86-64 target (no POPCNT),
 * __builtin_popcountll() calls libgcc's table lookup; the functions that
 * count a bitmap's entries are built twice (POPCNT_CLONES), the loader
 * picking the POPCNT one where the CPU has it: the instruction, not the
 * dozen a software count takes (1.5 % of a compare, callgrind). The pick
 * is an ifunc, which glibc's loader resolves; the clang fuzz builds keep
 * one version. */
#if defined(__x86_64__) && defined(__GLIBC__) && !defined(__POPCNT__) && \
	!defined(TLBSIM_FUZZ)
#define POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#else
#define POPCNT_CLONES
#endif

static inline unsigned popcount64(uint64_t x)
{
	return (unsigned)__builtin_popcountll(x);
}

/* Entries [first, last) present, a word of the bitmap at a time. */
static inline void bits_set_range(uint64_t *map, unsigned first, unsigned last)
{
	/* one entry: most touches fault a single page */
	if (last == first + 1) {
		map[first / 64] |= 1ULL << (first % 64);
		return;
	}
	while (first < last) {
		unsigned w = first / 64, hi = (w + 1) * 64 < last ? (w + 1) * 64 : last;
		uint64_t bits = ~0ULL << (first % 64);

		if (hi % 64)
			bits &= ~0ULL >> (64 - hi % 64);
		map[w] |= bits;
		first = hi;
	}
}

static inline void leaf_set_range(struct pt_table *t, unsigned first,
				  unsigned last)
{
	bits_set_range(t->leaf, first, last);
}

static inline void leaf_clear(struct pt_table *t, unsigned i)
{
	t->leaf[i / 64] &= ~(1ULL << (i % 64));
}

/* How an unlinked table stopped being safe to reach. */
enum gone_how { GONE_FREED = 1, GONE_REUSED, GONE_HANDED_OVER };

/*
 * A link from an mm to a table that the mm's tables no longer hold: kept
 * from the unlink until the table is freed, reused or handed over, when the
 * hazard checker asks which CPUs may still reach it.
 */
struct dead_link {
	uint32_t table;
	uint8_t level;            /* of the table */
	uint8_t how;              /* enum gone_how, once gone */
	uint16_t ev;              /* enum tlbsim_ev_kind that unlinked it */
	uint32_t mm;              /* the mm that unlinked it */
	uint64_t ctx_id;          /* that mm's ctx_id (indexes are reused) */
	uint32_t mm_trace_id;
	uint32_t cpu;             /* CPU that ran the unlinking event */
	uint64_t base;            /* first address the table covers */
	uint64_t linked_at;       /* cycle mm linked it */
	uint64_t unlinked_at;     /* cycle */
	uint64_t t;               /* trace time of the unlinking event */
	uint64_t gone_at;         /* cycle */
};

#endif
