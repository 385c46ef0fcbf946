/*
 * Error codes: the KernelError of the Kernel API, one number each, shared by
 * the kernel and user space (a syscall's tag). 0 is success. The memory
 * sub-kinds stand for KernelError::MemoryError(..).
 */
#ifndef ABI_ERROR_H
#define ABI_ERROR_H

enum kerror {
	E_OK = 0,
	E_INVALID_PARAMETER = 1,
	E_NOT_FOUND = 2,
	E_PERMISSION_DENIED = 3,
	E_OUT_OF_MEMORY = 4,
	E_BUSY = 5,
	E_TIMEOUT = 6,
	E_RESOURCE_EXHAUSTED = 7,
	E_INVALID_CAPABILITY = 8,
	E_IPC = 9,
	E_NOT_IMPLEMENTED = 10, /* a system call this kernel does not have (yet) */
	/* MemoryError(..) */
	E_MEM_ALREADY_MAPPED = 32, /* map over a present page */
	E_MEM_NOT_MAPPED = 33,	   /* unmap or translate of an absent page */
	E_MEM_BAD_ADDRESS = 34,	   /* unaligned, non-canonical or out of range */
	E_MEM_DOUBLE_FREE = 35,	   /* free of memory that is not allocated */
};

#endif
