/* What the host HAL offers the tests beyond the HAL itself. */
#ifndef TESTS_HOST_HAL_HOST_H
#define TESTS_HOST_HAL_HOST_H

/* Everything written to the console since the last call, then forget it. */
const char *host_console_take(void);

#endif
