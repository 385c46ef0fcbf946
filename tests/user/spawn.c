/* Children for the user tests (copies of init started with `child NAME [ARG]`), and waiting. */
#include "drivers/lib/devmgr.h"
#include "utest.h"

bool utest_image(const void **image, uint64_t *size)
{
	/* The kernel mapped our own image for us and said where (PROCESS_MAP_IMAGE). */
	const char *img = getenv("KESTREL_IMAGE");
	if (!img)
		return false;
	char *end;
	*image = (const void *)strtoul(img, &end, 0);
	*size = strtoul(end + 1, NULL, 0);
	return true;
}

bool utest_wait_blocked(uint64_t thread_cap)
{
	uint64_t end = sys_clock() + UTEST_PATIENCE_NS;
	struct thread_info ti;
	for (;;) {
		if (sys_thread_info(thread_cap, &ti))
			return false;
		if (ti.state == TS_BLOCKED)
			return true;
		if (sys_clock() > end)
			return false;
		sys_sleep(1000000);
	}
}

uint64_t utest_cap(unsigned i)
{
	return kestrel_given_cap(i);
}

long utest_start(const char *name, const char *arg, unsigned priority, uint64_t *cap)
{
	return utest_start_caps(name, arg, priority, NULL, 0, cap);
}

long utest_create(const char *name, const char *arg, unsigned priority, const uint64_t *caps,
		  unsigned ncaps, uint64_t *pid, uint64_t *cap)
{
	const void *image;
	uint64_t size;
	if (!utest_image(&image, &size))
		return E_NOT_FOUND;

	char args[96];
	size_t n = 0;
	const char *parts[] = {"init", "child", name, arg};
	for (unsigned i = 0; i < 4 && parts[i]; i++) {
		size_t len = strlen(parts[i]) + 1;
		if (n + len > sizeof(args))
			return E_INVALID_PARAMETER;
		memcpy(args + n, parts[i], len);
		n += len;
	}
	static const char env[] = "KESTREL_CHILD=1";
	struct process_spec spec = {
	    .image = image,
	    .image_size = size,
	    .args = args,
	    .args_size = n,
	    .env = env,
	    .env_size = sizeof(env),
	    .caps = caps,
	    .cap_count = ncaps,
	    .priority = priority,
	    .flags = PROCESS_MAP_IMAGE,
	};
	return sys_process_create(&spec, pid, cap);
}

long utest_start_caps(const char *name, const char *arg, unsigned priority, const uint64_t *caps,
		      unsigned ncaps, uint64_t *cap)
{
	uint64_t pid;
	long err = utest_create(name, arg, priority, caps, ncaps, &pid, cap);
	return err ? err : sys_process_start(*cap);
}

long utest_spawn(const char *name, const char *arg, unsigned priority,
		 struct process_exit_info *info)
{
	uint64_t cap;
	long err = utest_start(name, arg, priority, &cap);
	if (!err)
		err = sys_process_wait(cap, 0, info);
	return err;
}

int utest_devmgr_up(uint64_t *process)
{
	uint64_t ep;
	int err = devmgr_start(&ep, process);
	if (err)
		return err;
	/* Until every driver has come up (or been given up on): tests look devices up at once. */
	uint64_t end = sys_clock() + UTEST_PATIENCE_NS;
	for (;;) {
		bool settled = true;
		unsigned state;
		for (unsigned i = 0; !devmgr_list(ep, i, NULL, NULL, &state, NULL, NULL); i++)
			settled &= state != DEVSTATE_STARTING && state != DEVSTATE_RESTARTING &&
				   state != DEVSTATE_RUNNING;
		if (settled || sys_clock() > end)
			return E_OK;
		sys_sleep(5000000);
	}
}

void utest_devmgr_down(uint64_t process)
{
	devmgr_stop(process);
}
