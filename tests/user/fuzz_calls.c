/*
 * The system call fuzzer's calls: one random call at a time, by weight,
 * with arguments mixed from random numbers, values earlier calls returned
 * (and bit flips of them) and interesting constants: 0, -1, small and huge
 * sizes, kernel, unmapped, non-canonical and misaligned addresses.
 *
 * A few rules keep the fuzzer itself alive, so that whatever goes wrong is
 * the kernel's: the kernel writes only into the arena or where nothing of
 * ours is, takes away (unmaps, lends, spawns from) only memory the fuzzer
 * made (fuzz_values.c), starts threads only at the worker entry on a stack
 * of their own (fuzz_make.c); exit and terminating ourselves are left out (and
 * counted); the first thread blocks only with a timeout, and only the
 * workers make the calls that have none (Xous receive, reply-and-wait, the
 * fast-path call), so the first thread always comes back to finish; no
 * thread of ours drops below the priority our children run at, so a child
 * that spins cannot starve its parent.
 */
#include "fuzz.h"

static const char bad_utf8[] = {'f', (char)0xc3, (char)0x28, 'z', (char)0xff};

/* A message info word: length, type, maybe a capability, a timeout (always one for the first thread). */
static uint64_t info_word(struct fuzz_thread *t)
{
	uint64_t len = fuzz_chance(t, 90) ? fuzz_below(t, 65) : fuzz_below(t, 256);
	uint64_t type = fuzz_chance(t, 90) ? fuzz_below(t, 2) : fuzz_below(t, 256);
	uint64_t info = MSG_INFO(len, type);
	if (fuzz_chance(t, 8)) {
		info |= MSG_CAP;
		if (t->ipcbuf)
			t->ipcbuf->send_capability = fuzz_any_token(t);
	}
	if (fuzz_chance(t, 3))
		info |= fuzz_rand(t) & 0xfffe0000ull;
	if (t->worker && fuzz_chance(t, 25))
		return info; /* no timeout: the fast paths */
	return MSG_TIMEOUT_MS(info, fuzz_timeout_ms(t));
}

static void message_words(struct fuzz_thread *t, uintptr_t a[7])
{
	for (unsigned i = 3; i < 7; i++)
		a[i] = fuzz_any(t);
	if (t->ipcbuf)
		for (unsigned i = 4; i < 8; i++)
			t->ipcbuf->words[i] = fuzz_any(t);
}

/* What a delivered message brought: its reply token, sender, words, capability. */
static void keep_message(struct fuzz_thread *t, const uintptr_t r[7])
{
	fuzz_remember(FK_REPLY, r[IPC_R_REPLY]);
	fuzz_remember(FK_PID, r[IPC_R_SENDER]);
	for (unsigned i = IPC_R_WORD0; i < 7; i++)
		fuzz_remember(FK_WORD, r[i]);
	if (t->ipcbuf && t->ipcbuf->header.capability)
		fuzz_remember(FK_TOKEN, t->ipcbuf->header.capability);
}

static void keep_xous_message(const uintptr_t r[7])
{
	fuzz_remember(FK_REPLY, r[0]);
	for (unsigned i = 2; i < 7; i++)
		fuzz_remember(FK_WORD, r[i]);
	if (r[1] == XOUS_MEMORY) { /* lent pages: ours to take while we hold them */
		fuzz_remember(FK_ADDR, r[3]);
		fuzz_remember(FK_ADDR, r[5]);
	}
}

static void copy_in(void *dst, uintptr_t src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((char *)dst)[i] = ((const volatile char *)src)[i];
}

static bool in_arena(uint64_t a, uint64_t len)
{
	return a >= FUZZ_ARENA && a + len <= FUZZ_ARENA + FUZZ_ARENA_SIZE;
}

/* A Xous server name: a few shared by every fuzzer (they find each other), a few our own. */
static void name_args(struct fuzz_thread *t, uintptr_t *name, uintptr_t *len)
{
	unsigned r = (unsigned)fuzz_below(t, 100);
	if (r < 75) {
		int n =
		    fuzz_chance(t, 50)
			? snprintf(t->name, sizeof(t->name), "fuzz%u", (unsigned)fuzz_below(t, 6))
			: snprintf(t->name, sizeof(t->name), "f%llu.%u", (unsigned long long)fz.pid,
				   (unsigned)fuzz_below(t, 4));
		*name = (uintptr_t)t->name;
		*len = (uint64_t)n;
	} else if (r < 85) {
		*name = (uintptr_t)bad_utf8;
		*len = 1 + fuzz_below(t, sizeof(bad_utf8));
	} else {
		*name = fuzz_in_ptr(t);
		*len = fuzz_chance(t, 50) ? fuzz_below(t, 70) : fuzz_any(t);
	}
}

