/* SPDX-License-Identifier: MIT */
/* The acceptance engine: per-page walks with level fallback, and the bitmap layer (see accept.h). */
#include <ccktf/format.h>
#include <ccktf/string.h>
#include <ccktf/time.h>
#include "mm/accept.h"

const char *accept_answer_name(enum accept_answer a)
{
	switch (a) {
	case ACCEPT_DONE:
		return "done";
	case ACCEPT_ALREADY_ACCEPTED:
		return "already accepted";
	case ACCEPT_SIZE_MISMATCH:
		return "size mismatch";
	case ACCEPT_BUSY:
		return "busy";
	case ACCEPT_FAILED:
		return "failed";
	case ACCEPT_NO_UPDATE:
		return "no update";
	}
	return "unknown answer";
}

const char *accept_level_name(int level)
{
	static const char *const names[ACCEPT_LEVELS] = { "4k", "2m", "1g" };

	return level >= 0 && level < ACCEPT_LEVELS ? names[level] : "none";
}

enum accept_level accept_host_map_level(u64 attempts_2m, u64 fallbacks)
{
	if (!attempts_2m || fallbacks > attempts_2m)
		return ACCEPT_LEVEL_NONE;
	if (!fallbacks)
		return ACCEPT_2M;
	return fallbacks == attempts_2m ? ACCEPT_4K : ACCEPT_LEVEL_NONE;
}

void accept_record_error(struct accept_stats *s, u64 addr, enum accept_level level, enum accept_answer answer,
			 u64 raw_status, const char *reason)
{
	struct accept_error e = { addr, raw_status, level, answer, reason };

	if (!s)
		return;
	if (!s->errors++)
		s->first_error = e;
	s->last_error = e;
}

void accept_error_format(const struct accept_error *e, char *buf, size_t size)
{
	snprintf(buf, size, "addr=0x%llx level=%s status=0x%llx answer=\"%s\" reason=\"%s\"", e->addr,
		 accept_level_name(e->level), e->status, accept_answer_name(e->answer),
		 e->reason ? e->reason : "");
}

static bool level_fits(unsigned mask, enum accept_level l, u64 addr, u64 remaining)
{
	u64 size = accept_level_size(l);

	return (mask & ACCEPT_LEVEL_BIT(l)) && IS_ALIGNED(addr, size) && remaining >= size;
}

enum accept_level accept_pick_level(unsigned mask, u64 addr, u64 remaining)
{
	for (int l = ACCEPT_LEVELS - 1; l >= ACCEPT_4K; l--)
		if (level_fits(mask, l, addr, remaining))
			return l;
	return ACCEPT_LEVEL_NONE;
}

/* Per-page walk */

struct page_walk {
	const struct page_acceptor *a;
	struct accept_stats *stats;
	u64 addr;
	u64 end;
	/* After a SIZE_MISMATCH at level l, levels >= l are not tried again below fallback_until[l]. */
	u64 fallback_until[ACCEPT_LEVELS];
};

/* A policy over every platform: the benchmarks cap it to 4K to measure that level alone. */
static unsigned level_cap = ACCEPT_LEVELS_ALL;

unsigned accept_set_level_cap(unsigned mask)
{
	unsigned previous = level_cap;

	level_cap = mask | ACCEPT_LEVEL_BIT(ACCEPT_4K);
	return previous;
}

static unsigned usable_levels(const struct page_walk *w)
{
	unsigned mask = w->a->level_mask & level_cap;

	for (int l = 0; l < ACCEPT_LEVELS; l++)
		if (w->addr < w->fallback_until[l])
			mask &= ACCEPT_LEVEL_BIT(l) - 1;
	return mask;
}

static bool hard_error(struct page_walk *w, int level, int answer, u64 raw, const char *reason)
{
	accept_record_error(w->stats, w->addr, level, answer, raw, reason);
	return false;
}

/* BUSY is retried for ACCEPT_BUSY_WAIT_NS and at least ACCEPT_BUSY_RETRIES times (accept.h). */
static enum accept_answer call_with_retries(struct page_walk *w, enum accept_level level, u64 *raw)
{
	enum accept_answer answer;
	u64 first_busy = 0;

	for (unsigned tries = 0;; tries++) {
		*raw = 0;
		w->stats->calls[level]++;
		answer = w->a->accept_page(w->a->ctx, w->addr, level, raw);
		if (answer != ACCEPT_BUSY)
			return answer;
		if (!tries)
			first_busy = time_now_ns();
		else if (tries >= ACCEPT_BUSY_RETRIES && time_now_ns() - first_busy >= ACCEPT_BUSY_WAIT_NS)
			return answer;
		w->stats->busy_retries++;
		__builtin_ia32_pause();
	}
}

static bool accepted(struct page_walk *w, enum accept_level level)
{
	w->stats->bytes[level] += accept_level_size(level);
	w->addr += accept_level_size(level);
	return true;
}

