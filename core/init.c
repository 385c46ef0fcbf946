#include "core/init.h"
#include "core/kprintf.h"

extern const char init_image[], init_image_end[];

int init_create(const char *args, size_t args_size, const char *env, size_t env_size,
		unsigned priority, struct process **out)
{
	struct process_spec spec = {
	    .image = init_image,
	    .image_size = (uint64_t)(init_image_end - init_image),
	    .args = args,
	    .args_size = args_size,
	    .env = env,
	    .env_size = env_size,
	    .priority = priority,
	    .flags = PROCESS_MAP_IMAGE,
	};
	int err = process_create(NULL, &spec, out);
	/*
	 * Every I/O port (object id: first port 0, 0x10000 ports), which the
	 * x86_64 r2 port calls check; init grants it on as it sees fit.
	 */
	if (err)
		return err;
	err = create_capability(&(*out)->caps, OBJ_IO_PORTS, 0x10000ull << 16,
				RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT, NULL);
	if (err) {
		process_terminate(*out, -1, EXIT_TERMINATED, 0);
		process_detach(*out);
	}
	return err;
}

void init_run(void)
{
	static const char args[] = "init";
	struct process *p;
	struct process_exit_info info;
	int err = init_create(args, sizeof(args), NULL, 0, PRIO_NORMAL, &p);
	if (!err)
		err = process_start(p);
	if (!err)
		err = process_wait(p, 0, &info);
	if (err)
		pr_err("init: could not run (%d)", err);
	else
		pr_info("init: exited with code %d (reason %u)", info.exit_code, info.exit_reason);
}
