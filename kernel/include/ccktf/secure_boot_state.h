/* SPDX-License-Identifier: MIT */
/*
 * The Secure Boot variables as GetVariable() answered them before ExitBootServices (UEFI 2.10 section 3.3,
 * "Globally Defined Variables", Table 3-1), kept in boot_info. Only the record: the rules over it are in
 * kernel/conform/secure_boot.h, the reading in kernel/efi/efi_secure_boot.c.
 */
#ifndef CCKTF_SECURE_BOOT_STATE_H
#define CCKTF_SECURE_BOOT_STATE_H

#include <ccktf/types.h>

#define SB_VAR_DATA_MAX 8u /* bytes read; a larger variable answers EFI_BUFFER_TOO_SMALL and its size */

enum sb_var_id { SB_SECURE_BOOT, SB_SETUP_MODE, SB_AUDIT_MODE, SB_DEPLOYED_MODE, SB_VAR_COUNT };

/* One GetVariable() as the firmware answered it: nothing here is guessed. */
struct sb_var {
	u64 status;	/* GetVariable()'s raw EFI status */
	u32 attributes; /* valid when status is EFI_SUCCESS */
	u64 size;	/* DataSize as returned (with EFI_BUFFER_TOO_SMALL: the size needed) */
	u8 data[SB_VAR_DATA_MAX];
	bool write_probed; /* SB-004 wrote the variable's own value back (sb_write_probe_wanted()) */
	u64 write_status;  /* SetVariable()'s raw status for that write */
	/* GetVariable() again after that write: what the variable is now (same meanings as above). */
	u64 reread_status;
	u32 reread_attributes;
	u64 reread_size;
	u8 reread_data[SB_VAR_DATA_MAX];
};

struct sb_state {
	bool read; /* the variables were asked for */
	struct sb_var var[SB_VAR_COUNT];
};

#endif
