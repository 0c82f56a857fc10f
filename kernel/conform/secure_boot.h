/* SPDX-License-Identifier: MIT */
/*
 * The firmware's Secure Boot state, as the four globally defined variables say it (UEFI 2.10 section 3.3,
 * "Globally Defined Variables", Table 3-1; section 32.3, "Firmware/OS Key Exchange"), and the conformance
 * rules over them (SB-*, docs/conformance.md). Pure: the kernel reads the variables through GetVariable()
 * before ExitBootServices (kernel/efi/efi_secure_boot.c); tests/host/test_conform_secure_boot.c hands the
 * rules fake variables that break each one.
 */
#ifndef CCKTF_CONFORM_SECURE_BOOT_H
#define CCKTF_CONFORM_SECURE_BOOT_H

#include <ccktf/secure_boot_state.h>
#include <ccktf/types.h>
#include "conform/conform.h"

/* UEFI 2.10 section 8.2, GetVariable(): the attribute bits of a variable. */
#define EFI_VARIABLE_NON_VOLATILE 0x1u
#define EFI_VARIABLE_BOOTSERVICE_ACCESS 0x2u
#define EFI_VARIABLE_RUNTIME_ACCESS 0x4u
/* Table 3-1 gives all four variables "BS, RT" (SecureBoot and SetupMode also read-only): never NV. */
#define SB_VAR_ATTRIBUTES (EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS)
/* Table 3-1: each is a UINT8, 1 or 0 ("All other values are reserved"). */
#define SB_VAR_SIZE 1u

/* Modes of UEFI 2.10 section 32.3 (Figure 32-4): Setup, User, Audit, Deployed. */
enum sb_mode { SB_MODE_UNKNOWN, SB_MODE_SETUP, SB_MODE_USER, SB_MODE_AUDIT, SB_MODE_DEPLOYED };

const char *sb_var_name(enum sb_var_id id); /* "SecureBoot", as the variable is named */
const char *sb_var_key(enum sb_var_id id);  /* "secure_boot", the protocol's key */
#define SB_NAME_MAX 16 /* UCS-2 characters of the longest name ("DeployedMode") and its NUL, rounded up */
/* The variable's name as GetVariable()/SetVariable() take it: UCS-2, NUL-terminated (UEFI 2.10 8.2). */
void sb_var_name_ucs2(enum sb_var_id id, u16 out[SB_NAME_MAX]);
const char *sb_mode_name(enum sb_mode mode);
bool sb_var_present(const struct sb_var *v); /* GetVariable() succeeded */
/* 0 or 1 when the variable is present, 1 byte long and holds 0 or 1; else -1 (missing, odd size, reserved). */
int sb_var_bool(const struct sb_var *v);
/*
 * The mode the four variables name, or SB_MODE_UNKNOWN when any is unreadable or they contradict each other.
 * AuditMode and DeployedMode came with UEFI 2.5; firmware that has neither (both EFI_NOT_FOUND) is judged by
 * SetupMode alone, as UEFI 2.3.1 defined Setup and User mode.
 */
enum sb_mode sb_mode(const struct sb_state *s);

/* SB-001: every variable present is SB_VAR_SIZE bytes holding 0 or 1; a read that failed otherwise than
 * EFI_NOT_FOUND is an offender too. item.index is the enum sb_var_id, item.addr the size, item.type the
 * first byte. */
bool sb_rule_size_value(const struct sb_state *s, struct conform_finding *f);
/* SB-002: every variable present has exactly the attributes BS|RT. item.attribute holds the attributes. */
bool sb_rule_attributes(const struct sb_state *s, struct conform_finding *f);
/*
 * SB-003: the variables agree with each other (UEFI 2.10 section 32.3 mode transitions): SecureBoot=1 implies
 * SetupMode=0; AuditMode=1 implies SetupMode=1; DeployedMode=1 implies AuditMode=0 and SetupMode=0. An
 * implication is judged only when every variable it names reads 0 or 1; *judged counts those that were.
 * item.index is the implication (0..2), item.what says which.
 */
bool sb_rule_modes(const struct sb_state *s, unsigned *judged, struct conform_finding *f);
#define SB_IMPLICATIONS 3

/*
 * SB-004: Table 3-1 makes SecureBoot and SetupMode read-only, and SetVariable() answers a write to a read-only
 * variable EFI_WRITE_PROTECTED (section 8.2). The probe writes a variable only when it is present, one byte,
 * 0 or 1, one of those two, and its attributes are exactly BS|RT: its own value with those attributes. Any
 * other attributes are SB-002's finding and are never written back: attributes 0 make SetVariable() a delete
 * (section 8.2), NON_VOLATILE would write flash, APPEND_WRITE would grow it. A missing variable is never
 * written either: that would create it.
 */
bool sb_write_probe_wanted(enum sb_var_id id, const struct sb_var *v);
/* A probed variable reads back after the write exactly as before it: status, attributes, size, bytes. */
bool sb_var_unchanged(const struct sb_var *v);
/*
 * Every probed variable answered EFI_WRITE_PROTECTED and reads back unchanged; item.addr holds SetVariable()'s
 * status (a changed variable: item.what says so). *probed counts.
 */
bool sb_rule_read_only(const struct sb_state *s, unsigned *probed, struct conform_finding *f);

#endif
