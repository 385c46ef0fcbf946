/*
 * The user shell's loop: a prompt, a line from the line editor (the
 * kernel shell's, core/lineedit.c, fed from the console by SYS_READ),
 * words, a command. Keys: backspace, Delete, left/right, Home/End (also
 * Ctrl-A/Ctrl-E), up/down through the history, Ctrl-C drops the line,
 * Ctrl-D on an empty line ends the shell. A line holds LINE_LEN_MAX
 * characters; a longer one is refused whole, with a message.
 */
#include "core/lineedit.h"
#include "file.h"
#include "shell.h"

#define READ_CHUNK 64 /* console bytes taken per SYS_READ */

int shell_exit_code = -1;

static struct line_history history;
static struct line_editor editor;
static char line[LINE_LEN_MAX + 1];

/* Console bytes read but not fed yet: what came after an Enter is the next line's. */
static struct {
	char buf[READ_CHUNK];
	size_t len, at;
} input;

/* The editor's echo, through printf's buffer (flushed once a batch of keys is fed). */
static void echo(const char *s, size_t n, void *ctx)
{
	(void)ctx;
	printf("%.*s", (int)n, s);
}

static int cmd_help(int argc, char **argv);

static int cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		printf(i > 1 ? " %s" : "%s", argv[i]);
	printf("\n");
	return 0;
}

static int cmd_exit(int argc, char **argv)
{
	shell_exit_code = argc > 1 ? (int)strtoul(argv[1], NULL, 0) : 0;
	return 0;
}

static const struct shell_cmd own_cmds[] = {
    {"help", cmd_help, "help", "this list"},
    {"echo", cmd_echo, "echo WORDS...", "print the words"},
    {"exit", cmd_exit, "exit [CODE]", "end the shell (as Ctrl-D does)"},
};

static const struct {
	const struct shell_cmd *cmds;
	const unsigned *count;
} tables[] = {
    {own_cmds, NULL},
    {shell_file_cmds, &shell_file_ncmds},
    {shell_proc_cmds, &shell_proc_ncmds},
};

static unsigned table_size(unsigned t)
{
	return tables[t].count ? *tables[t].count : sizeof(own_cmds) / sizeof(own_cmds[0]);
}

static int cmd_help(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("commands:\n");
	for (unsigned t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (unsigned i = 0; i < table_size(t); i++)
			printf("  %-26s %s\n", tables[t].cmds[i].usage, tables[t].cmds[i].help);
	printf("programs of this image (run NAME):\n");
	shell_program_list();
	printf("keys: left/right, Home/End, backspace/Delete, up/down (history), Ctrl-C (drop "
	       "the line, or end the program), Ctrl-D (end the shell)\n");
	return 0;
}

static const struct shell_cmd *lookup(const char *name)
{
	for (unsigned t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (unsigned i = 0; i < table_size(t); i++)
			if (!strcmp(tables[t].cmds[i].name, name))
				return &tables[t].cmds[i];
	return NULL;
}

/*
 * Split a line into words in place: spaces part them, double quotes keep
 * spaces inside one ("a b" is one word). The count, or -1 with too many.
 */
static int split(char *s, char **argv)
{
	int argc = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return argc;
		if (argc == SHELL_WORDS_MAX)
			return -1;
		bool quoted = *s == '"';
		s += quoted;
		argv[argc++] = s;
		while (*s && (quoted ? *s != '"' : *s != ' ' && *s != '\t'))
			s++;
		if (!*s)
			return argc;
		*s++ = '\0';
	}
}

static void run_line(char *s)
{
	char *argv[SHELL_WORDS_MAX + 1];
	int argc = split(s, argv);
	if (argc < 0) {
		printf("shell: more than %u words: not run\n", SHELL_WORDS_MAX);
		return;
	}
	if (!argc)
		return;
	argv[argc] = NULL;
	const struct shell_cmd *c = lookup(argv[0]);
	if (c)
		c->run(argc, argv);
	else
		printf("%s: unknown command (try help)\n", argv[0]);
}

/* The next console byte, from what was read or from a new read (which waits). */
static int next_byte(void)
{
	if (input.at == input.len) {
		flush(); /* the echo so far, before we wait */
		size_t got;
		long err = sys_read(0, input.buf, sizeof(input.buf), &got);
		if (err || !got)
			return -1;
		input.len = got;
		input.at = 0;
	}
	return (unsigned char)input.buf[input.at++];
}

static enum le_result read_line(void)
{
	enum le_result r = LE_MORE;
	le_begin(&editor);
	while (r == LE_MORE) {
		int c = next_byte();
		if (c < 0)
			return LE_EOF; /* no console input at all: as the end of it */
		r = le_feed(&editor, (uint8_t)c);
	}
	return r;
}

int shell_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	le_init(&editor, &history, echo, NULL);
	printf("shell: type 'help' for commands; Ctrl-D or 'exit' ends the shell\n");
	while (shell_exit_code < 0) {
		shell_jobs_reap();
		printf("kestrel:%s$ ", shell_cwd);
		switch (read_line()) {
		case LE_LINE:
			le_history_add(&history, editor.buf);
			memcpy(line, editor.buf, editor.len + 1);
			run_line(line);
			break;
		case LE_TOO_LONG:
			printf("shell: line too long (at most %u characters): not run\n",
			       LINE_LEN_MAX);
			break;
		case LE_EOF:
			printf("shell: end of input (Ctrl-D): the shell ends\n");
			shell_exit_code = 0;
			break;
		default: /* Ctrl-C: the line is dropped */
			break;
		}
	}
	shell_jobs_end();
	flush();
	return shell_exit_code;
}
