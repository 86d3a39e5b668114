// SPDX-License-Identifier: GPL-2.0
/*
 * hacc_model_fault PF NAME BITMAP: set a fault-injection bitmap of the QEMU
 * QM model through its control window (PF BAR 4), e.g. "cache-wb 0x2" makes
 * VF 1's cache write-back never complete; 0 clears it.  The job faults
 * (job-error, lost-irq, latency, dma, hold) are one-shot: they hit the next
 * job the function fetches; latency-ns takes a value (ns), not a bitmap.  For
 * run-in-guest.sh (guests have no /dev/mem).
 *
 * hacc_model_fault PF mb-128: with the model's x-mb-128 on, check that every
 * function took its mailbox commands as one 128-bit store each (no form
 * error) and that the PF and at least one VF sent any: exit 0, else 1 with
 * the counts; 4 (a kselftest skip) when x-mb-128 is off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hacc_sys.h"
#include "hacc_vfio.h"

#if __has_include("hacc-model-ctl.h")
#include "hacc-model-ctl.h"

static const struct {
	const char *name;
	unsigned int off;
} faults[] = {
	{ "mb-busy", HACC_CTL_FAULT_MB_BUSY },
	{ "mb-error", HACC_CTL_FAULT_MB_ERROR },
	{ "cache-wb", HACC_CTL_FAULT_CACHE_WB },
	{ "vf-state", HACC_CTL_FAULT_VF_STATE },
	{ "abnormal", HACC_CTL_FAULT_ABNORMAL },
	{ "job-error", HACC_CTL_FAULT_JOB_ERROR },
	{ "lost-irq", HACC_CTL_FAULT_LOST_IRQ },
	{ "latency", HACC_CTL_FAULT_LATENCY },
	{ "dma", HACC_CTL_FAULT_DMA },
	{ "latency-ns", HACC_CTL_FAULT_LATENCY_NS },
	{ "hold", HACC_CTL_FAULT_HOLD },
};

static int check_mb_128(const char *pf)
{
	unsigned long long cmds, bad, vf_cmds = 0, pf_cmds = 0, errors = 0;
	struct hl_model m;
	unsigned int fn, n;

	if (hl_model_open(&m, pf)) {
		fprintf(stderr, "mb-128: %s\n", hl_last_error());
		return 1;
	}
	if (!hl_model_read(&m, HACC_CTL_MB_128)) {
		hl_model_close(&m);
		printf("%s: the model runs without x-mb-128: nothing to check\n", pf);
		return 4;
	}
	n = hl_model_read(&m, HACC_CTL_NUM_FUNCS);
	for (fn = 0; fn < n; fn++) {
		cmds = hl_model_fn_counter(&m, fn, HACC_CTL_MB_TOTAL);
		bad = hl_model_fn_counter(&m, fn, HACC_CTL_MB_FORM_ERRORS);
		printf("function %u: %llu mailbox commands, %llu writes not one 128-bit store\n",
		       fn, cmds, bad);
		errors += bad;
		if (fn)
			vf_cmds += cmds;
		else
			pf_cmds = cmds;
	}
	hl_model_close(&m);
	if (!pf_cmds || !vf_cmds)
		printf("no mailbox command seen on the %s: nothing was checked\n",
		       pf_cmds ? "VFs" : "PF");
	return errors || !pf_cmds || !vf_cmds;
}

int main(int argc, char **argv)
{
	struct hl_model m;
	unsigned long long bits;
	char *end;
	size_t i;

	if (argc == 3 && !strcmp(argv[2], "mb-128"))
		return check_mb_128(argv[1]);
	if (argc != 4) {
		fprintf(stderr, "usage: %s PF NAME BITMAP\n"
			"  NAME: mb-busy mb-error cache-wb vf-state abnormal job-error lost-irq\n"
			"        latency dma; latency-ns takes a value in ns\n"
			"       %s PF mb-128\n", argv[0], argv[0]);
		return 2;
	}
	bits = strtoull(argv[3], &end, 0);
	if (*end || end == argv[3]) {
		fprintf(stderr, "%s: bad bitmap '%s'\n", argv[0], argv[3]);
		return 2;
	}
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		if (!strcmp(argv[2], faults[i].name))
			break;
	if (i == sizeof(faults) / sizeof(faults[0])) {
		fprintf(stderr, "%s: unknown fault '%s'\n", argv[0], argv[2]);
		return 2;
	}
	if (hl_model_open(&m, argv[1])) {
		fprintf(stderr, "%s: %s\n", argv[0], hl_last_error());
		return 1;
	}
	hl_model_write(&m, faults[i].off, bits);
	bits = hl_model_read(&m, faults[i].off);
	hl_model_close(&m);
	printf("%s fault %s = %#llx\n", argv[1], argv[2], bits);
	return 0;
}
#else
int main(void)
{
	fprintf(stderr, "built without tools/qemu/hacc-model-ctl.h\n");
	return 1;
}
#endif