/* Tags the kernel may answer: E_OK and the codes of include/abi/error.h. */
bool fuzz_known_tag(long tag)
{
	return (tag >= 0 && tag <= E_NOT_SUPPORTED) || (tag >= E_IPC_CLOSED && tag <= 18) ||
	       (tag >= E_MEM_ALREADY_MAPPED && tag <= E_MEM_DOUBLE_FREE) ||
	       (tag >= E_SERVER_EXISTS && tag <= E_INTERRUPT_IN_USE) ||
	       (tag >= E_FS_CORRUPT && tag <= E_NO_FILE_SERVER);
}

/* The calls and how often each comes (out of the sum); 0 stands for a number outside the table. */
static const struct {
	uint16_t nr, weight;
} table[] = {
    {SYS_EXIT, 1},
    {SYS_READ, 2},
    {SYS_WRITE, 2},
    {SYS_MMAP, 12},
    {SYS_MUNMAP, 8},
    {SYS_OPEN, 2}, /* no file server in a fuzz run: checked arguments, then E_NO_FILE_SERVER */
    {SYS_SEEK, 1},
    {SYS_CLOSE, 1},
    {SYS_FILE_CALL, 2},
    {SYS_IPC_SEND, 8},
    {SYS_IPC_RECEIVE, 8},
    {SYS_IPC_CALL, 8},
    {SYS_IPC_REPLY, 6},
    {SYS_IPC_ENDPOINT_CREATE, 4},
    {SYS_IPC_CHANNEL_CREATE, 5},
    {SYS_IPC_CHANNEL_CLOSE, 3},
    {SYS_IPC_BUFFER, 2},
    {SYS_PROCESS_CREATE, 4},
    {SYS_PROCESS_START, 4},
    {SYS_PROCESS_WAIT, 4},
    {SYS_PROCESS_TERMINATE, 2},
    {SYS_THREAD_SET_POINTER, 2},
    {SYS_THREAD_CREATE, 4},
    {SYS_THREAD_EXIT, 1},
    {SYS_THREAD_JOIN, 3},
    {SYS_THREAD_INFO, 3},
    {SYS_THREAD_SELF, 2},
    {SYS_CAPABILITY_CREATE, 8},
    {SYS_CAPABILITY_DERIVE, 8},
    {SYS_CAPABILITY_REVOKE, 6},
    {SYS_CAPABILITY_VALIDATE, 6},
    {SYS_YIELD, 2},
    {SYS_SET_PRIORITY, 3},
    {SYS_SLEEP, 2},
    {SYS_CLOCK, 1},
    {SYS_SET_AFFINITY, 2},
    {SYS_XOUS_PROCESS_SPAWN, 3},
    {SYS_XOUS_PROCESS_YIELD, 1},
    {SYS_XOUS_PROCESS_SUSPEND, 3},
    {SYS_XOUS_PROCESS_RESUME, 3},
    {SYS_XOUS_PROCESS_TERMINATE, 2},
    {SYS_XOUS_INTERRUPT_CLAIM, 2},
    {SYS_XOUS_MEMORY_ALLOCATE, 6},
    {SYS_XOUS_HEAP_RESIZE, 4},
    {SYS_XOUS_SERVER_CREATE, 5},
    {SYS_XOUS_SERVER_RECEIVE, 4},
    {SYS_XOUS_SERVER_REPLY, 4},
    {SYS_XOUS_CLIENT_CONNECT, 5},
    {SYS_XOUS_CLIENT_SEND, 8},
    {SYS_SHARED_REGION_CREATE, 6},
    {SYS_SHARED_REGION_MAP, 6},
    {SYS_SHARED_REGION_TRANSFER, 5},
    {SYS_KERNEL_METRICS, 2},
    {SYS_DEBUG_PRINT, 1},
    {SYS_DEBUG_DUMP_PROCESS, 1},
    {SYS_DEBUG_TRACE, 1},
    {SYS_NOTIFICATION_CREATE, 3},
    {SYS_NOTIFICATION_SIGNAL, 4},
    {SYS_NOTIFICATION_WAIT, 4},
    {SYS_NOTIFICATION_POLL, 3},
    {SYS_CAPABILITY_NEXT, 2},
    {SYS_INTERRUPT_BIND, 3},
    {SYS_INTERRUPT_ACK, 2},
    {SYS_INTERRUPT_UNBIND, 2},
    {SYS_MMIO_MAP, 2},
    {SYS_PORT_IN, 1},
    {SYS_PORT_OUT, 1},
    {SYS_CAPABILITY_DERIVE_RANGE, 3},
    {SYS_DMA_ALLOC, 3},
    {SYS_DMA_PIN, 3},
    {SYS_DMA_RELEASE, 3},
    {SYS_PCI_CONFIG_READ, 1},
    {SYS_PCI_CONFIG_WRITE, 1},
    {SYS_PCI_INTERRUPT, 1},
    {SYS_PCI_MSI_ALLOC, 1},
    {SYS_MACHINE_INFO, 1},
    {SYS_POWER_OFF, 1}, /* refused: the fuzzer's root capability has no WRITE */
    {SYS_POWER_WATCH, 1},
    {0, 6},
    {SYS_COUNT, 6}, /* an r2 call on x86_64, else one more number outside the table */
};

