/* SPDX-License-Identifier: MIT */
/*
 * The platform-independent acceptance engine, in two layers.
 *
 * 1. accept_pages(): walks [start, start + size) page by page through a platform's per-page acceptor
 *    (TDX TDG.MEM.PAGE.ACCEPT, SNP PVALIDATE). Level policy: the largest level the platform supports AND the
 *    address alignment AND the remaining length allow (accept_pick_level()); the platform's level mask
 *    keeps it from wasting a 1G attempt on every call where 1G is not supported (the TDX module accepts
 *    only 4K and 2M). On SIZE_MISMATCH that piece is redone one level down (one 2M becomes 512 4K);
 *    BUSY is retried (edk2 MdePkg/Library/TdxLib/AcceptPages.c, TdAcceptPages()) for ACCEPT_BUSY_WAIT_NS and
 *    at least ACCEPT_BUSY_RETRIES times;
 *    ALREADY_ACCEPTED counts as accepted. Hard errors, which stop the walk: FAILED at any level, BUSY after
 *    the retries at any level, SIZE_MISMATCH at 4K (as edk2; Linux arch/x86/coco/tdx/tdx-shared.c instead
 *    retries smaller on any status: a backend that wants that reports SIZE_MISMATCH).
 *
 * 2. accept_memory(): the bitmap layer, after Linux drivers/firmware/efi/unaccepted_memory.c,
 *    accept_memory(): clips the request to the range the table covers (the rest is a no-op), widens it to
 *    whole units (a unit is accepted and cleared as a whole when any part of it is requested, as Linux
 *    does), hands each run of set bits to the platform's range acceptor and clears the bits of exactly
 *    the units it accepted. The first hard error stops it; bits for what was not accepted stay set.
 *    Single-threaded: no lock, no accepting_list (several CPUs use accept_memory_shared(),
 *    mm/accept_parallel.h, which has both), and no Linux "guard unit" (Linux accepts one more unit
 *    when the end is unit-aligned, for load_unaligned_zeropad(); a caller that needs that asks for it).
 */
#ifndef CCKTF_MM_ACCEPT_H
#define CCKTF_MM_ACCEPT_H

#include <ccktf/types.h>
#include "mm/unaccepted.h"

enum accept_level {
	ACCEPT_4K = 0, /* the TDX level encoding in RCX[2:0] (arch/x86/coco/tdx/tdx-shared.c) */
	ACCEPT_2M = 1,
	ACCEPT_1G = 2,
	ACCEPT_LEVELS,
	ACCEPT_LEVEL_NONE = -1,
};

#define ACCEPT_LEVEL_BIT(l) (1u << (l))
#define ACCEPT_LEVELS_4K_2M (ACCEPT_LEVEL_BIT(ACCEPT_4K) | ACCEPT_LEVEL_BIT(ACCEPT_2M))
#define ACCEPT_LEVELS_ALL (ACCEPT_LEVELS_4K_2M | ACCEPT_LEVEL_BIT(ACCEPT_1G))
#define ACCEPT_BUSY_RETRIES 3 /* at least, however fast they come */
/*
 * ... and for at least this long since the first BUSY: BUSY means another vCPU holds the page (the TDX
 * module locks the S-EPT entry for the whole of its TDG.MEM.PAGE.ACCEPT, which zeroes up to 2 MiB, and
 * answers TDX_OPERAND_BUSY meanwhile: arch/x86/tdx/tdx_accept.c), so the wait must outlast another vCPU's accept of a 2 MiB page,
 * 9-25 ms under TCG (docs/benchmarks.md "Scaling"), with room for that vCPU being descheduled: a time,
 * since a count of immediate retries is over within microseconds.
 */
#define ACCEPT_BUSY_WAIT_NS (1000ull * 1000000ull)

static inline u64 accept_level_size(enum accept_level l)
{
	return 4096ull << (9 * l);
}

enum accept_answer {
	ACCEPT_DONE,
	ACCEPT_ALREADY_ACCEPTED,
	ACCEPT_SIZE_MISMATCH,
	ACCEPT_BUSY,
	ACCEPT_FAILED,
	/*
	 * The platform changed nothing because the page already was in the asked state, and on this platform
	 * that is a protocol violation, never success: SNP PVALIDATE with CF=1 (APM vol. 3 PVALIDATE; Linux
	 * pvalidate_4k_page() and edk2 AmdSvsmLib terminate the guest on it): a double validation is how a
	 * hostile hypervisor replays a page. A hard error, counted in no_update.
	 */
	ACCEPT_NO_UPDATE,
};

/* A platform's per-page accept. raw_status: what the hardware said, for reports. */
struct page_acceptor {
	const char *name;
	unsigned level_mask; /* ACCEPT_LEVEL_BIT()s; must include 4K */
	enum accept_answer (*accept_page)(void *ctx, u64 addr, enum accept_level level, u64 *raw_status);
	void *ctx;
};

