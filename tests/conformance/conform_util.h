/* SPDX-License-Identifier: MIT */
/* Shared by the conformance suites: the gate, evidence lines with names, the firmware's own tables. */
#ifndef TESTS_CONFORM_UTIL_H
#define TESTS_CONFORM_UTIL_H

#include <ccktf/boot.h>
#include <ccktf/ktest.h>
#include <ccktf/platform.h>
#include "conform/conform.h"
#include "mm/unaccepted.h"

#define CONFORM_EVIDENCE_MAX 12 /* evidence lines per check; the rest are counted */

/* Both suites: NULL with conformance=1, else the reason to skip. */
const char *conform_skip_reason(void);

/* The final memory map (the one ExitBootServices accepted; on a model, as the model presents it). */
struct memmap conform_final_map(void);

/* A finding whose visitor prints one evidence line per offender (up to CONFORM_EVIDENCE_MAX). */
struct conform_evidence {
	struct ktest *t;
	struct conform_finding finding;
	const char *const *labels; /* optional: a label per item index (tables: "HobList (GUID)") */
};
void conform_evidence_init(struct conform_evidence *ev, struct ktest *t, const char *const *labels);
/* Fails t when the rule did not hold, saying how many offenders there were and "more" evidence if cut. */
void conform_expect_held(struct conform_evidence *ev, const char *rule);
/* Fails t with an mm_error's finding as evidence. */
void conform_expect_mm(struct ktest *t, bool held, const struct mm_error *e);

/* Configuration tables the FIRMWARE installed (copied before ccktf installed its own). */
u64 conform_table_count(void);
u64 conform_table_addr(u64 i);
/* "HobList 7739f24c-93d7-11d4-9a3a-0090273fc14d", or "unknown GUID ..." */
const char *conform_table_label(u64 i);
const char *const *conform_table_labels(void);
/* The firmware's table with this GUID, or NULL (ccktf's own unaccepted-memory table is not the firmware's). */
const void *conform_firmware_table(efi_guid_t guid);
/* Where addr lies: "BootServicesData [0x...-0x...)" into buf. */
const char *conform_where(const struct memmap *m, u64 addr, char *buf, size_t size);

/* Is this a guest of that kind (CC_ATTR_TDX_GUEST, CC_ATTR_SEV_SNP_GUEST) under its real firmware? A model
 * runs under ordinary OVMF, never the firmware a rule is about. */
bool conform_firmware_is(enum cc_attr guest);
bool conform_platform_is_model(void);
/* NULL when conform_firmware_is(guest), else why the rule does not apply ("not SEV-SNP firmware"). */
const char *conform_not_firmware_of(enum cc_attr guest, const char *firmware);

#endif
