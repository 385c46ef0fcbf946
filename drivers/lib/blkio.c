/* A block request's completion (blkserv.h): whoever issued it said what to do. */
#include "drivers/lib/blkserv.h"

void blk_complete(struct blk_io *io, int status)
{
	io->done(io, status);
}
