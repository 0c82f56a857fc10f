/* SPDX-License-Identifier: MIT */
/*
 * The ACPI Multiprocessor Wakeup mailbox, the OS's side (ACPI 6.5 section 5.2.12.19, "Multiprocessor Wakeup
 * Structure", its mailbox; Linux arch/x86/kernel/acpi/
 * madt_wakeup.c acpi_wakeup_cpu(); edk2 OvmfPkg/Include/TdxCommondefs.inc for the values, the firmware's side
 * OvmfPkg/TdxDxe/X64/ApRunLoop.nasm). The handshake is pure (arch/x86/cpu/mp_wake.c, host-tested in
 * tests/host/test_mp_wake.c); the waker that uses it is arch/x86/cpu/wake_madt_mailbox.c.
 *
 * The mailbox is one 4 KiB page shared by the OS and every parked AP: u16 Command at 0 (0 Noop, 1 Wakeup,
 * 2 Test), u16 Reserved at 2, u32 ApicId at 4, u64 WakeupVector at 8, then 2032 bytes for the OS and 2048
 * for the firmware. The OS writes ApicId and WakeupVector, then Command with release ordering; the AP
 * whose APIC ID it is reads the vector, writes Command back to 0 and jumps. TDVF compares Command as a
 * dword (ApRunLoop.nasm "cmp dword [rbx + CommandOffset], ..."), so Reserved must be 0 or the command is
 * never seen. An AP leaves the loop when woken: it can be woken once (ACPI 6.5 5.2.12.19; Linux then
 * disables CPU offlining, acpi_mp_disable_offlining()).
 */
#ifndef ARCH_MP_WAKE_H
#define ARCH_MP_WAKE_H

#include <ccktf/types.h>

#define MP_WAKE_CMD_NOOP 0
#define MP_WAKE_CMD_WAKEUP 1
#define MP_WAKE_CMD_TEST 2
/* edk2 OvmfPkg/Include/TdxCommondefs.inc: MailboxApicidBroadcast (every parked AP acts) and
 * MailboxApicIdInvalid (what RelocateMailbox() leaves in ApicId); the kernel sends neither. */
#define MP_WAKE_APIC_BROADCAST 0xfffffffeu
#define MP_WAKE_APIC_INVALID 0xffffffffu
#define MP_WAKE_MAX_APS 64

struct mp_wake_mailbox {
	u16 command;
	u16 reserved;
	u32 apic_id;
	u64 wakeup_vector;
};
_Static_assert(sizeof(struct mp_wake_mailbox) == 16, "ACPI 6.5 5.2.12.19: Command, Reserved, ApicId, WakeupVector");

/* The APIC IDs the OS has asked the mailbox to wake, each at most once. */
struct mp_wake_log {
	u32 count;
	u32 apic_id[MP_WAKE_MAX_APS];
};

enum mp_wake_result {
	MP_WAKE_OK,	  /* the firmware wrote Command back to 0 */
	MP_WAKE_REFUSED,  /* not posted: the APIC ID is the broadcast or invalid ID, was woken before, or the log is full */
	MP_WAKE_BUSY,	  /* not posted: the mailbox's first dword (Command, Reserved) was not 0 */
	MP_WAKE_NO_ACK,	  /* posted, but Command was still not 0 when keep_waiting() said stop */
};

/*
 * Asks the firmware to wake apic_id at vector: refuses a second request for one APIC ID (the AP left the
 * firmware's loop the first time), and a mailbox not idle; writes ApicId and WakeupVector, then Command =
 * Wakeup with release ordering; then polls Command, calling keep_waiting(ctx) between reads, until it is 0
 * or keep_waiting() returns false. Once posted, apic_id is in the log whatever the answer (the AP may still
 * wake). *raw: the mailbox's first dword as last read (Command | Reserved << 16).
 */
enum mp_wake_result mp_wake_post(struct mp_wake_mailbox *mb, struct mp_wake_log *log, u32 apic_id, u64 vector,
				 bool (*keep_waiting)(void *ctx), void *ctx, u32 *raw);
/* How many times apic_id is in the log (0 or 1 unless the log is broken). */
u32 mp_wake_log_count(const struct mp_wake_log *log, u32 apic_id);

/* What the waker (arch/x86/cpu/wake_madt_mailbox.c) did, for the smp suite. */
struct mp_wake_stats {
	u64 mailbox, reset_vector;
	u16 version;
	u32 acked;		/* Wakeup commands the firmware took */
	u64 init_sipi_before;	/* INIT + STARTUP IPIs sent before the first wake-up (the firmware's business) */
	bool vcpus_known;	/* TDX: TDG.VP.INFO answered */
	u32 vcpus;		/* its R8[31:0] */
	bool probed;		/* mailbox_probe=1 ran: */
	bool probe_reserved_answered, probe_second_answered; /* what the firmware answered (it must not) */
	const struct mp_wake_log *log;
};
const struct mp_wake_stats *mp_wake_stats(void);

#endif
