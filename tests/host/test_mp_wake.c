/* SPDX-License-Identifier: MIT */
/*
 * The Multiprocessor Wakeup mailbox handshake (arch/x86/cpu/mp_wake.c) against a firmware played by the
 * poll callback, which answers as TDVF's AP loop does (OvmfPkg/TdxDxe/X64/ApRunLoop.nasm): the dword at
 * Command must read Wakeup, ApicId must be one of its parked APs; it takes the vector and clears the first
 * qword. A woken AP has left the loop and answers nothing more.
 */
#include <ccktf/ktest.h>
#include <string.h>

#include "../../arch/x86/cpu/mp_wake.c"

KTEST_SUITE(host_mp_wake, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

struct fake_fw {
	struct mp_wake_mailbox *mb;
	u32 parked[4];	 /* APIC IDs still in the loop; MP_WAKE_APIC_BROADCAST when woken */
	u32 nparked;
	u64 jumped_to[4];
	u32 polls, answer_after; /* answers on the answer_after-th poll */
	bool dead;		 /* never answers */
};

static bool fw_poll(void *ctx)
{
	struct fake_fw *fw = ctx;
	u32 first;

	if (++fw->polls > 1000)
		return false; /* the caller's bound */
	if (fw->dead || fw->polls < fw->answer_after)
		return true;
	memcpy(&first, fw->mb, 4);
	if (first != MP_WAKE_CMD_WAKEUP)
		return true; /* TDVF compares the whole dword: anything else is not Wakeup */
	for (u32 i = 0; i < fw->nparked; i++) {
		if (fw->parked[i] != fw->mb->apic_id)
			continue;
		fw->jumped_to[i] = fw->mb->wakeup_vector;
		fw->parked[i] = MP_WAKE_APIC_BROADCAST;
		memset(fw->mb, 0, 8); /* "mov qword [rbx + CommandOffset], 0" */
		break;
	}
	return true;
}

static struct mp_wake_mailbox mailbox;
static struct mp_wake_log log_;

static void reset(struct fake_fw *fw)
{
	memset(&mailbox, 0, sizeof(mailbox));
	memset(&log_, 0, sizeof(log_));
	*fw = (struct fake_fw){ .mb = &mailbox, .parked = { 1, 2, 3 }, .nparked = 3, .answer_after = 3 };
}

KTEST(host_mp_wake, each_ap_wakes_at_its_vector)
{
	struct fake_fw fw;
	u32 raw;

	reset(&fw);
	KEXPECT_EQ(t, mp_wake_post(&mailbox, &log_, 2, 0x7000010, fw_poll, &fw, &raw), MP_WAKE_OK);
	KEXPECT_EQ(t, fw.jumped_to[1], 0x7000010);
	KEXPECT_EQ(t, raw, 0);
	fw.polls = 0;
	KEXPECT_EQ(t, mp_wake_post(&mailbox, &log_, 3, 0x7000020, fw_poll, &fw, &raw), MP_WAKE_OK);
	KEXPECT_EQ(t, fw.jumped_to[2], 0x7000020);
	KEXPECT_EQ(t, fw.jumped_to[0], 0); /* APIC ID 1 never asked for: still parked */
	KEXPECT_EQ(t, log_.count, 2);
	KEXPECT_EQ(t, mp_wake_log_count(&log_, 2), 1);
	KEXPECT_EQ(t, mp_wake_log_count(&log_, 1), 0);
}

/* An AP can be woken once: the second request is refused before the mailbox is touched. */
KTEST(host_mp_wake, a_second_wake_of_one_ap_is_refused)
{
	struct fake_fw fw;
	u32 raw;

	reset(&fw);
	KEXPECT_EQ(t, mp_wake_post(&mailbox, &log_, 1, 0x7000010, fw_poll, &fw, &raw), MP_WAKE_OK);
	mailbox.wakeup_vector = 0x1234; /* left as it was: proves the refusal wrote nothing */
	KEXPECT_EQ(t, mp_wake_post(&mailbox, &log_, 1, 0x7000010, fw_poll, &fw, &raw), MP_WAKE_REFUSED);
	KEXPECT_EQ(t, mailbox.wakeup_vector, 0x1234);
	KEXPECT_EQ(t, mailbox.command, 0);
	KEXPECT_EQ(t, mp_wake_log_count(&log_, 1), 1);
	KEXPECT_EQ(t, mp_wake_post(&mailbox, &log_, MP_WAKE_APIC_BROADCAST, 0x7000010, fw_poll, &fw, &raw),
		  MP_WAKE_REFUSED);
	KEXPECT_EQ(t, mp_wake_post(&mailbox, &log_, MP_WAKE_APIC_INVALID, 0x7000010, fw_poll, &fw, &raw),
		  MP_WAKE_REFUSED);
}

/* A request the firmware never takes: reported with the raw dword, bounded by the caller's poll. */
KTEST(host_mp_wake, no_answer_is_reported_not_waited_for)
{
	struct fake_fw fw;
	u32 raw;

	reset(&fw);
	fw.dead = true;
	KEXPECT_EQ(t, mp_wake_post(&mailbox, &log_, 1, 0x7000010, fw_poll, &fw, &raw), MP_WAKE_NO_ACK);
	KEXPECT_EQ(t, raw, MP_WAKE_CMD_WAKEUP);
	KEXPECT_EQ(t, mp_wake_log_count(&log_, 1), 1); /* posted: it may still wake */
	/* the mailbox still holds that request: the next one is not posted over it */
	fw.dead = false;
	fw.polls = 0;
	KEXPECT_EQ(t, mp_wake_post(&mailbox, &log_, 2, 0x7000020, fw_poll, &fw, &raw), MP_WAKE_BUSY);
	KEXPECT_EQ(t, raw, MP_WAKE_CMD_WAKEUP);
	KEXPECT_EQ(t, mailbox.apic_id, 1);
	KEXPECT_EQ(t, fw.jumped_to[1], 0);
}

/* A nonzero Reserved field would hide the command from TDVF: refused before posting, with the raw dword. */
KTEST(host_mp_wake, a_nonzero_reserved_field_is_refused)
{
	struct fake_fw fw;
	u32 raw;

	reset(&fw);
	mailbox.reserved = 0x8000;
	KEXPECT_EQ(t, mp_wake_post(&mailbox, &log_, 1, 0x7000010, fw_poll, &fw, &raw), MP_WAKE_BUSY);
	KEXPECT_EQ(t, raw, 0x80000000u);
	KEXPECT_EQ(t, mailbox.command, 0);
	KEXPECT_EQ(t, log_.count, 0);
}
