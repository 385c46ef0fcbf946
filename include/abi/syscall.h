/*
 * System calls, shared by the kernel and user space: the numbers and the
 * structures that cross the boundary. One model on every arch
 * (docs/design.md, "System calls"): a number and up to seven word
 * arguments in; a tag (0 or an enum kerror) and up to seven word results
 * out. The VeridianOS numbers of the Kernel API are kept exactly; the
 * rest take numbers in ranges:
 *
 *   1..63     VeridianOS Kernel API (and the calls it implies: terminate,
 *             thread info, yield, priority, sleep, clock, validate)
 *   64..127   Xous (processes, memory, servers, messages)
 *   128..191  shared regions, metrics, debug
 *   192..255  Driver API
 *
 * Arguments and results of each call, "in -> out" (r0.. are the results):
 */
#ifndef ABI_SYSCALL_H
#define ABI_SYSCALL_H

#include <stdint.h>

enum syscall_number {
	SYS_EXIT = 1,	/* code -> (never returns): ends the calling process */
	SYS_READ = 2,	/* fd (0: the console, or a file cap), buf, len -> r0 bytes; on
			   the console len 0 waits for nothing: it reads a polled device */
	SYS_WRITE = 3,	/* fd (1, 2: the console, or a file cap), buf, len -> r0 bytes */
	SYS_MMAP = 4,	/* addr (0: anywhere), len, prot (PROT_*) -> r0 addr, r1 memory cap */
	SYS_MUNMAP = 5, /* addr, len -> */
	/* Files (include/abi/file.h says what each takes). */
	SYS_OPEN = 6,
	SYS_SEEK = 7,
	SYS_CLOSE = 8,
	SYS_FILE_CALL = 9,
	/*
	 * IPC (include/abi/ipc.h): `info` is a message info word, w0..w3 the
	 * message's words 0..3; a delivered message comes back as r0 info,
	 * r1 reply token, r2 sender pid, r3..r6 words 0..3.
	 */
	SYS_IPC_SEND = 10,	      /* endpoint or channel cap (WRITE), info, 0, w0..w3 -> */
	SYS_IPC_RECEIVE = 11,	      /* endpoint cap (READ), MSG_TIMEOUT_MS(0, ms) -> message */
	SYS_IPC_CALL = 12,	      /* as SYS_IPC_SEND -> the reply */
	SYS_IPC_REPLY = 13,	      /* reply token, info, endpoint cap to receive on next
					  (0: none), w0..w3 -> (the next message) */
	SYS_IPC_ENDPOINT_CREATE = 14, /* -> r0 endpoint id, r1 endpoint cap */
	SYS_IPC_CHANNEL_CREATE = 15,  /* endpoint cap, endpoint cap (WRITE both) ->
					  r0 channel id, r1 cap sending to the second,
					  r2 cap sending to the first */
	SYS_IPC_CHANNEL_CLOSE = 16,   /* channel cap (DELETE) -> */
	SYS_IPC_BUFFER = 17,	      /* -> r0 the calling thread's struct ipc_buffer */
	SYS_PROCESS_CREATE = 20,      /* struct process_spec * -> r0 pid, r1 process cap */
	SYS_PROCESS_START = 21,	      /* process cap (EXECUTE) -> */
	SYS_PROCESS_WAIT =
	    22, /* process cap (READ), timeout ns (0: none), struct process_exit_info * -> */
	SYS_PROCESS_TERMINATE = 23,  /* process cap (DELETE), exit code -> */
	SYS_THREAD_SET_POINTER = 24, /* pointer (a user address) -> : the calling thread's
					thread pointer: FS base, TPIDR_EL0, tp */
	SYS_THREAD_CREATE =
	    25, /* entry, stack base, stack size, arg, priority -> r0 tid, r1 thread cap */
	SYS_THREAD_EXIT = 26,	      /* code -> (never returns) */
	SYS_THREAD_JOIN = 27,	      /* thread cap (READ), timeout ns (0: none) -> r0 exit code */
	SYS_THREAD_INFO = 28,	      /* thread cap (READ) or 0 (self), struct thread_info * -> */
	SYS_THREAD_SELF = 29,	      /* -> r0 tid (the null system call of the benchmarks) */
	SYS_CAPABILITY_CREATE = 30,   /* object type, object id, rights -> r0 token */
	SYS_CAPABILITY_DERIVE = 31,   /* token, rights -> r0 token */
	SYS_CAPABILITY_REVOKE = 32,   /* token -> */
	SYS_CAPABILITY_VALIDATE = 33, /* token, rights -> r0 type, r1 object id, r2 rights,
					 r3 extent (hardware ranges, include/abi/hw.h) */
	SYS_CAPABILITY_NEXT = 34,     /* type, cursor (0: first) -> r0 token, r1 next cursor,
					 r2 object id, r3 extent, r4 rights: the caller's own
					 capabilities of that type, one a call; E_NOT_FOUND past
					 the last (how init finds its root capabilities) */
	SYS_YIELD = 40,		      /* -> */
	SYS_SET_PRIORITY = 41,	      /* thread cap (WRITE) or 0 (self), priority -> */
	SYS_SLEEP = 42,		      /* ns -> (blocks with BLOCK_SLEEP and that timeout) */
	SYS_CLOCK = 43,		      /* CLOCK_* (0: monotonic) -> r0 ns */
	SYS_SET_AFFINITY = 44,	      /* thread cap (WRITE) or 0 (self), CPU mask -> */
	/*
	 * Power (core/hw.c), with the root device capability and WRITE (init's;
	 * the description's readers have READ only). POWER_OFF from the power
	 * watcher, or with none, powers off at once with that status; from
	 * anyone else it signals the watcher (which stops the drivers, then
	 * calls POWER_OFF itself) and returns, the kernel powering off anyway
	 * POWER_GRACE_MS later. POWER_WATCH makes the caller the watcher (one:
	 * E_BUSY while another lives), its notification's bit signalled at a
	 * power-off request, from a process or from the kernel shell.
	 */
	SYS_POWER_OFF = 45,   /* root cap, status -> */
	SYS_POWER_WATCH = 46, /* root cap, notification cap (WRITE), bit -> */
	/*
	 * Console: while a process holds the break (one at a time, E_BUSY for
	 * another), Ctrl-C on the console is taken out of the input and
	 * signals `bit` of its notification; cap 0 gives the break back, and
	 * so does the holder's end.
	 */
	SYS_CONSOLE_BREAK = 47, /* notification cap (WRITE) or 0, bit -> */
	/*
	 * Xous (ipc/xous.c). Pids name processes, as in Xous; a process may
	 * suspend, resume and terminate only its children. Messages come back
	 * in the Xous layout: r0 reply token (0: no reply wanted), r1 kind
	 * (enum message_type), r2 message id, r3..r6 arguments.
	 */
	SYS_XOUS_PROCESS_SPAWN = 64,	 /* code addr, load addr, size (pages) -> r0 pid, r1 cap */
	SYS_XOUS_PROCESS_YIELD = 65,	 /* -> */
	SYS_XOUS_PROCESS_SUSPEND = 66,	 /* pid, cpu (0) -> */
	SYS_XOUS_PROCESS_RESUME = 67,	 /* pid -> (starts a spawned child) */
	SYS_XOUS_PROCESS_TERMINATE = 68, /* pid -> */
	SYS_XOUS_INTERRUPT_CLAIM = 69,	 /* irq, server id -> (interrupts arrive as messages) */
	SYS_XOUS_MEMORY_ALLOCATE = 70,	 /* phys (0: any), virt (0: any), size, MMIO cap -> r0 */
	SYS_XOUS_HEAP_RESIZE = 71,	 /* size -> r0 heap base, r1 size */
	SYS_XOUS_SERVER_CREATE = 72,	 /* name, length -> r0 server id (an endpoint cap) */
	SYS_XOUS_SERVER_RECEIVE = 73,	 /* server id -> message */
	SYS_XOUS_SERVER_REPLY = 74,	 /* reply token, server id to receive on next (0: none),
					    r0..r4 -> (the next message) */
	SYS_XOUS_CLIENT_CONNECT = 75,	 /* name, length -> r0 connection (an endpoint cap) */
	SYS_XOUS_CLIENT_SEND = 76,	 /* connection, kind | ms << 32, id, a1..a4 -> r1 kind,
					    r2..r6 the reply's scalars */

