/*
 * The device manager's calls from a client (devmgr.h), and the matcher.
 * The matcher and the name words are pure C: the host tests build this
 * file with KESTREL_HOST_TEST, without the calls.
 */
#include "drivers/lib/devmgr.h"
#include "include/abi/error.h"

#ifdef KESTREL_HOST_TEST
#include <string.h>
#else
#include "ipc.h"
#endif

bool devmgr_name_pack(const char *name, uint64_t w[2])
{
	size_t n = name ? strlen(name) : 0;
	if (!n || n > 15)
		return false;
	char buf[16] = {0};
	memcpy(buf, name, n);
	memcpy(w, buf, 16);
	return true;
}

void devmgr_name_unpack(const uint64_t w[2], char name[17])
{
	memcpy(name, w, 16);
	name[16] = 0;
}

bool devmgr_match(const struct device_matcher *m, const struct device_info *info)
{
	if (!m || !info)
		return false;
	if ((m->vendor_id >= 0 && (info->bus != BUS_PCI || m->vendor_id != info->vendor_id)) ||
	    (m->device_id >= 0 && (info->bus != BUS_PCI || m->device_id != info->device_id)) ||
	    (m->class_code >= 0 && (info->bus != BUS_PCI || m->class_code != info->class_code)) ||
	    (m->subclass >= 0 && (info->bus != BUS_PCI || m->subclass != info->subclass)) ||
	    (m->interface >= 0 && (info->bus != BUS_PCI || m->interface != info->interface)))
		return false;
	return !m->custom_match || m->custom_match(info);
}

#ifndef KESTREL_HOST_TEST
/* One call: words w[0..3] (and 4, 5 in the IPC buffer), the reply into *r. */
static int call(uint64_t mgr, uint64_t w[6], unsigned words, struct ipc_message *r)
{
	if (!mgr)
		return DRIVER_HARDWARE_NOT_FOUND;
	if (words > 4) {
		struct ipc_buffer *b = ipc_buffer();
		if (!b)
			return E_INVALID_PARAMETER;
		b->words[4] = w[4];
		b->words[5] = w[5];
	}
	long err = ipc_call(mgr, MSG_INFO(words * 8, MSG_SMALL), w, r);
	if (err)
		return (int)err;
	return (int)r->w[0];
}

static int call_named(uint64_t mgr, unsigned op, const char *name, uint64_t w3,
		      struct ipc_message *r)
{
	uint64_t w[6] = {op};
	if (!devmgr_name_pack(name, &w[1]))
		return DRIVER_INVALID_PARAMETER;
	w[3] = w3;
	return call(mgr, w, 4, r);
}

int devmgr_lookup(uint64_t mgr, const char *name, unsigned type, uint64_t *endpoint,
		  uint64_t *generation)
{
	struct ipc_message r;
	int err = call_named(mgr, DEVMGR_LOOKUP, name, type, &r);
	if (err)
		return err;
	if (!(r.info & MSG_CAP))
		return DRIVER_HARDWARE_NOT_FOUND;
	struct ipc_buffer *b = ipc_buffer();
	if (!b)
		return E_INVALID_PARAMETER;
	*endpoint = b->header.capability;
	if (generation)
		*generation = r.w[2];
	return DRIVER_OK;
}

int devmgr_status(uint64_t mgr, const char *name, unsigned *state, uint64_t *generation,
		  unsigned *restarts)
{
	struct ipc_message r;
	int err = call_named(mgr, DEVMGR_STATUS, name, 0, &r);
	if (err)
		return err;
	if (state)
		*state = (unsigned)r.w[1];
	if (generation)
		*generation = r.w[2];
	if (restarts)
		*restarts = (unsigned)r.w[3];
	return DRIVER_OK;
}

int devmgr_list(uint64_t mgr, unsigned index, char name[17], unsigned *type, unsigned *state,
		unsigned *restarts, char program[17])
{
	uint64_t w[6] = {DEVMGR_LIST, index};
	struct ipc_message r;
	int err = call(mgr, w, 2, &r);
	if (err)
		return err;
	if (name)
		devmgr_name_unpack(&r.w[1], name);
	if (type)
		*type = (unsigned)(r.w[3] & 0xff);
	if (state)
		*state = (unsigned)(r.w[3] >> 8 & 0xff);
	if (restarts)
		*restarts = (unsigned)(r.w[3] >> 16);
	if (program) {
		struct ipc_buffer *b = ipc_buffer();
		uint64_t p[2] = {b ? b->words[4] : 0, b ? b->words[5] : 0};
		devmgr_name_unpack(p, program);
	}
	return DRIVER_OK;
}

int devmgr_fault(uint64_t mgr, const char *name, unsigned kind, unsigned count)
{
	struct ipc_message r;
	return call_named(mgr, DEVMGR_FAULT, name, kind | (uint64_t)count << 8, &r);
}

int devmgr_power_off(uint64_t mgr)
{
	uint64_t w[6] = {DEVMGR_POWER_OFF};
	struct ipc_message r;
	return call(mgr, w, 1, &r);
}

static uint64_t byte_or_any(int v, unsigned shift, unsigned width)
{
	uint64_t mask = (1ull << width) - 1;
	return (v < 0 ? mask : (uint64_t)v & mask) << shift;
}

int devmgr_register_driver(uint64_t mgr, const char *program, const struct device_matcher *m,
			   uint64_t *handle)
{
	if (!m || m->custom_match)
		return DRIVER_INVALID_PARAMETER; /* a function does not travel to another process */
	uint64_t w[6] = {DEVMGR_REGISTER_DRIVER};
	if (!devmgr_name_pack(program, &w[1]))
		return DRIVER_INVALID_PARAMETER;
	/* w3: which fields are given (bit 0 vendor .. bit 4 interface). */
	w[3] = (m->vendor_id >= 0) | (m->device_id >= 0) << 1 | (m->class_code >= 0) << 2 |
	       (m->subclass >= 0) << 3 | (m->interface >= 0) << 4;
	w[4] = byte_or_any(m->vendor_id, 0, 16) | byte_or_any(m->device_id, 16, 16) |
	       byte_or_any(m->class_code, 32, 8) | byte_or_any(m->subclass, 40, 8) |
	       byte_or_any(m->interface, 48, 8);
	struct ipc_message r;
	int err = call(mgr, w, 5, &r);
	if (!err && handle)
		*handle = r.w[1];
	return err;
}

int devmgr_unregister(uint64_t mgr, uint64_t handle)
{
	uint64_t w[6] = {DEVMGR_UNREGISTER, handle};
	struct ipc_message r;
	return call(mgr, w, 2, &r);
}

int devmgr_statistics(uint64_t mgr, uint64_t handle, struct driver_statistics *out)
{
	uint64_t w[6] = {DEVMGR_STATISTICS, handle};
	struct ipc_message r;
	int err = call(mgr, w, 2, &r);
	if (err)
		return err;
	struct ipc_buffer *b = ipc_buffer();
	*out = (struct driver_statistics){
	    .operations_completed = r.w[1],
	    .bytes_transferred = r.w[2],
	    .errors_encountered = r.w[3],
	    .average_latency_ns = b ? b->words[4] : 0,
	    .peak_bandwidth_mbps = b ? (uint32_t)b->words[5] : 0,
	};
	return DRIVER_OK;
}
#endif
