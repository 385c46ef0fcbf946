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
	E_NOT_SUPPORTED =
	    11, /* this machine has no such thing (ports off x86, no MSI controller) */
	/* IpcError(..) */
	E_IPC_CLOSED = 16,	  /* the channel was closed or the endpoint is gone */
	E_IPC_TOO_LARGE = 17,	  /* more than 64 bytes in a small message */
	E_IPC_INVALID_REPLY = 18, /* no caller waits on that reply token (any more) */
	/* MemoryError(..) */
	E_MEM_ALREADY_MAPPED = 32, /* map over a present page */
	E_MEM_NOT_MAPPED = 33,	   /* unmap or translate of an absent page */
	E_MEM_BAD_ADDRESS = 34,	   /* unaligned, non-canonical or out of range */
	E_MEM_DOUBLE_FREE = 35,	   /* free of memory that is not allocated */
	/* The Xous error kinds the Kernel API has no name for (Xous's OutOfMemory,
	   Timeout and BadAddress are E_OUT_OF_MEMORY, E_TIMEOUT, E_MEM_BAD_ADDRESS). */
	E_SERVER_EXISTS = 48,	   /* server_create: the name is taken */
	E_SERVER_NOT_FOUND = 49,   /* client_connect / client_send: no such server (any more) */
	E_PROCESS_NOT_FOUND = 50,  /* no process with that id */
	E_PROCESS_NOT_CHILD = 51,  /* the process is not the caller's child */
	E_PROCESS_TERMINATED = 52, /* the peer process ended */
	E_BAD_ALIGNMENT = 53,	   /* an address or size not page aligned */
	E_INVALID_STRING = 54,	   /* a name that is empty, too long or not UTF-8 */
	E_INTERRUPT_IN_USE = 55,   /* interrupt_claim: someone holds it */
	/* Files (include/abi/file.h); a missing file or directory is E_NOT_FOUND. */
	E_FS_CORRUPT = 64,  /* FilesystemError: the volume's structures are damaged */
	E_FS_IO = 65,	    /* the disk under the file system failed */
	E_FILE_EXISTS = 66, /* the name is taken */
	E_NOT_DIRECTORY = 67,
	E_IS_DIRECTORY = 68,
	E_DIR_NOT_EMPTY = 69,
	E_NO_SPACE = 70,       /* no free cluster, or the directory is full */
	E_BAD_NAME = 71,       /* not a name the file system can hold (FAT: 8.3) */
	E_READ_ONLY = 72,      /* the file is read-only, or the capability lacks WRITE */
	E_NO_FILE_SERVER = 73, /* nobody serves files (yet, or any more) */
};

#endif