	/* Shared regions: prot is PROT_READ | PROT_WRITE; mode is SHM_* below. */
	SYS_SHARED_REGION_CREATE = 128,	  /* size, prot -> r0 region id, r1 cap */
	SYS_SHARED_REGION_MAP = 129,	  /* cap (MAP), addr (0: any), prot (0: cap's) -> r0 addr */
	SYS_SHARED_REGION_TRANSFER = 130, /* cap (GRANT), process cap (GRANT), mode -> r0 token */

	SYS_KERNEL_METRICS = 160,     /* struct kernel_metrics * -> */
	SYS_PROCESS_INFO = 161,	      /* index, struct process_info * -> : the index-th of
					 every process (0: the newest), E_NOT_FOUND past
					 the last; for `ps`, a snapshot a call at a time */
	SYS_DEBUG_PRINT = 170,	      /* buf, len -> */
	SYS_DEBUG_DUMP_PROCESS = 171, /* pid (0: self) -> */
	SYS_DEBUG_DUMP_MEMORY = 172,  /* -> */
	SYS_DEBUG_DUMP_IPC = 173,     /* -> */
	SYS_DEBUG_TRACE = 174,	      /* on (0/1) -> : one console line per system call */
	/*
	 * Driver API (ipc/notify.c). A notification is a word of pending bits:
	 * signal ORs bits in (WRITE), wait and poll take and clear them all
	 * (READ); one waiter gets them, first come first served.
	 */
	SYS_NOTIFICATION_CREATE = 192, /* -> r0 notification cap (READ WRITE GRANT DELETE) */
	SYS_NOTIFICATION_SIGNAL = 193, /* cap (WRITE), bits -> */
	SYS_NOTIFICATION_WAIT = 194,   /* cap (READ), timeout ns (0: none) -> r0 bits */
	SYS_NOTIFICATION_POLL = 195,   /* cap (READ) -> r0 bits (0: none pending) */
	/* Hardware capabilities of the Driver API: include/abi/hw.h says what each takes. */
	SYS_INTERRUPT_BIND = 196,
	SYS_INTERRUPT_ACK = 197,
	SYS_INTERRUPT_UNBIND = 198,
	SYS_MMIO_MAP = 200,
	SYS_PORT_IN = 202,
	SYS_PORT_OUT = 203,
	SYS_CAPABILITY_DERIVE_RANGE = 204,
	SYS_KEYBOARD_INPUT = 205, /* interrupt cap (WRITE) covering the PS/2 keyboard's line,
				     scancodes (byte 0 first), count 1..8 -> : its driver's */
	SYS_DMA_ALLOC = 208,
	SYS_DMA_PIN = 209,
	SYS_DMA_RELEASE = 210,
	SYS_PCI_CONFIG_READ = 212,
	SYS_PCI_CONFIG_WRITE = 213,
	SYS_PCI_INTERRUPT = 214,
	SYS_PCI_MSI_ALLOC = 215,
	SYS_MACHINE_INFO = 216,
	SYS_COUNT = 256,
};

