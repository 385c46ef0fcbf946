/*
 * Starting and watching the file server (fsserv.h), from init's side. The
 * server gets two capabilities: a send capability to the device manager
 * (where it finds its disk) and a lifeline, a READ capability derived from
 * a notification the starter keeps, revoked when the starter ends however
 * it ends (then the server flushes and ends, as the manager does; this is
 * also how fsserv_stop asks it to). A thread of the
 * starter waits on the server and starts it again when it ends unasked,
 * as the manager does for its drivers; clients meanwhile get
 * E_NO_FILE_SERVER and their files' capabilities go stale.
 */
#include "fs/server/fsserv.h"
#include "drivers/lib/devmgr.h"
#include "include/abi/file.h"
#include "ipc.h"
#include "kestrel.h"

#define READY_PATIENCE_NS 20000000000ull /* the disk may still be starting */
#define WATCH_POLL_NS	  100000000ull
#define BACKOFF_FIRST_NS  100000000ull
#define RESTARTS_A_MINUTE 5
#define EXIT_NO_VOLUME	  2 /* the server's exit code when no disk holds FAT12 */

static struct {
	uint64_t proc;	   /* the server now; 0 while none runs */
	uint64_t lifeline; /* notification the server's lifeline is derived from */
	const char *disk;  /* "" for the first FAT12 volume */
	volatile bool stopping;
	unsigned restarts;
	uint64_t watcher;  /* thread capability */
	uint64_t given[2]; /* what the server has (derived from ours: revoked, its copies go) */
} srv;

/* The running (or last) server's capabilities go. */
static void revoke_given(void)
{
	for (unsigned i = 0; i < 2; i++)
		if (srv.given[i])
			sys_cap_revoke(srv.given[i]);
	srv.given[0] = srv.given[1] = 0;
}

static uint8_t watcher_stack[16384] __attribute__((aligned(16)));

/* One server process, started; its capability in *proc. */
static int spawn(uint64_t *proc)
{
	const char *img = getenv("KESTREL_IMAGE");
	if (!img || !devmgr_endpoint)
		return E_NOT_FOUND;
	char *end;
	const void *image = (const void *)strtoul(img, &end, 0);
	uint64_t image_size = strtoul(end + 1, NULL, 0);
	uint64_t mgr, life;
	long err = sys_cap_derive(devmgr_endpoint, RIGHT_WRITE | RIGHT_GRANT, &mgr);
	if (err)
		return (int)err;
	if ((err = sys_cap_derive(srv.lifeline, RIGHT_READ | RIGHT_GRANT, &life))) {
		sys_cap_revoke(mgr);
		return (int)err;
	}
	char args[48];
	size_t n = (size_t)snprintf(args, sizeof(args), "init%cfsserv%c%s", 0, 0, srv.disk);
	uint64_t caps[2] = {mgr, life};
	struct process_spec spec = {
	    .image = image,
	    .image_size = image_size,
	    .args = args,
	    .args_size = n + 1 - (srv.disk[0] ? 0 : 1),
	    .caps = caps,
	    .cap_count = 2,
	    .flags = PROCESS_MAP_IMAGE,
	};
	uint64_t pid;
	revoke_given();
	srv.given[0] = mgr;
	srv.given[1] = life;
	err = sys_process_create(&spec, &pid, proc);
	if (!err && (err = sys_process_start(*proc))) {
		sys_process_terminate(*proc, -1);
		sys_cap_revoke(*proc);
	}
	if (err)
		revoke_given();
	return (int)err;
}

/* Wait until the server answers by its name, or ends (no volume), or patience runs out. */
static int await_ready(uint64_t proc)
{
	uint64_t deadline = sys_clock() + READY_PATIENCE_NS;
	for (;;) {
		uint64_t conn;
		if (!xous_client_connect(FILE_SERVER_NAME, &conn)) {
			sys_cap_revoke(conn);
			return E_OK;
		}
		struct process_exit_info info;
		if (!sys_process_wait(proc, 20000000, &info))
			return info.exit_reason == EXIT_NORMAL && info.exit_code == EXIT_NO_VOLUME
				   ? E_NOT_FOUND
				   : E_PROCESS_TERMINATED;
		if (sys_clock() > deadline)
			return E_TIMEOUT;
	}
}

