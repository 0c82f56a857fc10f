/* SPDX-License-Identifier: MIT */
/*
 * The Multiprocessor Wakeup mailbox handshake, the OS's side (arch/mp_wake.h for the layout and sources).
 * Pure: no CPU access beyond memory, so tests/host/test_mp_wake.c runs it against a firmware played by
 * keep_waiting().
 */
#include <arch/mp_wake.h>

u32 mp_wake_log_count(const struct mp_wake_log *log, u32 apic_id)
{
	u32 n = 0;

	for (u32 i = 0; i < log->count; i++)
		n += log->apic_id[i] == apic_id;
	return n;
}

static u32 first_dword(struct mp_wake_mailbox *mb)
{
	return __atomic_load_n((u32 *)&mb->command, __ATOMIC_ACQUIRE);
}

enum mp_wake_result mp_wake_post(struct mp_wake_mailbox *mb, struct mp_wake_log *log, u32 apic_id, u64 vector,
				 bool (*keep_waiting)(void *ctx), void *ctx, u32 *raw)
{
	*raw = first_dword(mb);
	if (apic_id == MP_WAKE_APIC_BROADCAST || apic_id == MP_WAKE_APIC_INVALID ||
	    mp_wake_log_count(log, apic_id) || log->count == MP_WAKE_MAX_APS)
		return MP_WAKE_REFUSED;
	if (*raw) /* a request not yet taken, or a Reserved field TDVF would read as another command */
		return MP_WAKE_BUSY;
	log->apic_id[log->count++] = apic_id;
	__atomic_store_n(&mb->apic_id, apic_id, __ATOMIC_RELAXED);
	__atomic_store_n(&mb->wakeup_vector, vector, __ATOMIC_RELAXED);
	/* ApicId and WakeupVector visible before Command (Linux: smp_store_release()) */
	__atomic_store_n(&mb->command, (u16)MP_WAKE_CMD_WAKEUP, __ATOMIC_RELEASE);
	while ((*raw = first_dword(mb)) & 0xffffu)
		if (!keep_waiting(ctx))
			return MP_WAKE_NO_ACK;
	return MP_WAKE_OK;
}
