// SPDX-License-Identifier: GPL-2.0
/*
 * mojofuzz: model mode (fuzz.h). Not written yet: every run fails.
 */
#include <stdio.h>

#include "fuzz.h"

int fz_model_run(const struct fz_opts *o, struct fz_run *run)
{
	run->ops = 0;
	fz_fail(o, 0, "model mode is not implemented");
	return -1;
}
