// SPDX-License-Identifier: GPL-2.0
/*
 * mojoctl: look inside mojoports (root).
 *
 *   mojoctl [graph]        the port graph: which processes hold which
 *                          ends of which pipe, what is queued where
 *   mojoctl state|stats|log  the module's debugfs files as they are
 *   mojoctl trace [-t SECONDS] [-n EVENTS]
 *                          follow the module's tracepoints live
 *
 * The graph is read from /sys/kernel/debug/mojoports/state (module
 * debugfs.h documents its lines); the trace from a tracefs instance of
 * its own, under /sys/kernel/tracing or /sys/kernel/debug/tracing.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEBUG_DIR	"/sys/kernel/debug/mojoports"

struct node {
	char name[40];
	int pid;
	char comm[32];
	unsigned int handles;
};

struct port {
	int node;		/* index in nodes[] */
	unsigned int handle;
	char id[24];
	char kind[16];
	char peer[24];		/* "none" when closed */
	char peer_state[16];
	unsigned int queued, peer_queued;
	unsigned long long queued_bytes, peer_queued_bytes;
	unsigned long long capacity, readable;
	bool shown;
};

static struct node *nodes;
static size_t nr_nodes, cap_nodes;
static struct port *ports;
static size_t nr_ports, cap_ports;

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 64;
	p = realloc(p, *cap * size);
	if (!p) {
		perror("mojoctl");
		exit(1);
	}
	return p;
}

/* The value of "key=" in a line of words, copied into @out. */
static bool word(const char *line, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);
	const char *p = line;

	while ((p = strstr(p, key))) {
		if ((p == line || p[-1] == ' ') && p[klen] == '=') {
			size_t n = strcspn(p + klen + 1, " \n");

			if (n >= len)
				n = len - 1;
			memcpy(out, p + klen + 1, n);
			out[n] = '\0';
			return true;
		}
		p += klen;
	}
	return false;
}

/*
 * Undo the module's escapes of a command name (debugfs.h): each byte it
 * escapes is written as a backslash and three octal digits.
 */
static void unescape(const char *in, char *out, size_t len)
{
	size_t n = 0;

	while (*in && n + 1 < len) {
		if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' &&
		    in[2] >= '0' && in[2] <= '7' && in[3] >= '0' && in[3] <= '7') {
			out[n++] = (char)((in[1] - '0') << 6 | (in[2] - '0') << 3 |
					  (in[3] - '0'));
			in += 4;
		} else {
			out[n++] = *in++;
		}
	}
	out[n] = '\0';
}

/*
 * A command name for the terminal: anyone may choose theirs, so
 * backslashes and bytes that are not printable ASCII are shown as C
 * escapes, and a name cannot start a line of its own.
 */
static const char *printable(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; *s && n + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\')
			n += snprintf(buf + n, len - n, "\\\\");
		else if (c == '\n')
			n += snprintf(buf + n, len - n, "\\n");
		else if (c == '\t')
			n += snprintf(buf + n, len - n, "\\t");
		else if (c < 0x20 || c >= 0x7f)
			n += snprintf(buf + n, len - n, "\\%03o", c);
		else
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return buf;
}

static unsigned long long num(const char *line, const char *key)
{
	char buf[32];

	return word(line, key, buf, sizeof(buf)) ? strtoull(buf, NULL, 10) : 0;
}

/* "a/b" of key=a/b. */
static void pair(const char *line, const char *key, unsigned int *a,
		 unsigned long long *b)
{
	char buf[48];

	*a = 0;
	*b = 0;
	if (word(line, key, buf, sizeof(buf)))
		sscanf(buf, "%u/%llu", a, b);
}

