/* The kernel's serial console shell: a few commands to look at a running system. */
#ifndef CORE_SHELL_H
#define CORE_SHELL_H

struct boot_info;

/* Print the boot information, one line per range. */
void boot_info_print(const struct boot_info *bi);
/* Start the shell's thread: it reads and runs commands from the console for ever. */
void shell_start(const struct boot_info *bi);

#endif