/* One level down for this piece: a 2M becomes 512 4K, a 1G becomes 512 2M. */
static bool fall_back(struct page_walk *w, enum accept_level level)
{
	w->stats->size_mismatch_fallbacks++;
	w->fallback_until[level] = w->addr + accept_level_size(level);
	return true;
}

/* Accepts the next piece; false on a hard error. */
static bool accept_next(struct page_walk *w)
{
	enum accept_level level = accept_pick_level(usable_levels(w), w->addr, w->end - w->addr);
	enum accept_answer answer;
	u64 raw;

	if (level == ACCEPT_LEVEL_NONE)
		return hard_error(w, ACCEPT_4K, ACCEPT_FAILED, 0, "no supported page level fits");
	answer = call_with_retries(w, level, &raw);
	switch (answer) {
	case ACCEPT_ALREADY_ACCEPTED:
		if (!w->stats->already_accepted++)
			w->stats->first_already = (struct accept_error){ w->addr, raw, level, answer, "already accepted" };
		return accepted(w, level);
	case ACCEPT_DONE:
		return accepted(w, level);
	case ACCEPT_SIZE_MISMATCH:
		if (level > ACCEPT_4K)
			return fall_back(w, level);
		return hard_error(w, level, answer, raw, "size mismatch at 4K");
	case ACCEPT_BUSY:
		return hard_error(w, level, answer, raw, "still busy after the retries (ACCEPT_BUSY_WAIT_NS)");
	case ACCEPT_NO_UPDATE:
		w->stats->no_update++;
		return hard_error(w, level, answer, raw,
				  "already validated: the platform changed nothing (a double validation)");
	default:
		return hard_error(w, level, answer, raw, "failed");
	}
}

static bool request_ok(struct page_walk *w, u64 size)
{
	if (!(w->a->level_mask & ACCEPT_LEVEL_BIT(ACCEPT_4K)))
		return hard_error(w, ACCEPT_4K, ACCEPT_FAILED, 0, "the platform does not accept 4K pages");
	if (!IS_ALIGNED(w->addr, EFI_PAGE_SIZE) || !IS_ALIGNED(size, EFI_PAGE_SIZE))
		return hard_error(w, ACCEPT_4K, ACCEPT_FAILED, 0, "request not 4 KiB aligned");
	if (size > U64_MAX - w->addr)
		return hard_error(w, ACCEPT_4K, ACCEPT_FAILED, 0, "request wraps past 2^64");
	w->end = w->addr + size;
	return true;
}

u64 accept_pages(const struct page_acceptor *a, u64 start, u64 size, struct accept_stats *stats)
{
	struct accept_stats scratch;
	struct page_walk w = { .a = a, .stats = stats ? stats : &scratch, .addr = start };

	if (!stats)
		memset(&scratch, 0, sizeof(scratch));
	if (!request_ok(&w, size))
		return 0;
	while (w.addr < w.end && accept_next(&w))
		;
	return w.addr - start;
}

u64 accept_range_by_pages(void *ctx, u64 start, u64 size)
{
	struct accept_pages_ctx *c = ctx;

	return accept_pages(c->acceptor, start, size, c->stats);
}

/* Bitmap layer */

/* Hands units [first, end) to the platform; clears the units it accepted whole. False when it stopped short. */
static bool accept_run(struct efi_unaccepted_memory *t, u64 first, u64 end, const struct range_acceptor *ra,
		       struct accept_memory_result *res)
{
	u64 addr = unaccepted_unit_range(t, first).start;
	u64 size = (end - first) * t->unit_size;
	u64 done = ra->accept_range(ra->ctx, addr, size);

	res->runs++;
	done = MIN(done, size);
	unaccepted_clear_units(t, first, done / t->unit_size);
	res->units_cleared += done / t->unit_size;
	if (done == size)
		return true;
	res->fail_addr = addr + done;
	return false;
}

bool accept_units_of(const struct efi_unaccepted_memory *t, u64 start, u64 size, u64 *first, u64 *end)
{
	struct range want = range_clip(range_from_size_clamped(start, size), unaccepted_covered(t));

	*first = *end = 0;
	if (range_empty(want))
		return false;
	*first = (want.start - t->phys_base) / t->unit_size;
	*end = (want.end - t->phys_base + t->unit_size - 1) / t->unit_size;
	return true;
}

int accept_memory(struct efi_unaccepted_memory *t, u64 start, u64 size, const struct range_acceptor *ra,
		  struct accept_memory_result *result)
{
	struct accept_memory_result scratch;
	struct accept_memory_result *res = result ? result : &scratch;
	u64 first, last, run_start, run_end;

	memset(res, 0, sizeof(*res));
	if (!unaccepted_header_ok(t, NULL))
		return ACCEPT_MEMORY_BAD_TABLE;
	if (!accept_units_of(t, start, size, &first, &last))
		return ACCEPT_MEMORY_OK;
	for (u64 from = first; unaccepted_next_run(t, from, last, &run_start, &run_end); from = run_end)
		if (!accept_run(t, run_start, run_end, ra, res))
			return ACCEPT_MEMORY_PLATFORM_ERROR;
	return ACCEPT_MEMORY_OK;
}