static int parse_state(void)
{
	FILE *f = fopen(DEBUG_DIR "/state", "r");
	char line[1024];

	if (!f) {
		fprintf(stderr, "mojoctl: %s/state: %s (root, debugfs mounted, module loaded?)\n",
			DEBUG_DIR, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "node ", 5)) {
			char comm[80];
			struct node *n;

			nodes = grow(nodes, &cap_nodes, nr_nodes, sizeof(*nodes));
			n = &nodes[nr_nodes++];
			memset(n, 0, sizeof(*n));
			sscanf(line + 5, "%39s", n->name);
			n->pid = (int)num(line, "pid");
			if (word(line, "comm", comm, sizeof(comm)))
				unescape(comm, n->comm, sizeof(n->comm));
			n->handles = (unsigned int)num(line, "handles");
		} else if (!strncmp(line, "  port ", 7) && nr_nodes) {
			struct port *p;

			ports = grow(ports, &cap_ports, nr_ports, sizeof(*ports));
			p = &ports[nr_ports++];
			memset(p, 0, sizeof(*p));
			p->node = (int)nr_nodes - 1;
			p->handle = (unsigned int)strtoul(line + 7, NULL, 10);
			word(line, "id", p->id, sizeof(p->id));
			word(line, "kind", p->kind, sizeof(p->kind));
			word(line, "peer", p->peer, sizeof(p->peer));
			word(line, "peer_state", p->peer_state,
			     sizeof(p->peer_state));
			pair(line, "queued", &p->queued, &p->queued_bytes);
			pair(line, "peer_queued", &p->peer_queued,
			     &p->peer_queued_bytes);
			p->capacity = num(line, "capacity");
			p->readable = num(line, "readable");
		}
	}
	fclose(f);
	return 0;
}

static struct port *find_port(const char *id)
{
	size_t i;

	for (i = 0; i < nr_ports; i++)
		if (!strcmp(ports[i].id, id))
			return &ports[i];
	return NULL;
}

static void print_end(const struct port *p)
{
	const struct node *n = &nodes[p->node];
	char comm[80];

	printf("pid %d (%s) node %.8s handle %u", n->pid,
	       printable(n->comm, comm, sizeof(comm)), n->name, p->handle);
}

static void print_queue(const struct port *p)
{
	const struct node *n = &nodes[p->node];

	if (!strcmp(p->kind, "msgpipe")) {
		if (p->queued)
			printf("    queued at pid %d handle %u: %u message%s, %llu bytes\n",
			       n->pid, p->handle, p->queued,
			       p->queued == 1 ? "" : "s", p->queued_bytes);
	} else if (!strcmp(p->kind, "consumer")) {
		printf("    ring of %llu bytes, %llu readable at pid %d handle %u\n",
		       p->capacity, p->readable, n->pid, p->handle);
	}
}

static int cmd_graph(void)
{
	char comm[80];
	size_t i;

	if (parse_state())
		return 1;
	printf("%zu node%s\n", nr_nodes, nr_nodes == 1 ? "" : "s");
	for (i = 0; i < nr_nodes; i++)
		printf("  node %s pid %d (%s), %u handle%s\n", nodes[i].name,
		       nodes[i].pid, printable(nodes[i].comm, comm, sizeof(comm)),
		       nodes[i].handles, nodes[i].handles == 1 ? "" : "s");
	printf("pipes\n");
	for (i = 0; i < nr_ports; i++) {
		struct port *p = &ports[i], *q;

		if (p->shown)
			continue;
		p->shown = true;
		q = find_port(p->peer);
		/* A data pipe is shown from its producer. */
		if (q && !strcmp(p->kind, "consumer")) {
			struct port *t = p;

			p = q;
			q = t;
		}
		printf("  %s: ", strcmp(p->kind, "msgpipe") ? "data pipe" :
		       "message pipe");
		print_end(p);
		printf(" <==> ");
		if (q) {
			q->shown = true;
			print_end(q);
			printf("\n");
			print_queue(p);
			print_queue(q);
		} else if (!strcmp(p->peer, "none") || !p->peer[0]) {
			printf("(closed)\n");
			print_queue(p);
		} else {
			printf("(%s, %u message%s, %llu bytes queued there)\n",
			       p->peer_state, p->peer_queued,
			       p->peer_queued == 1 ? "" : "s",
			       p->peer_queued_bytes);
			print_queue(p);
		}
	}
	return 0;
}