enum {
	PROCESS_MAP_IMAGE = 1u << 0, /* also map the image, read-only (env KESTREL_IMAGE) */
	PROCESS_FLAT = 1u << 1,	     /* the image is code to run at load_address, not an ELF */
};

/* SYS_CLOCK: since boot, or since 1970-01-01 00:00 UTC (the machine's real-time clock). */
enum { CLOCK_MONOTONIC = 0, CLOCK_REALTIME = 1 };

/* SYS_MMAP protections (never writable and executable at once). */
enum { PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4 };

/*
 * SYS_SHARED_REGION_TRANSFER modes (TransferMode of the Kernel API). Move:
 * the region vanishes from the sender (its mappings and capabilities);
 * Share: both hold it; CopyOnWrite: the target gets a new region whose pages
 * are copied for whichever side writes first. Unmap with SYS_MUNMAP, drop
 * with SYS_CAPABILITY_REVOKE: the last mapping or capability frees it.
 */
enum { SHM_MOVE = 0, SHM_SHARE = 1, SHM_COPY_ON_WRITE = 2 };

/* Argument of SYS_PROCESS_CREATE. Strings are NUL-separated lists. */
struct process_spec {
	const void *image; /* an ELF64 executable for this machine */
	uint64_t image_size;
	const char *args; /* "prog\0arg1\0" ... */
	uint64_t args_size;
	const char *env; /* "KEY=value\0" ... */
	uint64_t env_size;
	const uint64_t *caps; /* tokens of the caller's to grant the child (GRANT needed) */
	uint64_t cap_count;
	uint32_t priority;     /* 0: the caller's */
	uint32_t flags;	       /* PROCESS_* */
	uint64_t load_address; /* PROCESS_FLAT: where the code goes (page aligned) */
};

