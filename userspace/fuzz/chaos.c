// SPDX-License-Identifier: GPL-2.0
/*
 * mojofuzz: chaos mode (fuzz.h). Not written yet: every run fails.
 */
#include <stdio.h>

#include "fuzz.h"

int fz_chaos_run(const struct fz_opts *o, struct fz_run *run)
{
	run->ops = 0;
	fz_fail(o, 0, "chaos mode is not implemented");
	return -1;
}
