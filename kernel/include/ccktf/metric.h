/* SPDX-License-Identifier: MIT */
/*
 * Metric lines (docs/protocol.md, "Metric lines"): one machine-readable diagnostic per figure, always
 * naming the platform it was measured on, so a model's figure never reads as a hardware figure.
 *   # metric: name=NAME value=NUMBER unit=UNIT platform=PLATFORM [key=value ...]
 */
#ifndef CCKTF_METRIC_H
#define CCKTF_METRIC_H

#include <ccktf/types.h>

/* value / 10^decimals, printed with exactly that many decimals; extra: "key=value ..." or NULL. */
void metric_fixed(const char *name, u64 value, unsigned decimals, const char *unit, const char *extra);
/* lava=1: every metric is also printed as a flat "# lava:" result line (docs/protocol.md). */
void metric_set_flat(bool on);
void metric_u64(const char *name, u64 value, const char *unit, const char *extra);

#endif
