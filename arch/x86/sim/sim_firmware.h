/* SPDX-License-Identifier: MIT */
/* Modelled confidential-guest firmware protocols (sim_firmware.c). Before ExitBootServices only. */
#ifndef ARCH_X86_SIM_SIM_FIRMWARE_H
#define ARCH_X86_SIM_SIM_FIRMWARE_H

#include <arch/sim.h>
#include <ccktf/types.h>

struct boot_info;

/* The model's side of AcceptMemory(): accepts [start, start + size) in its own state; false: refused. */
typedef bool (*sim_fw_accept_fn)(u64 start, u64 size);

const char *sim_fw_install_accept_protocol(struct boot_info *b, sim_fw_accept_fn fn);
const char *sim_fw_install_sev_acceptance_protocol(struct boot_info *b);
/* Did the OS call the modelled AllowUnacceptedMemory()? */
bool sim_fw_unaccepted_allowed(void);

/* The firmware kinds (sim_fw=) and what the modelled firmware accepted on its own, for the figures. */
const char *sim_fw_kind_name(enum sim_fw_kind kind);
void sim_fw_set_presented(const struct sim_memory *mem); /* memory the model presents as not accepted at reset */
u64 sim_fw_account_start(void);	      /* a TSC stamp for sim_fw_account() */
void sim_fw_account(u64 start_tsc, u64 bytes, const char *when);
void sim_fw_report(struct model_firmware_report *out, enum sim_fw_kind kind);

#endif
