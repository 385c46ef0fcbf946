/* SLIP framing (slip.h). */
#include <stdbool.h>

#include "net/slip.h"

size_t slip_encode(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
	size_t o = 0;
	if (cap < 2)
		return 0;
	out[o++] = SLIP_END;
	for (size_t i = 0; i < n; i++) {
		uint8_t b = p[i];
		bool esc = b == SLIP_END || b == SLIP_ESC;
		if (o + 1 + esc >= cap) /* room for this byte and the closing END */
			return 0;
		if (esc) {
			out[o++] = SLIP_ESC;
			b = b == SLIP_END ? SLIP_ESC_END : SLIP_ESC_ESC;
		}
		out[o++] = b;
	}
	out[o++] = SLIP_END;
	return o;
}