static unsigned pick(struct fuzz_thread *t)
{
	unsigned total = 0;
	for (unsigned i = 0; i < COUNT(table); i++)
		total += table[i].weight;
	unsigned w = (unsigned)fuzz_below(t, total);
	unsigned i = 0;
	while (w >= table[i].weight)
		w -= table[i++].weight;
	return table[i].nr;
}

/* Numbers the kernel has no call for, near the table's and far from it. */
static uint64_t unknown_number(struct fuzz_thread *t)
{
	static const uint16_t holes[] = {0,   49,  58,	18,  19,  35,  47,  63,	 77,  100, 127,
					 131, 159, 161, 169, 175, 191, 199, 201, 217, 255, 256};
	return fuzz_chance(t, 80) ? holes[fuzz_below(t, COUNT(holes))] : fuzz_rand(t) | 256;
}

/* Fill in the arguments of call nr; false to leave it out. */
static bool arguments(struct fuzz_thread *t, unsigned nr, uintptr_t a[7])
{
	switch (nr) {
	case SYS_EXIT:
		fz.filtered++;
		return false;
	case SYS_THREAD_EXIT:
		if (!t->worker) {
			fz.filtered++;
			return false;
		}
		return true;
	case SYS_READ:
		a[2] = fuzz_length(t);
		a[1] = fuzz_out_ptr(t, a[2]);
		return true;
	case SYS_WRITE:
		a[0] = fuzz_chance(t, 80) ? 1 + fuzz_below(t, 2) : fuzz_any(t);
		fuzz_console_args(t, &a[1], &a[2]);
		return true;
	case SYS_DEBUG_PRINT:
		fuzz_console_args(t, &a[0], &a[1]);
		return true;
	case SYS_MMAP:
		a[0] = fuzz_chance(t, 70) ? 0 : fuzz_any(t) & ~(FUZZ_PAGE - 1);
		a[1] = fuzz_chance(t, 80) ? fuzz_pages(t, 8) : fuzz_length(t);
		if (a[1] > MIB && a[1] < (1ull << 40))
			a[1] &= MIB - 1; /* not so much that the machine runs out */
		a[2] = fuzz_chance(t, 85) ? fuzz_below(t, 8) : fuzz_any(t);
		return true;
	case SYS_MUNMAP:
		a[1] = fuzz_chance(t, 70) ? fuzz_pages(t, 4) : fuzz_length(t);
		a[0] = fuzz_take_ptr(t, a[1]);
		return true;
	case SYS_IPC_SEND:
	case SYS_IPC_CALL:
	case SYS_IPC_REPLY:
		a[0] = nr == SYS_IPC_REPLY ? fuzz_token(t, FK_REPLY)
					   : fuzz_token(t, fuzz_chance(t, 25) ? FK_CHAN : FK_EP);
		a[1] = info_word(t);
		a[2] = nr == SYS_IPC_REPLY && t->worker && fuzz_chance(t, 50) ? fuzz_token(t, FK_EP)
									      : 0;
		message_words(t, a);
		return true;
	case SYS_IPC_RECEIVE:
		a[0] = fuzz_token(t, FK_EP);
		a[1] = t->worker && fuzz_chance(t, 20) ? 0 : MSG_TIMEOUT_MS(0, fuzz_timeout_ms(t));
		return true;
	case SYS_IPC_CHANNEL_CREATE:
		a[0] = fuzz_token(t, FK_EP);
		a[1] = fuzz_token(t, FK_EP);
		return true;
	case SYS_IPC_CHANNEL_CLOSE:
		a[0] = fuzz_token(t, FK_CHAN);
		return true;
	case SYS_PROCESS_START:
		a[0] = fuzz_token(t, FK_PROC);
		return true;
	case SYS_CAPABILITY_REVOKE:
		a[0] = fuzz_any_token(t);
		return true;
	case SYS_PROCESS_WAIT:
		a[0] = fuzz_token(t, FK_PROC);
		a[1] = fuzz_timeout_ns(t);
		a[2] = fuzz_out_ptr(t, sizeof(struct process_exit_info));
		return true;
	case SYS_PROCESS_TERMINATE: {
		a[0] = fuzz_token(t, FK_PROC);
		unsigned type;
		uint64_t object;
		if (!sys_cap_validate(a[0], 0, &type, &object, NULL) && type == OBJ_PROCESS &&
		    object == fz.pid) {
			fz.filtered++; /* ourselves */
			return false;
		}
		return true;
	}
	case SYS_THREAD_JOIN:
		a[0] = fuzz_token(t, FK_THREAD);
		a[1] = fuzz_timeout_ns(t);
		return true;
	case SYS_THREAD_INFO:
		a[0] = fuzz_chance(t, 30) ? 0 : fuzz_token(t, FK_THREAD);
		a[1] = fuzz_out_ptr(t, sizeof(struct thread_info));
		return true;
	case SYS_CAPABILITY_CREATE:
		a[0] = fuzz_chance(t, 85) ? fuzz_below(t, OBJ_TYPE_COUNT + 1) : fuzz_any(t);
		a[1] = a[0] == OBJ_PROCESS  ? fuzz_pid(t)
		       : a[0] == OBJ_MEMORY ? fuzz_recall(t, FK_ADDR)
					    : fuzz_id(t);
		a[2] = fuzz_chance(t, 85) ? fuzz_below(t, 64) : fuzz_any(t);
		return true;
	case SYS_CAPABILITY_DERIVE:
	case SYS_CAPABILITY_VALIDATE:
		a[0] = fuzz_any_token(t);
		a[1] = fuzz_chance(t, 85) ? fuzz_below(t, 64) : fuzz_any(t);
		return true;
	case SYS_SET_PRIORITY:
		a[0] = fuzz_chance(t, 40) ? 0 : fuzz_token(t, FK_THREAD);
		a[1] = fuzz_priority(t);
		return true;
	case SYS_SET_AFFINITY:
		a[0] = fuzz_chance(t, 40) ? 0 : fuzz_token(t, FK_THREAD);
		a[1] = fuzz_chance(t, 50) ? fuzz_below(t, 4) : fuzz_any(t);
		return true;
	case SYS_SLEEP:
		a[0] = fuzz_chance(t, 10) ? 0 : fuzz_timeout_ns(t);
		return true;
	case SYS_XOUS_PROCESS_SPAWN:
		a[2] = fuzz_chance(t, 85) ? fuzz_pages(t, 2) : fuzz_length(t);
		a[0] = fuzz_take_ptr(t, a[2]);
		a[1] = fuzz_chance(t, 80) ? 0x10000000 + fuzz_pages(t, 64) : fuzz_any(t);
		return true;
	case SYS_XOUS_PROCESS_SUSPEND:
		a[0] = fuzz_pid(t);
		a[1] = fuzz_chance(t, 90) ? 0 : fuzz_any(t);
		return true;
	case SYS_XOUS_PROCESS_RESUME:
	case SYS_XOUS_PROCESS_TERMINATE:
	case SYS_DEBUG_DUMP_PROCESS:
		a[0] = fuzz_pid(t);
		return true;
	case SYS_XOUS_INTERRUPT_CLAIM:
		a[0] = fuzz_chance(t, 80) ? IRQ_TICK : fuzz_any(t);
		a[1] = fuzz_token(t, FK_EP);
		return true;
	case SYS_XOUS_MEMORY_ALLOCATE:
		a[0] = fuzz_chance(t, 85) ? 0 : fuzz_any(t);
		a[1] = fuzz_chance(t, 60) ? 0 : fuzz_any(t) & ~(FUZZ_PAGE - 1);
		a[2] = fuzz_chance(t, 80) ? fuzz_pages(t, 8) : fuzz_length(t);
		if (a[2] > MIB && a[2] < (1ull << 40))
			a[2] &= MIB - FUZZ_PAGE;
		a[3] = fuzz_token(t, FK_TOKEN);
		return true;
	case SYS_XOUS_HEAP_RESIZE:
		a[0] = fuzz_chance(t, 80) ? fuzz_below(t, 64) * FUZZ_PAGE : fuzz_length(t);
		if (a[0] > MIB && a[0] <= (256ull << 20))
			a[0] &= MIB - 1;
		return true;
	case SYS_XOUS_SERVER_CREATE:
	case SYS_XOUS_CLIENT_CONNECT:
		name_args(t, &a[0], &a[1]);
		return true;
	case SYS_XOUS_SERVER_RECEIVE:
		if (!t->worker) {
			fz.filtered++; /* it has no timeout */
			return false;
		}
		a[0] = fuzz_token(t, FK_EP);
		return true;
	case SYS_XOUS_SERVER_REPLY:
		a[0] = fuzz_token(t, FK_REPLY);
		a[1] = t->worker && fuzz_chance(t, 50) ? fuzz_token(t, FK_EP) : 0;
		return true;
	case SYS_XOUS_CLIENT_SEND: {
		static const uint8_t kinds[] = {XOUS_SCALAR,
						XOUS_BLOCKING_SCALAR,
						XOUS_MEMORY,
						XOUS_SCALAR,
						XOUS_BLOCKING_SCALAR,
						XOUS_MEMORY,
						0,
						5,
						9};
		uint64_t kind = kinds[fuzz_below(t, sizeof(kinds))];
		if (kind == XOUS_MEMORY && !t->worker) /* the lent pages wait for the reply */
			kind = XOUS_BLOCKING_SCALAR;
		uint64_t ms = t->worker && fuzz_chance(t, 25) ? 0 : fuzz_timeout_ms(t);
		a[0] = fuzz_token(t, FK_EP);
		a[1] = kind | ms << 32;
		if (kind == XOUS_MEMORY) {
			a[4] = fuzz_chance(t, 80) ? fuzz_pages(t, 2) : fuzz_length(t);
			a[3] = fuzz_chance(t, 20) ? 0 : fuzz_take_ptr(t, a[4]);
			a[6] = fuzz_chance(t, 80) ? fuzz_pages(t, 2) : fuzz_length(t);
			a[5] = fuzz_chance(t, 30) ? 0 : fuzz_take_ptr(t, a[6]);
		}
		return true;
	}
	case SYS_SHARED_REGION_CREATE:
		a[0] = fuzz_chance(t, 80) ? fuzz_pages(t, 4) - fuzz_below(t, 2) : fuzz_length(t);
		if (a[0] > MIB && a[0] < (1ull << 40))
			a[0] &= MIB - 1;
		a[1] = fuzz_chance(t, 85) ? fuzz_below(t, 4) : fuzz_any(t);
		return true;
	case SYS_SHARED_REGION_MAP:
		a[0] = fuzz_token(t, FK_SHM);
		a[1] = fuzz_chance(t, 70) ? 0 : fuzz_any(t) & ~(FUZZ_PAGE - 1);
		a[2] = fuzz_chance(t, 85) ? fuzz_below(t, 4) : fuzz_any(t);
		return true;
	case SYS_SHARED_REGION_TRANSFER:
		a[0] = fuzz_token(t, FK_SHM);
		a[1] = fuzz_token(t, FK_PROC);
		a[2] = fuzz_chance(t, 85) ? fuzz_below(t, 3) : fuzz_any(t);
		return true;
	case SYS_KERNEL_METRICS:
		a[0] = fuzz_out_ptr(t, sizeof(struct kernel_metrics));
		return true;
	case SYS_DEBUG_TRACE:
		a[0] = 0; /* on, it prints a line per call */
		return true;
	case SYS_NOTIFICATION_SIGNAL:
		a[0] = fuzz_token(t, FK_NOTE);
		a[1] = fuzz_chance(t, 70) ? 1ull << fuzz_below(t, 64) : fuzz_any(t);
		return true;
	case SYS_NOTIFICATION_WAIT:
		a[0] = fuzz_token(t, FK_NOTE);
		a[1] =
		    t->worker && fuzz_chance(t, 20) ? 0 : fuzz_timeout_ns(t) * (t->worker ? 10 : 1);
		return true;
	case SYS_NOTIFICATION_POLL:
		a[0] = fuzz_token(t, FK_NOTE);
		return true;
	case SYS_CAPABILITY_NEXT:
		a[0] = fuzz_chance(t, 90) ? fuzz_below(t, OBJ_TYPE_COUNT + 1) : fuzz_any(t);
		a[1] = fuzz_chance(t, 50)   ? 0
		       : fuzz_chance(t, 80) ? fuzz_below(t, 20000)
					    : fuzz_any(t);
		return true;
	case SYS_INTERRUPT_BIND:
	case SYS_INTERRUPT_ACK:
	case SYS_INTERRUPT_UNBIND:
		/* Lines the machines have; the fuzzer holds the interrupt capability (fuzz.c). */
		a[0] = fuzz_hw_token(t);
		a[1] = fuzz_chance(t, 85) ? fuzz_below(t, 128) : fuzz_any(t);
		a[2] = fuzz_token(t, FK_NOTE);
		a[3] = fuzz_chance(t, 85) ? fuzz_below(t, 70) | fuzz_below(t, 5) << 8 : fuzz_any(t);
		return true;
	case SYS_MMIO_MAP:
		a[0] = fuzz_hw_token(t);
		a[1] = fuzz_chance(t, 70) ? fuzz_below(t, 1ull << 32) & ~0xfffull : fuzz_any(t);
		a[2] = fuzz_chance(t, 70) ? (1 + fuzz_below(t, 4)) * 4096 : fuzz_any(t);
		a[3] = fuzz_chance(t, 70) ? 0 : fuzz_recall(t, FK_ADDR);
		return true;
	case SYS_PORT_IN:
	case SYS_PORT_OUT:
		a[0] = fuzz_hw_token(t);
		a[1] = fuzz_chance(t, 50)   ? 0x80
		       : fuzz_chance(t, 80) ? fuzz_below(t, 0x10000)
					    : a[1];
		a[2] = fuzz_chance(t, 80) ? 1u << fuzz_below(t, 3) : a[2];
		a[3] = fuzz_chance(t, 80) ? fuzz_below(t, 256) : a[3];
		return true;
	case SYS_CAPABILITY_DERIVE_RANGE:
		a[0] = fuzz_hw_token(t);
		a[1] = fuzz_chance(t, 85) ? fuzz_below(t, 64) : fuzz_any(t);
		a[2] = fuzz_chance(t, 70) ? fuzz_below(t, 256) : fuzz_any(t);
		a[3] = fuzz_chance(t, 70) ? fuzz_below(t, 64) : fuzz_any(t);
		return true;
	case SYS_DMA_ALLOC:
		a[0] = fuzz_hw_token(t);
		a[1] = fuzz_chance(t, 80) ? 1 + fuzz_below(t, 65536) : fuzz_any(t);
		a[2] = fuzz_chance(t, 85) ? fuzz_below(t, 4) : fuzz_any(t);
		return true;
	case SYS_DMA_PIN:
		a[0] = fuzz_hw_token(t);
		a[1] = fuzz_recall(t, FK_ADDR);
		a[2] = fuzz_chance(t, 80) ? (1 + fuzz_below(t, 4)) * 4096 : fuzz_any(t);
		a[3] = fuzz_out_ptr(t, 4 * sizeof(uint64_t));
		return true;
	case SYS_DMA_RELEASE:
		a[0] = fuzz_recall(t, FK_ADDR);
		return true;
	case SYS_PCI_CONFIG_READ:
	case SYS_PCI_CONFIG_WRITE:
	case SYS_PCI_INTERRUPT:
	case SYS_PCI_MSI_ALLOC:
		a[0] = fuzz_hw_token(t);
		a[1] = fuzz_chance(t, 80) ? fuzz_below(t, 0x10000) : fuzz_any(t);
		a[2] = fuzz_chance(t, 80) ? fuzz_below(t, 0x1002) : fuzz_any(t);
		a[3] = fuzz_chance(t, 80) ? fuzz_below(t, 5) : fuzz_any(t);
		return true;
	case SYS_MACHINE_INFO:
		a[0] = fuzz_hw_token(t);
		a[2] = fuzz_chance(t, 50) ? 0 : fuzz_below(t, 64 << 10);
		a[1] = fuzz_out_ptr(t, a[2]);
		return true;
	default: /* the rest need no care */
		return true;
	}
}