static void watch(uintptr_t unused)
{
	(void)unused;
	uint64_t backoff = BACKOFF_FIRST_NS, window = sys_clock();
	unsigned in_window = 0;
	while (!srv.stopping) {
		struct process_exit_info info;
		if (sys_process_wait(srv.proc, WATCH_POLL_NS, &info))
			continue; /* still running (or a timeout) */
		if (srv.stopping)
			break;
		printf("fsserv: the file server ended (reason %u, code %d): starting it again\n",
		       info.exit_reason, info.exit_code);
		sys_cap_revoke(srv.proc);
		srv.proc = 0;
		if (sys_clock() - window > 60000000000ull)
			window = sys_clock(), in_window = 0, backoff = BACKOFF_FIRST_NS;
		if (++in_window > RESTARTS_A_MINUTE) {
			printf("fsserv: %d restarts within a minute: giving up\n",
			       RESTARTS_A_MINUTE);
			break;
		}
		sys_sleep(backoff);
		backoff *= 2;
		uint64_t proc;
		if (spawn(&proc)) {
			printf("fsserv: could not start the file server again\n");
			break;
		}
		srv.proc = proc;
		srv.restarts++;
		await_ready(proc);
	}
	sys_thread_exit(0);
}

int fsserv_start(uint64_t *process)
{
	return fsserv_start_on("", process);
}

int fsserv_start_on(const char *disk, uint64_t *process)
{
	if (srv.proc || srv.watcher)
		return E_BUSY;
	if (strlen(disk) >= 16)
		return E_INVALID_PARAMETER;
	srv.disk = disk;
	srv.stopping = false;
	if (notification_create(&srv.lifeline))
		return E_OUT_OF_MEMORY;
	uint64_t proc;
	int err = spawn(&proc);
	if (!err && (err = await_ready(proc))) {
		struct process_exit_info info;
		sys_process_terminate(proc, -1);
		sys_process_wait(proc, 0, &info);
		sys_cap_revoke(proc);
	}
	uint64_t tid;
	if (!err)
		srv.proc = proc;
	if (!err && (err = (int)sys_thread_create(watch, watcher_stack, sizeof(watcher_stack), 0, 0,
						  &tid, &srv.watcher)))
		fsserv_stop(proc);
	if (err) {
		revoke_given();
		sys_cap_revoke(srv.lifeline);
		srv.lifeline = 0;
		return err;
	}
	*process = proc;
	return E_OK;
}

void fsserv_stop(uint64_t process)
{
	(void)process; /* the watcher may have replaced it: srv.proc is the one */
	srv.stopping = true;
	if (srv.watcher) {
		int code;
		sys_thread_join(srv.watcher, 0, &code);
		sys_cap_revoke(srv.watcher);
		srv.watcher = 0;
	}
	/* The lifeline goes: the server sees it within its poll, flushes and ends. */
	sys_cap_revoke(srv.lifeline);
	srv.lifeline = 0;
	srv.given[1] = 0; /* went with it */
	if (srv.proc) {
		struct process_exit_info info;
		if (sys_process_wait(srv.proc, 5000000000ull, &info)) {
			sys_process_terminate(srv.proc, -1);
			sys_process_wait(srv.proc, 0, &info);
		}
		sys_cap_revoke(srv.proc);
		srv.proc = 0;
	}
	revoke_given();
}

unsigned fsserv_restarts(void)
{
	return srv.restarts;
}

int fsserv_kill_for_test(void)
{
	return srv.proc ? (int)sys_process_terminate(srv.proc, -9) : E_NOT_FOUND;
}
