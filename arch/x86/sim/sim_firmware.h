/* SPDX-License-Identifier: MIT */
/* Modelled confidential-guest firmware protocols (sim_firmware.c). Before ExitBootServices only. */
#ifndef ARCH_X86_SIM_SIM_FIRMWARE_H
#define ARCH_X86_SIM_SIM_FIRMWARE_H

#include <ccktf/types.h>

struct boot_info;

/* The model's side of AcceptMemory(): accepts [start, start + size) in its own state; false: refused. */
typedef bool (*sim_fw_accept_fn)(u64 start, u64 size);

const char *sim_fw_install_accept_protocol(struct boot_info *b, sim_fw_accept_fn fn);
const char *sim_fw_install_sev_acceptance_protocol(struct boot_info *b);
/* Did the OS call the modelled AllowUnacceptedMemory()? */
bool sim_fw_unaccepted_allowed(void);

#endif