/* What a successful call gave: remember it, book children and threads. */
static void keep(struct fuzz_thread *t, unsigned nr, const uintptr_t a[7], const uintptr_t r[7])
{
	switch (nr) {
	case SYS_MMAP:
		fuzz_remember(FK_ADDR, r[0]);
		fuzz_remember(FK_TOKEN, r[1]);
		break;
	case SYS_IPC_ENDPOINT_CREATE:
		fuzz_remember(FK_ID, r[0]);
		fuzz_remember(FK_EP, r[1]);
		break;
	case SYS_IPC_CHANNEL_CREATE:
		fuzz_remember(FK_ID, r[0]);
		fuzz_remember(FK_CHAN, r[1]);
		fuzz_remember(FK_CHAN, r[2]);
		break;
	case SYS_SHARED_REGION_CREATE:
		fuzz_remember(FK_ID, r[0]);
		fuzz_remember(FK_SHM, r[1]);
		break;
	case SYS_XOUS_SERVER_CREATE:
		fuzz_remember(FK_EP, r[0]);
		fuzz_remember(FK_ID, r[1]);
		break;
	case SYS_XOUS_CLIENT_CONNECT:
		fuzz_remember(FK_EP, r[0]);
		break;
	case SYS_NOTIFICATION_CREATE:
		fuzz_remember(FK_NOTE, r[0]);
		break;
	case SYS_NOTIFICATION_WAIT:
	case SYS_NOTIFICATION_POLL:
		fuzz_remember(FK_WORD, r[0]);
		break;
	case SYS_IPC_RECEIVE:
	case SYS_IPC_CALL:
		keep_message(t, r);
		break;
	case SYS_IPC_REPLY:
		if (a[2])
			keep_message(t, r);
		break;
	case SYS_XOUS_SERVER_RECEIVE:
		keep_xous_message(r);
		break;
	case SYS_XOUS_SERVER_REPLY:
		if (a[1])
			keep_xous_message(r);
		break;
	case SYS_XOUS_CLIENT_SEND:
		for (unsigned i = 1; i < 7; i++)
			fuzz_remember(FK_WORD, r[i]);
		break;
	case SYS_PROCESS_WAIT:
		if (in_arena(a[2], sizeof(struct process_exit_info))) {
			struct process_exit_info info;
			copy_in(&info, a[2], sizeof(info));
			fuzz_child_reaped(&info);
		}
		break;
	case SYS_THREAD_INFO:
		if (in_arena(a[1], sizeof(struct thread_info))) {
			struct thread_info ti;
			copy_in(&ti, a[1], sizeof(ti));
			fuzz_remember(FK_ID, ti.thread_id);
			fuzz_remember(FK_PID, ti.process_id);
			fuzz_remember(FK_ADDR, ti.stack_base);
		}
		break;
	case SYS_THREAD_SELF:
	case SYS_THREAD_JOIN:
		fuzz_remember(FK_ID, r[0]);
		break;
	case SYS_CAPABILITY_CREATE:
		fuzz_remember(a[0] == OBJ_PROCESS  ? FK_PROC
			      : a[0] == OBJ_THREAD ? FK_THREAD
						   : FK_TOKEN,
			      r[0]);
		break;
	case SYS_CAPABILITY_DERIVE:
		fuzz_remember(FK_TOKEN, r[0]);
		break;
	case SYS_SHARED_REGION_TRANSFER: /* ours when we sent it to ourselves: map it, touch it */
		fuzz_remember(FK_SHM, r[0]);
		break;
	case SYS_CAPABILITY_VALIDATE:
		fuzz_remember(FK_ID, r[1]);
		break;
	case SYS_XOUS_PROCESS_SPAWN:
		fuzz_remember(FK_PID, r[0]);
		fuzz_remember(FK_PROC, r[1]);
		fuzz_child_made(r[0], r[1], FUZZ_OTHER);
		break;
	case SYS_XOUS_MEMORY_ALLOCATE:
	case SYS_SHARED_REGION_MAP:
		fuzz_remember(FK_ADDR, r[0]);
		break;
	case SYS_XOUS_HEAP_RESIZE:
		fuzz_remember(FK_ADDR, r[0] + (r[1] ? r[1] - FUZZ_PAGE : 0));
		break;
	case SYS_IPC_BUFFER:
		t->ipcbuf = (struct ipc_buffer *)r[0];
		break;
	case SYS_CAPABILITY_NEXT:
		/*
		 * Any capability of ours, those we keep books by too (a worker's
		 * thread capability): as a number, not a token, since the pools
		 * revoke the tokens they forget.
		 */
		fuzz_remember(FK_ID, r[0]);
		break;
	case SYS_CAPABILITY_DERIVE_RANGE:
		fuzz_remember(FK_TOKEN, r[0]);
		break;
	case SYS_DMA_ALLOC:
		fuzz_remember(FK_ADDR, r[0]);
		fuzz_remember(FK_WORD, r[1]);
		break;
	case SYS_PCI_MSI_ALLOC:
		fuzz_remember(FK_TOKEN, r[1]);
		break;
	default:
		break;
	}
}

