/* The Internet checksum (inet.h). */
#include "net/inet.h"

uint32_t inet_sum(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i = 0;
	for (; i + 1 < n; i += 2) {
		sum += be16_get(p + i);
		sum = (sum & 0xffff) + (sum >> 16); /* folded as it goes: no length overflows it */
	}
	if (i < n)
		sum += (uint32_t)p[i] << 8;
	return sum;
}

uint16_t inet_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t inet_pseudo_sum(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, size_t len)
{
	uint32_t sum = inet_sum(src, 4, 0);
	sum = inet_sum(dst, 4, sum);
	return sum + proto + (uint32_t)(len & 0xffff) + (uint32_t)(len >> 16);
}
