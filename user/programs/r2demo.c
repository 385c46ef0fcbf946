/*
 * R2DEMO.ELF (x86_64): the r2 demo (user/r2/r2demo.c) as a program of its
 * own on the disk: `run R2DEMO.ELF` at the shell of
 * `ci/boot x86_64 --display --audio`.
 */
#include "demo.h"

int main(void)
{
	return r2_demo();
}