/* One hard error: where, at which level, and the raw status the hardware (or hypervisor) returned. */
struct accept_error {
	u64 addr;
	u64 status;	    /* raw: TDX completion status, PVALIDATE EAX (255: CF=1), PSC error, ... */
	int level;	    /* enum accept_level */
	int answer;	    /* enum accept_answer */
	const char *reason; /* what the engine or backend made of it */
};

struct accept_stats {
	u64 bytes[ACCEPT_LEVELS]; /* accepted, including already-accepted pieces */
	u64 calls[ACCEPT_LEVELS]; /* accept_page() calls, retries included */
	u64 already_accepted;	  /* ALREADY_ACCEPTED answers */
	u64 no_update;		  /* NO_UPDATE answers (double validations): hard errors too */
	u64 size_mismatch_fallbacks;
	u64 busy_retries;
	u64 errors;
	struct accept_error first_error; /* the first hard error since the stats were zeroed */
	struct accept_error first_already; /* the first ALREADY_ACCEPTED answer: where, its raw status */
	struct accept_error last_error;	 /* the latest one */
};

/* Records a hard error in s (NULL: nothing); the engine and backends that fail outside it use this. */
void accept_record_error(struct accept_stats *s, u64 addr, enum accept_level level, enum accept_answer answer,
			 u64 raw_status, const char *reason);
/* "addr=0x... level=4k status=0x... answer=failed reason=\"...\"": one error as a diagnostic's fields. */
void accept_error_format(const struct accept_error *e, char *buf, size_t size);
const char *accept_level_name(int level);
/*
 * The host's mapping level for private memory, as the guest sees it (docs/benchmarks.md bench.host.map_level):
 * 2 MiB accepts the platform answered SIZE_MISMATCH (TDX PAGE_SIZE_MISMATCH, SNP FAIL_SIZEMISMATCH: the
 * host or RMP maps those 2 MiB with 4 KiB pages) out of 2 MiB accepts tried. ACCEPT_2M when none fell back,
 * ACCEPT_4K when all did, ACCEPT_LEVEL_NONE when there is nothing to go by or the answers were mixed.
 */
enum accept_level accept_host_map_level(u64 attempts_2m, u64 fallbacks);

const char *accept_answer_name(enum accept_answer a);
/*
 * Caps the levels every acceptor may use (4K always stays allowed); returns the previous cap.
 * Default: all levels, each platform's own mask applies.
 */
unsigned accept_set_level_cap(unsigned mask);

/* The largest level in mask that addr is aligned to and that fits in remaining; ACCEPT_LEVEL_NONE if none. */
enum accept_level accept_pick_level(unsigned mask, u64 addr, u64 remaining);
/*
 * Accepts [start, start + size) (4 KiB aligned). Returns the bytes accepted from start, a prefix: size on
 * success, less after a hard error (recorded in stats, which the caller zeroes and which accumulate).
 * stats may be NULL.
 */
u64 accept_pages(const struct page_acceptor *a, u64 start, u64 size, struct accept_stats *stats);

/* A platform's whole-range accept: returns the bytes accepted from start (a prefix); less than size is a
 * hard error. SNP implements it directly (one batched page-state change); TDX uses accept_range_by_pages(). */
struct range_acceptor {
	u64 (*accept_range)(void *ctx, u64 start, u64 size);
	void *ctx;
};

/* Adapter: a range acceptor that runs accept_pages(); ctx is a struct accept_pages_ctx. */
struct accept_pages_ctx {
	const struct page_acceptor *acceptor;
	struct accept_stats *stats;
};
u64 accept_range_by_pages(void *ctx, u64 start, u64 size);

enum accept_memory_status {
	ACCEPT_MEMORY_OK = 0,
	ACCEPT_MEMORY_PLATFORM_ERROR = -1, /* the range acceptor stopped short */
	ACCEPT_MEMORY_BAD_TABLE = -2,	   /* the header failed unaccepted_header_ok(): nothing touched */
	ACCEPT_MEMORY_LIST_TIMEOUT = -3,   /* accept_memory_shared(): another CPU's range still overlapped, or the
					    * accepting list was full, for the whole wait bound: nothing touched */
};

struct accept_memory_result {
	u64 runs;	   /* range-acceptor calls */
	u64 units_cleared;
	u64 fail_addr;	   /* first address not accepted, after a platform error */
	/* After ACCEPT_MEMORY_LIST_TIMEOUT: what the CPU waited for, and how long. [wait_start, wait_end): the
	 * other CPU's overlapping range still being accepted; both 0: no overlap, the accepting list was full */
	u64 wait_start, wait_end;
	u64 waited_ns;
};

/* Accepts what the table still marks unaccepted in [start, start + size). result may be NULL. */
/*
 * The units [*first, *end) of t that a request [start, start + size) touches: clipped to what t covers, any
 * requested byte taking its whole unit along (Linux accept_memory() widens to unit_size the same way).
 * False when t covers none of it (*first == *end then).
 */
bool accept_units_of(const struct efi_unaccepted_memory *t, u64 start, u64 size, u64 *first, u64 *end);
int accept_memory(struct efi_unaccepted_memory *t, u64 start, u64 size, const struct range_acceptor *ra,
		  struct accept_memory_result *result);

#endif
