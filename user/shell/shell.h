/*
 * The user shell (`init shell`), what a person meets at boot: a line
 * editor (core/lineedit.c, the kernel shell's own), a current directory
 * kept here (the file API takes absolute paths only), file commands over
 * user/lib/file.h and programs started from the disk or from this image.
 */
#ifndef USER_SHELL_SHELL_H
#define USER_SHELL_SHELL_H

#include <stdbool.h>
#include <stdint.h>

#include "include/abi/file.h"

#define SHELL_WORDS_MAX	    32
#define SHELL_EXIT_POWEROFF 200 /* the shell's exit code that asks init to power off */

/* A command: its words (argv[0] the command's name). */
struct shell_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage, *help;
};

/* The command tables: files (cmd_file.c), processes and the machine (cmd_proc.c). */
extern const struct shell_cmd shell_file_cmds[];
extern const unsigned shell_file_ncmds;
extern const struct shell_cmd shell_proc_cmds[];
extern const unsigned shell_proc_ncmds;

/* -1 while the shell goes on; else the code it ends with (poweroff sets it). */
extern int shell_exit_code;

/* The current directory: absolute, no trailing '/' but for the root. */
extern char shell_cwd[FILE_PATH_MAX];

/*
 * `path` made absolute against `cwd`, with "." and ".." resolved (".." of
 * the root is the root), into out; false when it does not fit.
 */
bool shell_path(const char *cwd, const char *path, char *out, unsigned size);
/* The last component of an absolute path ("" for the root). */
const char *shell_basename(const char *path);
/* An error code in words ("not found", "no file server", ...). */
const char *shell_strerror(long err);
/* Print "CMD: WHAT: the error in words" and return 1 (a command's failure status). */
int shell_fail(const char *cmd, const char *what, long err);

/* Built-in programs (programs.c): `run NAME` finds NAME here or among the test children. */
bool shell_program_exists(const char *name);
/* NAME is one of the shell's own programs, which `init NAME ARGS` runs with shell_program_main. */
bool shell_is_program(const char *name);
int shell_program_main(int argc, char **argv);
/* List the built-in programs, for help. */
void shell_program_list(void);

/* Ended background programs: say how each ended (before a prompt). */
void shell_jobs_reap(void);
/* The shell ends: so do the programs it runs in the background (they would be orphans). */
void shell_jobs_end(void);
/* The shell's main (`init shell`). */
int shell_main(int argc, char **argv);

#endif