/*
 * A touching fuzzer reads or writes memory it was given: its own regions,
 * shared, copy-on-write, lent to it or taken from it since; a fault may
 * end it (its parent expects that), never the kernel.
 */
static void touch(struct fuzz_thread *t)
{
	uint64_t a = fuzz_recall(t, FK_ADDR) + (fuzz_below(t, 2 * FUZZ_PAGE) & ~7ull);
	if (a < FUZZ_USER_BASE || a >= FUZZ_USER_TOP ||
	    !fuzz_take_ok(a & ~(FUZZ_PAGE - 1), FUZZ_PAGE))
		return; /* nothing of the fuzzer's own */
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)a;
	if (fuzz_chance(t, 50))
		fuzz_remember(FK_WORD, *p);
	else
		*p = fuzz_rand(t);
}

void fuzz_serve(struct fuzz_thread *t)
{
	uintptr_t a[7] = {0}, r[7] = {0};
	if (!fz.nhot || !t->ipcbuf) {
		fuzz_one(t);
		return;
	}
	a[0] = fz.hot[fuzz_below(t, fz.nhot)];
	a[1] = MSG_TIMEOUT_MS(0, 5 + fuzz_below(t, 30));
	long tag = sys_raw(SYS_IPC_RECEIVE, a, r);
	fz.made[SYS_IPC_RECEIVE]++;
	if (tag)
		return;
	fz.succeeded[SYS_IPC_RECEIVE]++;
	keep_message(t, r);
	if (MSG_TYPE(r[IPC_R_INFO]) == XOUS_MEMORY) { /* lent pages: ours until the reply */
		fuzz_remember(FK_ADDR, r[IPC_R_WORD0 + 1]);
		fuzz_remember(FK_ADDR, r[IPC_R_WORD0 + 3]);
	}
	uint64_t token = r[IPC_R_REPLY];
	if (!token || fuzz_chance(t, 10))
		return; /* the caller times out, or learns its server is gone */
	unsigned nr = fuzz_chance(t, 50) ? SYS_IPC_REPLY : SYS_XOUS_SERVER_REPLY;
	a[0] = token;
	a[1] = nr == SYS_IPC_REPLY ? MSG_INFO(fuzz_below(t, 33), MSG_SMALL) : 0;
	a[2] = 0;
	for (unsigned i = 3; i < 7; i++)
		a[i] = fuzz_any(t);
	if (nr == SYS_XOUS_SERVER_REPLY)
		a[2] = fuzz_any(t);
	tag = sys_raw(nr, a, r);
	fz.made[nr]++;
	if (!fuzz_known_tag(tag))
		fuzz_failure("an unknown error code", nr, (uint64_t)tag);
	else if (!tag)
		fz.succeeded[nr]++;
}

