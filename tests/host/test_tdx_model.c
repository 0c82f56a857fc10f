/* SPDX-License-Identifier: MIT */
/*
 * The TDX module model's page state and statuses (arch/x86/sim/tdx_model_pages.c; the rules and their
 * sources are in arch/x86/sim/tdx_model.h). The host build compiles only kernel/ and tests/host/, so the
 * model's pure part is compiled into this file.
 */
#include <ccktf/ktest.h>
#include <pthread.h>
#include <stdlib.h>

#include "../../arch/x86/sim/tdx_model_pages.c"

KTEST_SUITE(host_tdx_model, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define BASE (4 * GiB)
#define SIZE (8 * MiB)
#define PS4K TDX_PS_4K
#define PS2M TDX_PS_2M

struct model {
	struct tdx_pages p;
	void *state;
};

static struct model *model_new(u64 start, u64 end, bool host_4k)
{
	struct model *m = calloc(1, sizeof(*m));

	tdx_pages_init(&m->p, TDX_GPAW_48);
	m->state = calloc(1, tdx_pages_state_bytes(start, end));
	tdx_pages_add_region(&m->p, start, end, m->state, host_4k);
	return m;
}

static void model_free(struct model *m)
{
	free(m->state);
	free(m);
}

static u64 accept(struct model *m, u64 gpa, u64 level)
{
	return tdx_pages_accept(&m->p, gpa | level);
}

KTEST(host_tdx_model, accept_4k_then_already_accepted)
{
	struct model *m = model_new(BASE, BASE + SIZE, true);

	KEXPECT_FALSE(t, tdx_pages_accepted(&m->p, BASE));
	KEXPECT_EQ(t, accept(m, BASE, PS4K), TDX_SUCCESS);
	KEXPECT_TRUE(t, tdx_pages_accepted(&m->p, BASE));
	KEXPECT_FALSE(t, tdx_pages_accepted(&m->p, BASE + 4 * KiB));
	KEXPECT_EQ(t, accept(m, BASE, PS4K), TDX_PAGE_ALREADY_ACCEPTED | PS4K);
	model_free(m);
}

KTEST(host_tdx_model, accept_2m_then_already_accepted_at_2m_and_4k)
{
	struct model *m = model_new(BASE, BASE + SIZE, false);

	KEXPECT_EQ(t, accept(m, BASE, PS2M), TDX_SUCCESS);
	for (u64 a = BASE; a < BASE + 2 * MiB; a += 4 * KiB)
		KASSERT_TRUE(t, tdx_pages_accepted(&m->p, a));
	KEXPECT_FALSE(t, tdx_pages_accepted(&m->p, BASE + 2 * MiB));
	KEXPECT_EQ(t, accept(m, BASE, PS2M), TDX_PAGE_ALREADY_ACCEPTED | PS2M);
	/* a 4K accept inside an accepted 2M leaf: "case 1.1", the leaf's level in the operand id */
	KEXPECT_EQ(t, accept(m, BASE + 8 * KiB, PS4K), TDX_PAGE_ALREADY_ACCEPTED | PS2M);
	model_free(m);
}

KTEST(host_tdx_model, host_4k_gives_size_mismatch_whatever_the_state)
{
	struct model *m = model_new(BASE, BASE + SIZE, true);

	KEXPECT_EQ(t, accept(m, BASE, PS2M), TDX_PAGE_SIZE_MISMATCH | PS2M);
	for (u64 a = BASE; a < BASE + 2 * MiB; a += 4 * KiB)
		KASSERT_EQ(t, accept(m, a, PS4K), TDX_SUCCESS);
	KEXPECT_EQ(t, accept(m, BASE, PS2M), TDX_PAGE_SIZE_MISMATCH | PS2M); /* still a non-leaf entry */
	tdx_pages_set_host_4k(&m->p, BASE, false); /* the host promotes: all 512 in one state */
	KEXPECT_EQ(t, accept(m, BASE, PS2M), TDX_PAGE_ALREADY_ACCEPTED | PS2M);
	model_free(m);
}

KTEST(host_tdx_model, mixed_2m_is_a_size_mismatch)
{
	struct model *m = model_new(BASE, BASE + SIZE, false);

	KEXPECT_EQ(t, accept(m, BASE + 4 * KiB, PS4K), TDX_SUCCESS);
	KEXPECT_EQ(t, accept(m, BASE, PS2M), TDX_PAGE_SIZE_MISMATCH | PS2M);
	KEXPECT_FALSE(t, tdx_pages_accepted(&m->p, BASE)); /* nothing changed */
	model_free(m);
}

KTEST(host_tdx_model, invalid_operands)
{
	struct model *m = model_new(BASE, BASE + SIZE, false);
	u64 invalid = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;

	KEXPECT_EQ(t, accept(m, BASE + 4 * KiB, PS2M), invalid);		/* misaligned for 2M */
	KEXPECT_EQ(t, tdx_pages_accept(&m->p, BASE | 0x10), invalid);		/* reserved bits 11:3 */
	KEXPECT_EQ(t, accept(m, BASE, TDX_PS_1G), invalid);			/* the module takes 4K and 2M */
	KEXPECT_EQ(t, accept(m, BASE | (1ull << 47), PS4K), invalid);		/* shared bit (GPAW 48) */
	KEXPECT_EQ(t, accept(m, 1ull << 48, PS4K), invalid);			/* beyond GPAW */
	KEXPECT_EQ(t, accept(m, BASE - 4 * KiB, PS4K), invalid);		/* not the model's memory */
	KEXPECT_EQ(t, accept(m, BASE - 2 * MiB, PS2M), invalid);
	model_free(m);
}

KTEST(host_tdx_model, partly_outside_2m_is_a_size_mismatch)
{
	struct model *m = model_new(BASE + 1 * MiB, BASE + SIZE, false);

	KEXPECT_EQ(t, accept(m, BASE, PS2M), TDX_PAGE_SIZE_MISMATCH | PS2M);
	KEXPECT_EQ(t, accept(m, BASE + 1 * MiB, PS4K), TDX_SUCCESS);
	model_free(m);
}

KTEST(host_tdx_model, injection_fires_once_on_the_accept_that_reaches_the_page)
{
	struct model *m = model_new(BASE, BASE + SIZE, true);
	u64 bad = BASE + 5 * 4 * KiB;

	tdx_pages_inject(&m->p, bad, TDX_OPERAND_BUSY);
	KEXPECT_EQ(t, accept(m, BASE, PS2M), TDX_PAGE_SIZE_MISMATCH | PS2M); /* never reaches the page */
	KEXPECT_EQ(t, accept(m, BASE, PS4K), TDX_SUCCESS);
	KEXPECT_EQ(t, accept(m, bad, PS4K), TDX_OPERAND_BUSY);
	KEXPECT_FALSE(t, tdx_pages_accepted(&m->p, bad));
	KEXPECT_EQ(t, accept(m, bad, PS4K), TDX_SUCCESS);
	model_free(m);
}

KTEST(host_tdx_model, injection_cleared_by_zero)
{
	struct model *m = model_new(BASE, BASE + SIZE, false);

	tdx_pages_inject(&m->p, BASE + 2 * MiB, TDX_OPERAND_INVALID);
	tdx_pages_inject(&m->p, BASE + 2 * MiB, 0);
	KEXPECT_EQ(t, accept(m, BASE + 2 * MiB, PS2M), TDX_SUCCESS);
	model_free(m);
}

KTEST(host_tdx_model, pending_and_outside)
{
	struct model *m = model_new(BASE, BASE + SIZE, false);

	KEXPECT_TRUE(t, tdx_pages_pending(&m->p, BASE));
	KEXPECT_FALSE(t, tdx_pages_pending(&m->p, BASE - 4 * KiB));
	KEXPECT_TRUE(t, tdx_pages_accepted(&m->p, BASE - 4 * KiB)); /* the firmware's, long accepted */
	KEXPECT_EQ(t, accept(m, BASE, PS4K), TDX_SUCCESS);
	KEXPECT_FALSE(t, tdx_pages_pending(&m->p, BASE));
	model_free(m);
}

/* Two vCPUs, one page: the second accept meets the first's locked S-EPT entry (tdg_mem_page_accept.c). */
KTEST(host_tdx_model, accept_of_a_page_in_flight_is_busy_then_already_accepted)
{
	struct model *m = model_new(BASE, BASE + SIZE, false);

	KEXPECT_EQ(t, tdx_pages_accept_begin(&m->p, BASE | PS4K), TDX_SUCCESS);
	KEXPECT_FALSE(t, tdx_pages_accepted(&m->p, BASE)); /* still pending while the module zeroes it */
	KEXPECT_EQ(t, accept(m, BASE, PS4K), TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX);
	KEXPECT_EQ(t, accept(m, BASE, PS2M), TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX); /* its 2M too */
	KEXPECT_EQ(t, accept(m, BASE + 4 * KiB, PS4K), TDX_SUCCESS);		     /* its neighbour is free */
	tdx_pages_accept_end(&m->p, BASE | PS4K);
	KEXPECT_TRUE(t, tdx_pages_accepted(&m->p, BASE));
	KEXPECT_EQ(t, accept(m, BASE, PS4K), TDX_PAGE_ALREADY_ACCEPTED | PS4K);
	KEXPECT_EQ(t, m->p.double_accepts, 3);
	model_free(m);
}

KTEST(host_tdx_model, a_2m_in_flight_locks_its_4k_pages)
{
	struct model *m = model_new(BASE, BASE + SIZE, false);

	KEXPECT_EQ(t, tdx_pages_accept_begin(&m->p, BASE | PS2M), TDX_SUCCESS);
	KEXPECT_EQ(t, accept(m, BASE + 2 * MiB - 4 * KiB, PS4K), TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX);
	tdx_pages_accept_end(&m->p, BASE | PS2M);
	for (u64 a = BASE; a < BASE + 2 * MiB; a += 4 * KiB)
		KASSERT_TRUE(t, tdx_pages_accepted(&m->p, a));
	tdx_pages_accept_end(&m->p, BASE | PS2M); /* an end without a begin changes nothing */
	KEXPECT_EQ(t, m->p.double_accepts, 1);
	model_free(m);
}

/* handoff=self: a second tdx_pages over the same state memory (stage 2's model) answers as the first did. */
KTEST(host_tdx_model, adopted_state_answers_as_before)
{
	struct model *m = model_new(BASE, BASE + SIZE, false);
	struct tdx_pages stage2;

	KEXPECT_EQ(t, accept(m, BASE, PS2M), TDX_SUCCESS);
	KEXPECT_EQ(t, accept(m, BASE + 2 * MiB + 4 * KiB, PS4K), TDX_SUCCESS);
	tdx_pages_set_host_4k(&m->p, BASE + 4 * MiB, true);
	tdx_pages_init(&stage2, TDX_GPAW_48);
	KASSERT_TRUE(t, tdx_pages_adopt_region(&stage2, BASE, BASE + SIZE, m->state));
	KEXPECT_TRUE(t, tdx_pages_accepted(&stage2, BASE + 2 * MiB - 4 * KiB));
	KEXPECT_TRUE(t, tdx_pages_pending(&stage2, BASE + 2 * MiB));
	KEXPECT_EQ(t, tdx_pages_accept(&stage2, (BASE + 2 * MiB + 4 * KiB) | PS4K), TDX_PAGE_ALREADY_ACCEPTED | PS4K);
	KEXPECT_EQ(t, tdx_pages_accept(&stage2, BASE | PS2M), TDX_PAGE_ALREADY_ACCEPTED | PS2M);
	/* the host's mapping choice survives too: 4K there, so a 2M accept is a size mismatch */
	KEXPECT_EQ(t, tdx_pages_accept(&stage2, (BASE + 4 * MiB) | PS2M), TDX_PAGE_SIZE_MISMATCH | PS2M);
	KEXPECT_EQ(t, tdx_pages_accept(&stage2, (BASE + 6 * MiB) | PS2M), TDX_SUCCESS);
	model_free(m);
}

/*
 * Two vCPUs accepting in different 2 MiB chunks at once (tdx_model.c holds only each chunk's lock): every
 * page ends accepted exactly once and no in-flight slot is left taken. The region starts 4 KiB past a 256
 * KiB boundary, so the bitmap word at each chunk boundary holds pages of two chunks, and both threads
 * claim in-flight slots from the one table. With the bitmap's read-modify-write and the slot claim not atomic, accepts were lost.
 */
struct chunk_worker {
	struct model *m;
	u64 start, end; /* this thread's chunks: every other one */
	unsigned not_ok;
	volatile unsigned *go;
};

static void *accept_every_other_chunk(void *arg)
{
	struct chunk_worker *w = arg;

	while (!__atomic_load_n(w->go, __ATOMIC_ACQUIRE))
		;
	for (u64 chunk = w->start; chunk < w->end; chunk += 4 * MiB)
		for (u64 a = chunk; a < chunk + 2 * MiB && a < w->end; a += 4 * KiB) {
			if (tdx_pages_accept_begin(&w->m->p, a | PS4K) != TDX_SUCCESS) {
				w->not_ok++;
				continue;
			}
			tdx_pages_accept_end(&w->m->p, a | PS4K);
		}
	return NULL;
}

KTEST(host_tdx_model, accepts_in_different_chunks_run_at_once)
{
	u64 start = BASE + 2 * MiB, end = BASE + 66 * MiB, lost = 0, slots = 0;

	for (unsigned round = 0; round < 8; round++) {
		struct model *m = model_new(start + 4 * KiB, end, true);
		volatile unsigned go = 0;
		struct chunk_worker w[2] = { { m, ALIGN_UP(start + 4 * KiB, 2 * MiB), end, 0, &go },
					     { m, ALIGN_UP(start + 4 * KiB, 2 * MiB) + 2 * MiB, end, 0, &go } };
		pthread_t th[2];

		for (unsigned i = 0; i < 2; i++)
			KASSERT_EQ(t, pthread_create(&th[i], NULL, accept_every_other_chunk, &w[i]), 0);
		__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
		for (unsigned i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		KEXPECT_EQ(t, w[0].not_ok + w[1].not_ok, 0);
		for (u64 a = ALIGN_UP(start + 4 * KiB, 2 * MiB); a < end; a += 4 * KiB)
			lost += !tdx_pages_accepted(&m->p, a);
		for (unsigned i = 0; i < TDX_MODEL_INFLIGHT; i++)
			slots += m->p.inflight[i].bytes != 0;
		KEXPECT_EQ(t, m->p.double_accepts, 0);
		model_free(m);
	}
	KEXPECT_EQ(t, lost, 0);
	KEXPECT_EQ(t, slots, 0);
}

/*
 * A reader of an in-flight slot that another chunk's vCPU frees and claims again between the reader's two
 * loads can see the size of one entry with the gpa of the next: here a 2 MiB entry's size with the gpa of a
 * 4 KiB accept in the chunk below. Such a pair overlaps the chunk above without being in it; taken for an
 * entry there, it made the accept BUSY (and an end miss its own slot, leaving the page pending forever).
 */
KTEST(host_tdx_model, a_torn_inflight_slot_of_another_chunk_is_not_an_overlap)
{
	struct model *m = model_new(BASE, BASE + SIZE, true);
	u64 below = BASE + 2 * MiB - 4 * KiB, page = BASE + 2 * MiB + 4 * KiB;

	m->p.inflight[0] = (struct tdx_inflight){ below, 2 * MiB }; /* the mixed pair, in slot 0 */
	KEXPECT_EQ(t, tdx_pages_accept_begin(&m->p, page | PS4K), TDX_SUCCESS);
	tdx_pages_accept_end(&m->p, page | PS4K);
	KEXPECT_TRUE(t, tdx_pages_accepted(&m->p, page));
	KEXPECT_EQ(t, m->p.double_accepts, 0);
	KEXPECT_EQ(t, m->p.inflight[1].bytes, 0); /* its own slot freed */
	KEXPECT_EQ(t, accept(m, page, PS4K), TDX_PAGE_ALREADY_ACCEPTED | PS4K);
	model_free(m);
}
