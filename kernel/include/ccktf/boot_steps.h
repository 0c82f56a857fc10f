/* SPDX-License-Identifier: MIT */
/*
 * The steps both entries into the kernel share (kernel/boot_steps.c): the EFI entry (kernel/efi/efi_main.c,
 * boot services still up) and the 64-bit boot-protocol entry (arch/x86/boot/boot64.c, after a previous
 * stage called ExitBootServices). Each entry gathers what it can into boot_info, then runs these.
 */
#ifndef CCKTF_BOOT_STEPS_H
#define CCKTF_BOOT_STEPS_H

#include <ccktf/boot.h>

/* Prints "# ccktf: usage error: MSG" and the valid keys, exits usage-error. */
__noreturn void boot_usage_error(const char *msg);
/* b->args.text holds the argument text: prints it, parses it and checks the selection (usage error
 * otherwise). */
void boot_parse_args(struct boot_info *b);
/* Selects the platform args named (usage error otherwise) and prints the version line. */
void boot_select_platform(struct boot_info *b);
/* Prints b->config_tables as "# config tables: N" and one line each (GUID, address, name). */
void boot_print_config_tables(const struct boot_info *b);
/* Fills b->config_tables (at most BOOT_MAX_CONFIG_TABLES; config_table_total keeps count) from count
 * EFI_CONFIGURATION_TABLEs at array, read as bytes: the system table's list or the array a boot-protocol
 * loader named (kernel/boot/config_tables.c). */
void boot_set_config_tables(struct boot_info *b, const u8 *array, u64 count);
/* The table with this GUID among b->config_tables, or NULL; works after either entry (b->st may be NULL). */
void *boot_config_table(const struct boot_info *b, efi_guid_t guid);

#endif
