/* The device manager: being written (placeholder so that the image links). */
#include "drivers/lib/devmgr.h"

uint64_t devmgr_endpoint;

int devmgr_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 127;
}
