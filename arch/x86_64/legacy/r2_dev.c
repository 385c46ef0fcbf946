/*
 * The r2 calls of the legacy PC devices, forwarded to their drivers
 * (include/abi/pcdev.h): user-space processes the device manager runs,
 * each the Xous server of its device's name. The call goes as the file
 * calls go to the file server (ipc/file.c), from the calling thread with
 * its buffers lent; the driver's r2 code comes back in RAX.
 */
#include "include/abi/error.h"
#include "include/abi/file.h"
#include "core/hw.h"
#include "core/process.h"
#include "ipc/file.h"
#include "ipc/ipc.h"
#include "ipc/port.h"
#include "core/kstring.h"
#include "legacy.h"

uint64_t r2_dev_call(const char *server, uint64_t op, uint64_t a1, uint64_t a2,
		     const struct fwd_buf *b, uint64_t out[3])
{
	uint64_t w[8] = {op, [FWD_ARG] = a1, [FWD_ARG2] = a2};
	struct ipc_endpoint *ep = names_find(server, strlen(server));
	out[0] = out[1] = out[2] = 0;
	/*
	 * Names are anyone's to take: the caller's buffers go only to a server
	 * the hardware's authority started (a driver of the device manager's).
	 */
	if (ep && !(ep->owner && hw_holds_root(ep->owner->parent)))
		ep = NULL;
	int err = ep ? file_forward(ep, w, b, out) : E_NO_FILE_SERVER;
	if (err == E_NO_FILE_SERVER || err == E_TIMEOUT || err == E_IPC_INVALID_REPLY)
		return R2_NOT_IMPLEMENTED; /* no driver runs, or it is stuck or went wrong */
	if (err)
		return R2_INVALID_INPUT; /* the caller's buffers could not be lent, or a bad call */
	return out[0] <= 0xff ? out[0] : R2_NOT_IMPLEMENTED;
}
