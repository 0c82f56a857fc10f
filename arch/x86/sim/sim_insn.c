/* SPDX-License-Identifier: MIT */
/* The #UD hook that hands TDCALL, PVALIDATE and VMGEXIT to the model that registered them. */
#include <arch/sim.h>
#include <ccktf/string.h>

struct sim_insn {
	u8 opcode[SIM_INSN_MAX_LEN];
	unsigned len;
	sim_insn_fn answer;
};

static struct sim_insn insns[SIM_MAX_INSNS];
static unsigned insn_count;

static bool sim_ud_hook(struct cpu_regs *regs)
{
	const u8 *ip = (const u8 *)(uintptr_t)regs->rip;

	for (unsigned i = 0; i < insn_count; i++) {
		if (memcmp(ip, insns[i].opcode, insns[i].len))
			continue;
		if (!insns[i].answer(regs))
			return false;
		regs->rip += insns[i].len;
		return true;
	}
	return false;
}

void sim_register_insn(const u8 *opcode, unsigned len, sim_insn_fn answer)
{
	if (insn_count == SIM_MAX_INSNS || len > SIM_INSN_MAX_LEN)
		return;
	memcpy(insns[insn_count].opcode, opcode, len);
	insns[insn_count].len = len;
	insns[insn_count].answer = answer;
	insn_count++;
	trap_set_hook(X86_UD, sim_ud_hook);
}
