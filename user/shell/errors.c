/* Errors in words for the shell's messages: "ls: /X: not found". */
#include "kestrel.h"
#include "shell.h"

static const struct {
	long err;
	const char *text;
} errors[] = {
    {E_INVALID_PARAMETER, "invalid argument"},
    {E_NOT_FOUND, "not found"},
    {E_PERMISSION_DENIED, "permission denied"},
    {E_OUT_OF_MEMORY, "out of memory"},
    {E_BUSY, "busy"},
    {E_TIMEOUT, "timed out"},
    {E_RESOURCE_EXHAUSTED, "out of resources"},
    {E_INVALID_CAPABILITY, "invalid capability"},
    {E_NOT_IMPLEMENTED, "not implemented"},
    {E_NOT_SUPPORTED, "not supported on this machine"},
    {E_IPC_CLOSED, "the server went away"},
    {E_MEM_BAD_ADDRESS, "bad address"},
    {E_PROCESS_NOT_FOUND, "no such process"},
    {E_PROCESS_TERMINATED, "the process ended"},
    {E_FS_CORRUPT, "the file system is corrupt"},
    {E_FS_IO, "disk I/O error"},
    {E_FILE_EXISTS, "already exists"},
    {E_NOT_DIRECTORY, "not a directory"},
    {E_IS_DIRECTORY, "is a directory"},
    {E_DIR_NOT_EMPTY, "directory not empty"},
    {E_NO_SPACE, "no space left on the disk"},
    {E_BAD_NAME, "not a valid FAT name (8.3: NAME.EXT)"},
    {E_READ_ONLY, "read-only"},
    {E_NO_FILE_SERVER, "no file server"},
};

const char *shell_strerror(long err)
{
	static char other[24];
	for (unsigned i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (errors[i].err == err)
			return errors[i].text;
	snprintf(other, sizeof(other), "error %ld", err);
	return other;
}

int shell_fail(const char *cmd, const char *what, long err)
{
	if (what)
		printf("%s: %s: %s\n", cmd, what, shell_strerror(err));
	else
		printf("%s: %s\n", cmd, shell_strerror(err));
	return 1;
}