static int cmd_cat(const char *file)
{
	char path[128], buf[4096];
	int fd, ret = 0;
	ssize_t n;

	snprintf(path, sizeof(path), DEBUG_DIR "/%s", file);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "mojoctl: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (write(STDOUT_FILENO, buf, n) != n) {
			perror("mojoctl: write");
			ret = 1;
			break;
		}
	}
	if (n < 0) {
		fprintf(stderr, "mojoctl: %s: %s\n", path, strerror(errno));
		ret = 1;
	}
	close(fd);
	return ret;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *tracefs(void)
{
	static const char * const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[128];
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/events/mojoports", dirs[i]);
		if (!access(path, F_OK))
			return dirs[i];
	}
	return NULL;
}

static int write_file(const char *dir, const char *file, const char *s)
{
	char path[256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Print whole lines of @buf (@len bytes); keep a partial last line. */
static size_t print_lines(char *buf, size_t len, long *events, long max)
{
	char *p = buf, *nl;

	while ((nl = memchr(p, '\n', len - (p - buf)))) {
		fwrite(p, 1, nl + 1 - p, stdout);
		p = nl + 1;
		if (max && ++*events >= max) {
			stop = 1;
			break;
		}
	}
	fflush(stdout);
	if (stop)
		return 0;
	len -= p - buf;
	memmove(buf, p, len);
	return len;
}

/*
 * The events are enabled in a tracefs instance of our own
 * (instances/mojoctl.<pid>), with its own buffer: the global trace, and
 * whoever else traces, are left alone. It is removed at exit, and on
 * SIGINT and SIGTERM; a SIGKILL leaves it behind (rmdir it).
 */
static int cmd_trace(int argc, char **argv)
{
	double seconds = 0;
	long max_events = 0, events = 0;
	const char *dir = tracefs();
	char inst[160], path[200], buf[8192];
	struct timespec t0, t;
	struct sigaction sa;
	int opt, fd, ret;
	size_t len = 0;

	while ((opt = getopt(argc, argv, "t:n:")) != -1) {
		if (opt == 't') {
			seconds = atof(optarg);
		} else if (opt == 'n') {
			max_events = atol(optarg);
		} else {
			fprintf(stderr, "usage: mojoctl trace [-t SECONDS] [-n EVENTS]\n");
			return 2;
		}
	}
	if (!dir) {
		fprintf(stderr, "mojoctl: no tracefs with events/mojoports (mount tracefs; module loaded?)\n");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	snprintf(inst, sizeof(inst), "%s/instances/mojoctl.%d", dir, (int)getpid());
	if (mkdir(inst, 0700)) {
		fprintf(stderr, "mojoctl: %s: %s\n", inst, strerror(errno));
		return 1;
	}
	ret = write_file(inst, "events/mojoports/enable", "1");
	if (ret) {
		fprintf(stderr, "mojoctl: enable events: %s\n", strerror(-ret));
		rmdir(inst);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/trace_pipe", inst);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	if (fd < 0) {
		fprintf(stderr, "mojoctl: %s: %s\n", path, strerror(errno));
		write_file(inst, "events/mojoports/enable", "0");
		rmdir(inst);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (seconds > 0) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 >= seconds)
				break;
		}
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (len == sizeof(buf)) {
			/* A line longer than the buffer: print what we have. */
			fwrite(buf, 1, len, stdout);
			len = 0;
		}
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n <= 0)
			continue;
		len = print_lines(buf, len + n, &events, max_events);
	}
	close(fd);
	write_file(inst, "events/mojoports/enable", "0");
	if (rmdir(inst))
		fprintf(stderr, "mojoctl: rmdir %s: %s\n", inst, strerror(errno));
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mojoctl [graph]            the port graph\n"
		"       mojoctl state|stats|log    the debugfs files\n"
		"       mojoctl trace [-t SECONDS] [-n EVENTS]  follow the tracepoints\n");
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "graph";

	if (!strcmp(cmd, "graph"))
		return cmd_graph();
	if (!strcmp(cmd, "state") || !strcmp(cmd, "stats") || !strcmp(cmd, "log"))
		return cmd_cat(cmd);
	if (!strcmp(cmd, "trace"))
		return cmd_trace(argc - 1, argv + 1);
	usage();
	return !strcmp(cmd, "-h") || !strcmp(cmd, "--help") ? 0 : 2;
}
