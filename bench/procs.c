// SPDX-License-Identifier: GPL-2.0-only
/*
 * Process load for `make bench`:
 *   procs storm RATE SECONDS   fork+exec /bin/true RATE times a second; prints the count
 *   procs hold N               keeps N sleeping children until stdin closes
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int storm(long rate, double seconds)
{
	double start = now(), end = start + seconds;
	long done = 0;

	while (now() < end) {
		/* Paced: the i-th exec waits for its slot. */
		while (now() < start + (double)done / rate)
			;
		pid_t p = fork();

		if (p == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (p > 0)
			done++;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	while (wait(NULL) > 0)
		;
	printf("%ld %.3f\n", done, now() - start);
	return 0;
}

static int hold(long n)
{
	char c;

	for (long i = 0; i < n; i++) {
		pid_t p = fork();

		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			fprintf(stderr, "fork: only %ld children\n", i);
			break;
		}
	}
	printf("ready\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	signal(SIGTERM, SIG_IGN);
	kill(0, SIGTERM);
	while (wait(NULL) > 0)
		;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "storm"))
		return storm(atol(argv[2]), atof(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "hold"))
		return hold(atol(argv[2]));
	fprintf(stderr, "usage: procs storm RATE SECONDS | procs hold N\n");
	return 2;
}
