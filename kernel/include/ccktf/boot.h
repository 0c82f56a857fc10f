/* SPDX-License-Identifier: MIT */
/* What the kernel learned from the firmware before ExitBootServices, kept for the tests that run after. */
#ifndef CCKTF_BOOT_H
#define CCKTF_BOOT_H

#include <arch/machine.h>
#include <ccktf/args.h>
#include <ccktf/platform.h>
#include <ccktf/secure_boot_state.h>
#include "efi/efi_api.h"
#include "mm/memmap.h"

#define BOOT_MAX_CONFIG_TABLES 64

/* A raw EFI memory map as GetMemoryMap returned it: step by desc_size, never by sizeof. */
struct efi_memmap_snapshot {
	void *buf;
	u64 capacity; /* bytes allocated at buf */
	u64 map_size;
	u64 map_key;
	u64 desc_size;
	u32 desc_version;
};

struct boot_info {
	efi_handle_t image;
	struct efi_system_table *st;
	char fw_vendor[64];
	u32 fw_revision;
	u32 uefi_revision;
	struct sb_state secure_boot; /* the Secure Boot variables as GetVariable() answered */
	struct efi_memmap_snapshot memmap;      /* the map ExitBootServices accepted */
	struct efi_memmap_snapshot memmap_boot; /* the first map read, early in boot */
	struct efi_configuration_table config_tables[BOOT_MAX_CONFIG_TABLES];
	u64 config_table_count;
	u64 config_table_total; /* as the system table reported it, even beyond BOOT_MAX_CONFIG_TABLES */
	struct tsc_info tsc;
	unsigned exit_boot_services_attempts;
	u64 exit_boot_services_ns; /* the GetMemoryMap + ExitBootServices calls, retries included */
	bool boot_services_exited;
	struct kernel_args args;
	/* NULL after the EFI entry. After the 64-bit boot-protocol entry (arch/x86/boot/boot64.c) why there are
	 * no boot services: memmap and memmap_boot are then synthesized from e820 (kernel/boot/e820_memmap.h),
	 * st is NULL, and tests that need the firmware's own map or services skip with this reason. */
	const char *no_boot_services;
	/* The boot figures (docs/protocol.md "Boot figures"): raw TSC at efi_main's entry; time since reset
	 * (TSC 0) when the kernel was ready, its own boot acceptance done; what that acceptance took. */
	u64 entry_tsc;
	u64 kernel_ready_ns;
	u64 boot_accept_ns, boot_accept_bytes;
	/* matrix=1 on a model: the model's report (its own page state) taken when the kernel was ready */
	struct model_firmware_report model_at_ready;
	bool model_at_ready_taken;
};

extern struct boot_info boot_info;

/* The snapshot as a read-only view for the checks in mm/memmap.h. */
static inline struct memmap memmap_view(const struct efi_memmap_snapshot *s)
{
	return (struct memmap){ s->buf, s->map_size, s->desc_size, s->desc_version };
}

/* kernel/efi/efi_boot.c */
efi_status_t efi_read_load_options(struct boot_info *b, char *err, size_t err_size);
efi_status_t efi_read_memmap(struct boot_info *b, struct efi_memmap_snapshot *m);

/* kernel/efi/efi_args_file.c: arguments for a kernel booted from an ESP (docs/protocol.md) */
#define ARGS_FILE_NAME_ASCII "\\ccktf.args"
efi_status_t efi_read_args_file(struct boot_info *b, char *out, bool *found, char *err, size_t err_size);
bool args_file_normalize(const char *in, size_t n, char *out, size_t out_size, char *err, size_t err_size);
/* Reads the map into first and then second with no allocation between the two reads. */
efi_status_t efi_read_memmap_twice(struct boot_info *b, struct efi_memmap_snapshot *first,
				   struct efi_memmap_snapshot *second);
void efi_copy_config_tables(struct boot_info *b);
/* The configuration table with this GUID in the system table's list, or NULL. */
void *efi_config_table(const struct efi_system_table *st, efi_guid_t guid);
void *efi_allocate_pages(struct boot_info *b, u64 pages, u32 memory_type);
efi_status_t efi_exit_boot_services(struct boot_info *b);

/* kernel/efi/efi_secure_boot.c: reads the Secure Boot variables into b->secure_boot and prints them */
void efi_read_secure_boot(struct boot_info *b);

/* kernel/efi/efi_names.c */
const char *efi_guid_name(const efi_guid_t *guid);
const char *efi_memory_type_name(u32 type);
void efi_guid_format(const efi_guid_t *g, char *buf, size_t size);

#endif
