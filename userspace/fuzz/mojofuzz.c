// SPDX-License-Identifier: GPL-2.0
/*
 * mojofuzz: run seeds of the model or chaos fuzzer (fuzz.h), each in a
 * child process under a watchdog, and summarise.
 *
 *   mojofuzz [--mode MODES] [--seeds LIST] [--ops N]
 *            [--seconds S] [--trace-from N] [--tap] [-v]
 *
 * MODES is comma-separated modes (model, chaos, storm), "both" (model and
 * chaos) or "all". LIST is comma-separated seeds or ranges (1,5,10-20),
 * each run in every mode given. Each run prints
 *   FUZZ-SEED mode=<m> seed=<s> ops=<n> secs=<t> failures=<f> [status]
 * and the end
 *   FUZZ-SUMMARY mode=<m> ops=<n> ops_per_s=<r> seeds=<s> failures=<f>
 * With --tap the runs are also a TAP suite (one test per mode and seed),
 * which is how `make check` runs its bounded fuzz. Exit status: 0 when
 * no run failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

#define MAX_SEEDS	4096

/* What a child tells its parent at the end: ops done and failures. */
struct report {
	uint64_t ops;
	uint64_t failures;
};

/* Fill @modes from "model,chaos,storm" (or "both", "all"); their count. */
static int parse_modes(const char *arg, const char **modes)
{
	static const char *const all[] = { "model", "chaos", "storm" };
	int n = 0, i;

	if (!strcmp(arg, "both"))
		arg = "model,chaos";
	else if (!strcmp(arg, "all"))
		arg = "model,chaos,storm";
	for (i = 0; i < 3; i++) {
		const char *p = strstr(arg, all[i]);
		size_t len = strlen(all[i]);

		if (p && (p == arg || p[-1] == ',') && (!p[len] || p[len] == ','))
			modes[n++] = all[i];
	}
	/* Anything else in the list is a typo (each name has five letters). */
	return strlen(arg) == (size_t)(n ? n * 5 + n - 1 : 1) ? n : 0;
}

static int parse_seeds(const char *list, uint64_t *seeds)
{
	char *copy = strdup(list), *tok, *save = NULL, *dash;
	unsigned long long a, b;
	int n = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		dash = strchr(tok, '-');
		a = strtoull(tok, NULL, 0);
		b = dash ? strtoull(dash + 1, NULL, 0) : a;
		for (; a <= b && n < MAX_SEEDS; a++)
			seeds[n++] = a;
	}
	free(copy);
	return n;
}

/*
 * One seed in a child: a crash, a hang (killed after @limit seconds) or a
 * setup error is a failure of that seed, and the next seed starts clean.
 */
static int run_one(const struct fz_opts *o, double limit, struct report *rep,
		   const char **status)
{
	int fds[2], wstatus;
	double t0 = fz_now();
	pid_t pid;
	ssize_t n;

	memset(rep, 0, sizeof(*rep));
	*status = "";
	/*
	 * Non-blocking: the report is read once the child is gone, and a
	 * descendant that outlived it (chaos forks) may still hold the write
	 * end; no exec'ed program inherits it.
	 */
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		struct fz_run run = { 0 };
		int ret;

		close(fds[0]);
		if (!strcmp(o->mode, "model"))
			ret = fz_model_run(o, &run);
		else if (!strcmp(o->mode, "chaos"))
			ret = fz_chaos_run(o, &run);
		else
			ret = fz_storm_run(o, &run);
		if (ret)
			run.failures++;
		rep->ops = run.ops;
		rep->failures = run.failures;
		fflush(stdout);
		if (write(fds[1], rep, sizeof(*rep)) != sizeof(*rep))
			_exit(2);
		_exit(ret ? 3 : 0);
	}
	close(fds[1]);
	/* The watchdog: the child must finish within @limit seconds. */
	for (;;) {
		pid_t w = waitpid(pid, &wstatus, WNOHANG);

		if (w == pid)
			break;
		if (fz_now() - t0 > limit) {
			/* Stuck in the kernel, it may not even die: 30 s. */
			kill(pid, SIGKILL);
			for (n = 0; n < 1500 && waitpid(pid, &wstatus, WNOHANG) != pid; n++)
				usleep(20000);
			*status = n < 1500 ? "hang" : "hang-unkillable";
			wstatus = 0;
			break;
		}
		usleep(20000);
	}
	n = read(fds[0], rep, sizeof(*rep));
	close(fds[0]);
	if (!**status && WIFSIGNALED(wstatus))
		*status = "crash";
	if (!**status && n != sizeof(*rep))
		*status = "no-report";
	if (**status)
		rep->failures++;
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mojofuzz [--mode model,chaos,storm|both|all] [--seeds LIST] [--ops N]\n"
		"                [--seconds S] [--trace-from N] [--tap] [-v]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "seeds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 's' },
		{ "ops", required_argument, NULL, 'o' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "trace-from", required_argument, NULL, 't' },
		{ "tap", no_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	static uint64_t seeds[MAX_SEEDS];
	const char *modes[3], *seed_list = "1", *mode_arg = "model";
	struct fz_opts o = { .ops = 10000 };
	uint64_t total_ops = 0, total_fail = 0;
	int c, nmodes, nseeds, i, m, tap = 0, testno = 0;
	double t0, secs;

	modes[0] = "model";
	nmodes = 1;
	while ((c = getopt_long(argc, argv, "v", lopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mode_arg = optarg;
			nmodes = parse_modes(optarg, modes);
			if (!nmodes)
				usage();
			break;
		case 's':
			seed_list = optarg;
			break;
		case 'o':
			o.ops = strtoull(optarg, NULL, 0);
			break;
		case 'S':
			o.seconds = strtod(optarg, NULL);
			break;
		case 't':
			o.trace_from = strtoull(optarg, NULL, 0);
			break;
		case 'T':
			tap = 1;
			break;
		case 'v':
			o.verbose++;
			break;
		default:
			usage();
		}
	}
	nseeds = parse_seeds(seed_list, seeds);
	if (!nseeds)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (tap)
		printf("TAP version 13\n1..%d\n", nmodes * nseeds);

	t0 = fz_now();
	for (m = 0; m < nmodes; m++) {
		for (i = 0; i < nseeds; i++) {
			/* Generous: TCG and a debug kernel are slow. */
			double limit = (o.seconds ? o.seconds * 3 : 0) + 300;
			struct report rep;
			const char *status;
			double ts = fz_now();

			o.mode = modes[m];
			o.seed = seeds[i];
			if (run_one(&o, limit, &rep, &status)) {
				rep.failures = 1;
				status = "fork-failed";
			}
			printf("FUZZ-SEED mode=%s seed=%llu ops=%llu secs=%.1f failures=%llu %s\n",
			       o.mode, (unsigned long long)o.seed,
			       (unsigned long long)rep.ops, fz_now() - ts,
			       (unsigned long long)rep.failures, status);
			if (tap)
				printf("%s %d %s seed %llu\n",
				       rep.failures ? "not ok" : "ok", ++testno,
				       o.mode, (unsigned long long)o.seed);
			total_ops += rep.ops;
			total_fail += rep.failures;
		}
	}
	secs = fz_now() - t0;
	printf("FUZZ-SUMMARY mode=%s ops=%llu ops_per_s=%.0f seeds=%d failures=%llu\n",
	       mode_arg, (unsigned long long)total_ops,
	       secs > 0 ? total_ops / secs : 0.0, nmodes * nseeds,
	       (unsigned long long)total_fail);
	return total_fail ? 1 : 0;
}
