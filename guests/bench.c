/*
 * CPU benchmark guest: a deterministic integer mix (CRC32 by table, sieve of Eratosthenes,
 * insertion/shell sorting, a small hash table and 64-bit multiply chains), repeated ROUNDS
 * times. Prints one checksum, so hvlab and QEMU can be checked to have done the same work.
 */
#include "guest.h"

#ifndef ROUNDS
#define ROUNDS 400
#endif

static uint32_t crc_table[256];
static uint8_t data[16384];
static uint8_t sieve[65536];
static uint32_t arr[2048];
static uint32_t keys[4096];

static void crc_init(void) {
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & -(c & 1));
		crc_table[i] = c;
	}
}

static uint32_t crc32(const uint8_t *p, size_t n, uint32_t c) {
	c = ~c;
	for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return ~c;
}

static uint32_t primes(void) {
	uint32_t n = 0;
	for (uint32_t i = 0; i < sizeof sieve; i++) sieve[i] = 1;
	for (uint32_t i = 2; i < sizeof sieve; i++) {
		if (!sieve[i]) continue;
		n++;
		for (uint32_t j = i * 2; j < sizeof sieve; j += i) sieve[j] = 0;
	}
	return n;
}

static uint32_t sorting(uint32_t seed) {
	for (unsigned i = 0; i < 2048; i++) {
		seed = seed * 1103515245u + 12345u;
		arr[i] = seed >> 7;
	}
	static const unsigned gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
	for (unsigned g = 0; g < 8; g++) {
		unsigned gap = gaps[g];
		for (unsigned i = gap; i < 2048; i++) {
			uint32_t t = arr[i];
			unsigned j = i;
			for (; j >= gap && arr[j - gap] > t; j -= gap) arr[j] = arr[j - gap];
			arr[j] = t;
		}
	}
	return arr[0] ^ arr[1023] ^ arr[2047];
}

static uint32_t hashing(uint32_t seed) {
	for (unsigned i = 0; i < 4096; i++) keys[i] = 0;
	uint32_t hits = 0;
	for (unsigned i = 0; i < 6000; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		uint32_t k = (seed % 5000) + 1;
		uint32_t h = (k * 2654435761u) >> 20;
		while (keys[h] && keys[h] != k) h = (h + 1) & 4095;
		if (keys[h] == k) hits++;
		else keys[h] = k;
	}
	return hits;
}

static uint64_t mulchain(uint64_t x) {
	for (int i = 0; i < 20000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		x ^= x >> 29;
		x += (x / 7) | ((uint64_t)i << 32);
	}
	return x;
}

int main(void) {
	printf("bench guest\n");
	crc_init();
	for (unsigned i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 31 + (i >> 5));
	uint32_t sum = 0;
	uint64_t m = 1;
	for (int r = 0; r < ROUNDS; r++) {
		sum = crc32(data, sizeof data, sum);
		sum += primes();
		sum ^= sorting(sum);
		sum += hashing(sum | 1);
		m = mulchain(m + sum);
	}
	printf("bench checksum %08x %016lx\n", sum, m);
	printf("bench done\n");
	return 0;
}
