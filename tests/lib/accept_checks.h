/* SPDX-License-Identifier: MIT */
/*
 * Acceptance semantics as whole test bodies, shared by the acceptance suite (tests/accept) and the
 * conformance suite's AS-* checks (tests/conformance). Each takes fresh
 * units through take_units() and skips with the reason when the platform cannot show the behaviour.
 */
#ifndef TESTS_ACCEPT_CHECKS_H
#define TESTS_ACCEPT_CHECKS_H

#include "lib/accept_util.h"

/* TDX: a freshly accepted unit reads as zero (on a model, after poisoning it first). */
void accept_check_reads_zero(struct ktest *t);
/* Accepting an accepted unit is counted as already-accepted, succeeds, and leaves its contents alone. */
void accept_check_double_accept(struct ktest *t);
/* A host that maps 4 KiB pages makes a 2 MiB accept fail with a size mismatch; it is served at 4 KiB. */
void accept_check_size_mismatch_falls_back(struct ktest *t);

#endif
