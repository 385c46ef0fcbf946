#include "cap/cap.h"
#include "arch/hal/cpu.h"
#include "core/init.h"
#include "core/kprintf.h"
#include "core/kstring.h"
#include "mm/heap.h"
#include "mm/phys.h"
#include "mm/pmm.h"

extern const char init_image[], init_image_end[];

/*
 * The page `init test` maps through an MMIO capability (the user test
 * xous_physical_memory_needs_a_capability), whoever starts the suite: the
 * kernel suite's user_suite or the shell's `run test`. One frame, taken at
 * the first such run and kept for the next ones; 0 until then.
 */
static uint64_t test_page;

#define TEST_PATTERN 0x5a5a0000ull

uint64_t init_test_page(void)
{
	return test_page;
}

/* True when the NUL-separated arguments are `init test ...` (init's main tests argv[1]). */
static bool is_test_run(const char *args, size_t size)
{
	size_t first = strnlen(args, size) + 1;
	return first + sizeof("test") <= size && !memcmp(args + first, "test", sizeof("test"));
}

/*
 * For a test run: the page filled with its pattern, and `env` followed by
 * KESTREL_TEST_PHYS=<its address> in a new buffer (the caller frees it).
 */
static int test_env(const char *env, size_t env_size, char **out, size_t *out_size)
{
	if (!test_page) {
		uint64_t frame;
		int err = allocate_frames(1, ZONE_NORMAL, &frame);
		if (err)
			return err;
		test_page = frame * FRAME_SIZE;
	}
	char *buf = kmalloc(env_size + 48);
	if (!buf)
		return E_OUT_OF_MEMORY;
	/*
	 * The user maps the page uncached while the kernel wrote it through the
	 * cached direct map: fine under QEMU, which models no caches (real
	 * hardware would want the lines cleaned first).
	 */
	uint64_t *k = phys_to_virt(test_page);
	for (unsigned i = 0; i < FRAME_SIZE / sizeof(*k); i++)
		k[i] = TEST_PATTERN + i;
	if (env_size)
		memcpy(buf, env, env_size);
	int n =
	    ksnprintf(buf + env_size, 48, "KESTREL_TEST_PHYS=%#llx", (unsigned long long)test_page);
	*out = buf;
	*out_size = env_size + (size_t)n + 1;
	return E_OK;
}

int init_create(const char *args, size_t args_size, const char *env, size_t env_size,
		unsigned priority, struct process **out)
{
	char *own_env = NULL;
	bool test = is_test_run(args, args_size);
	/*
	 * The test page, the allocators and the capability table are shared:
	 * interrupts off throughout (the shell calls this with them on).
	 */
	irqflags_t irq = arch_irq_save();
	if (test) {
		int err = test_env(env, env_size, &own_env, &env_size);
		if (err) {
			arch_irq_restore(irq);
			return err;
		}
		env = own_env;
	}
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
	kfree(own_env);
	if (err) {
		arch_irq_restore(irq);
		return err;
	}
	/*
	 * Every I/O port (object id: first port 0, 0x10000 ports), which the
	 * x86_64 r2 port calls check; init grants it on as it sees fit. A test
	 * run also maps the test page, and only that page.
	 */
	err = create_capability(&(*out)->caps, OBJ_IO_PORTS, 0x10000ull << 16,
				RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT, NULL);
	if (!err && test)
		err = create_capability(&(*out)->caps, OBJ_MMIO, test_page,
					RIGHT_MAP | RIGHT_READ | RIGHT_WRITE, NULL);
	if (err) {
		process_terminate(*out, -1, EXIT_TERMINATED, 0);
		process_detach(*out);
	}
	arch_irq_restore(irq);
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