void fuzz_one(struct fuzz_thread *t)
{
	uintptr_t a[7], r[7] = {0};
	unsigned nr = pick(t);
	long tag;
	for (unsigned i = 0; i < 7; i++)
		a[i] = fuzz_any(t);
	if (fz.touch && fuzz_chance(t, 4)) {
		touch(t);
		return;
	}
	if (nr == SYS_COUNT) {
#if defined(__x86_64__)
		fuzz_r2(t);
		return;
#else
		nr = 0;
#endif
	}
	if (nr == 0) {
		uint64_t n = unknown_number(t);
		tag = sys_raw(n, a, r);
		if (tag != E_NOT_IMPLEMENTED)
			fuzz_failure("a number outside the table answered", n, (uint64_t)tag);
		return;
	}
	if (nr == SYS_PROCESS_CREATE) {
		fuzz_process_create(t, a, r);
		return;
	}
	if (nr == SYS_THREAD_CREATE) {
		tag = fuzz_thread_create(t, a, r);
	} else {
		if (!arguments(t, nr, a))
			return;
		tag = sys_raw(nr, a, r);
	}
	fz.made[nr]++;
	if (!fuzz_known_tag(tag))
		fuzz_failure("an unknown error code", nr, (uint64_t)tag);
	else if (!tag) {
		t->ok++;
		fz.succeeded[nr]++;
		keep(t, nr, a, r);
	}
}
