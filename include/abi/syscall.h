/*
 * System call numbers, shared by the kernel and user space. The VeridianOS
 * numbers of the Kernel API are kept exactly; calls the other documents
 * need take numbers in the ranges below as they arrive.
 *
 *   1..63     VeridianOS Kernel API
 *   64..127   Xous (processes, memory, servers, messages)
 *   128..191  shared regions, metrics, debug
 *   192..255  Driver API
 */
#ifndef ABI_SYSCALL_H
#define ABI_SYSCALL_H

enum syscall_number {
	SYS_EXIT = 1,
	SYS_READ = 2,
	SYS_WRITE = 3,
	SYS_MMAP = 4,
	SYS_MUNMAP = 5,
	SYS_IPC_SEND = 10,
	SYS_IPC_RECEIVE = 11,
	SYS_IPC_CALL = 12,
	SYS_IPC_REPLY = 13,
	SYS_PROCESS_CREATE = 20,
	SYS_PROCESS_START = 21,
	SYS_PROCESS_WAIT = 22,
	SYS_THREAD_CREATE = 25,
	SYS_THREAD_EXIT = 26,
	SYS_THREAD_JOIN = 27,
	SYS_CAPABILITY_CREATE = 30,
	SYS_CAPABILITY_DERIVE = 31,
	SYS_CAPABILITY_REVOKE = 32,
};

#endif
