/* SPDX-License-Identifier: MIT */
/* sim-tdx: the model of TDVF's multiprocessor side (tdvf_mp.c; what tests may ask: arch/sim_tdvf.h). */
#ifndef ARCH_SIM_TDVF_MP_H
#define ARCH_SIM_TDVF_MP_H

#include <ccktf/types.h>

struct boot_info;

/* Before ExitBootServices: the mailbox and the loop in ACPI NVS, the MADT with the wakeup structure. */
const char *tdvf_mp_install(struct boot_info *b);
/* After ExitBootServices, before the kernel's bring-up: every AP the MADT lists parked in the loop. */
const char *tdvf_mp_park(void);

/* The loop (tdvf_ap_loop.asm). */
extern const u8 tdvf_loop_start[], tdvf_loop_reset_vector[], tdvf_loop_data[], tdvf_loop_end[];

#endif