/* ExitReason: why a process ended. */
enum exit_reason {
	EXIT_NORMAL = 0,     /* SYS_EXIT or its last thread exited */
	EXIT_TERMINATED = 1, /* SYS_PROCESS_TERMINATE (by itself or another process) */
	EXIT_PAGE_FAULT = 2, /* touched an address it has no right to */
	EXIT_ILLEGAL = 3,    /* illegal or privileged instruction */
	EXIT_ALIGNMENT = 4,  /* misaligned access the CPU refused */
	EXIT_ARITH = 5,	     /* divide error */
	EXIT_BREAKPOINT = 6,
	EXIT_FAULT = 7,	      /* any other fault */
	EXIT_INTERRUPTED = 8, /* ended from the console (Ctrl-C at the kernel shell) */
};

struct resource_usage {
	uint64_t cpu_time_ns;
	uint64_t syscalls;
	uint64_t page_faults;
	uint64_t context_switches;
	uint64_t memory_peak; /* bytes of user memory mapped at most */
	uint64_t threads;     /* threads it ever had */
};

/* ProcessExitInfo of the Kernel API. */
struct process_exit_info {
	uint64_t process_id;
	int32_t exit_code;
	uint32_t exit_reason; /* enum exit_reason */
	struct resource_usage usage;
	uint64_t fault_addr; /* the faulting address or pc for fault reasons */
};

/* SYS_PROCESS_INFO: one process as `ps` shows it. */
enum process_state_abi { PS_NEW, PS_RUNNING, PS_ENDING, PS_ENDED };

struct process_info {
	uint64_t pid;
	uint64_t parent_pid; /* 0: made by the kernel, or orphaned */
	uint32_t state;	     /* enum process_state_abi */
	uint32_t threads;    /* live threads */
	uint64_t memory;     /* bytes of user memory mapped now */
	uint64_t cpu_time_ns;
	char name[16]; /* argv[0] without its directories, NUL-terminated */
	char args[32]; /* the first arguments after it, space-separated, as far as they fit */
};

/* ThreadState and ThreadInfo of the Kernel API. */
enum thread_state_abi { TS_NEW, TS_READY, TS_RUNNING, TS_BLOCKED, TS_EXITED };

struct thread_info {
	uint64_t thread_id;
	uint64_t process_id;
	uint32_t state; /* enum thread_state_abi */
	uint32_t priority;
	uint64_t cpu_affinity; /* 0: any CPU */
	uint64_t stack_base;
	uint64_t stack_size;
};

/* KernelMetrics of the Kernel API. */
struct kernel_metrics {
	uint64_t context_switches;
	uint64_t syscalls_processed;
	uint64_t page_faults;
	uint64_t interrupts_handled;
	uint64_t ipc_messages_sent;
	uint64_t memory_allocations;
	uint64_t average_syscall_latency_ns;
	uint64_t average_context_switch_latency_ns;
	uint64_t average_ipc_latency_ns;
	/* Ours: the idle thread's time waiting for an interrupt (under -icount the clock
	 * jumps while a CPU idles: subtract it to count instructions, ci/bench). */
	uint64_t idle_ns;
	uint64_t uptime_ns;
};

#endif
