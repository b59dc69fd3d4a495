// SPDX-License-Identifier: GPL-2.0-only
/* whoflow serve: the HTTP API over a store, no BPF (see cmd_serve.h). */
#include <pwd.h>
#include <signal.h>
#include <unistd.h>
#include "api.h"
#include "cmd_serve.h"
#include "log.h"
#include "privs.h"

#define API_LISTEN_DEFAULT "127.0.0.1:8080"
#define API_TOKEN_DEFAULT "/var/lib/whoflow/api.token"

static volatile sig_atomic_t serve_stop;

static void serve__signal(int sig)
{
	serve_stop = 1;
}

/* Gives up root: the supplementary groups, the group, the user, every capability,
 * and any way back (no_new_privs). */
static int serve__drop(const char *name)
{
	struct passwd *pw = getpwnam(name);

	if (privs__become(name, 0, false))
		return -1;
	if (pw && pw->pw_uid)
		pr_info("running as %s (uid %u), no capabilities\n", name, pw->pw_uid);
	return 0;
}

void cmd__api_config(const struct config *cfg, struct api_config *out)
{
	out->listen = cfg->api_listen ? cfg->api_listen : API_LISTEN_DEFAULT;
	out->db_path = cfg->db_path;
	out->token_file = cfg->api_token_file ? cfg->api_token_file : API_TOKEN_DEFAULT;
	out->allow_write = cfg->api_allow_write;
}

int cmd__serve(struct config *cfg)
{
	struct sigaction sa = { .sa_handler = serve__signal };
	struct api_config ac;
	sigset_t block, old;
	struct api *api;

	if (!cfg->db_path) {
		pr_say("serve needs the store to read: --db PATH (a file whoflow --db made)\n");
		return 2;
	}
	if (access(cfg->db_path, R_OK)) {
		pr_say("cannot read the store %s: %m\n", cfg->db_path);
		return 1;
	}
	cmd__api_config(cfg, &ac);
	ac.pool = true; /* the store stays readable once the rights to open it are gone */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* The signals wait, blocked, for sigsuspend: none slips in before it. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (api__start(&api, &ac))
		return 1;
	/* Nothing left that needs root: the port is bound, the token read, the store open. */
	if ((cfg->run_user || !geteuid()) &&
	    serve__drop(cfg->run_user ? cfg->run_user : "nobody")) {
		api__stop(api);
		return 1;
	}
	pr_say("ready\n");
	while (!serve_stop)
		sigsuspend(&old);
	api__stop(api);
	return 0;
}
