// The byte-plane loops of the exact delta (Shared/Compression/XorDeltaFrame.swift, which documents the
// frame) for AVX-512 and AVX2 CPUs. Plain loops over the XOR of two versions' bit patterns, which the
// compiler vectorises for each target; the Swift caller picks a unit at run time (`VectorUnit`) and keeps
// its own loops for CPUs with neither.
#include "kernels.h"
#include "targets.h"

// Each body is written once and compiled per target.
#define PLANE_COUNTS(a, b, count, counts)                                       \
    long n0 = 0, n1 = 0, n2 = 0, n3 = 0;                                        \
    for (long i = 0; i < count; i++) {                                          \
        uint32_t word = a[i] ^ b[i];                                            \
        n0 += (word & 0x000000FFu) != 0;                                        \
        n1 += (word & 0x0000FF00u) != 0;                                        \
        n2 += (word & 0x00FF0000u) != 0;                                        \
        n3 += (word & 0xFF000000u) != 0;                                        \
    }                                                                           \
    counts[0] = n0; counts[1] = n1; counts[2] = n2; counts[3] = n3;

#define PLANE_RAW(a, b, count, shift, out)                                      \
    for (long i = 0; i < count; i++) out[i] = (uint8_t)((a[i] ^ b[i]) >> shift);

// A zero byte is stored at the next value slot too, which advances only past a nonzero one: no branch
// per value. The caller leaves room for that one byte past the plane's values.
#define PLANE_SPARSE(a, b, count, shift, bitmap, values)                        \
    long value = 0;                                                             \
    for (long group = 0; group * 8 < count; group++) {                          \
        long first = group * 8, end = first + 8 < count ? first + 8 : count;    \
        uint8_t bits = 0;                                                       \
        for (long i = first; i < end; i++) {                                    \
            uint8_t byte = (uint8_t)((a[i] ^ b[i]) >> shift);                   \
            values[value] = byte;                                               \
            uint8_t set = byte != 0;                                            \
            bits |= (uint8_t)(set << (i - first));                              \
            value += set;                                                       \
        }                                                                       \
        bitmap[group] = bits;                                                   \
    }

#define APPLY_RAW(copy, plane, count, shift)                                    \
    for (long i = 0; i < count; i++) copy[i] ^= (uint32_t)plane[i] << shift;

AVX512 void bfpo_xor_plane_counts_avx512(const uint32_t *a, const uint32_t *b, long count, long counts[4]) { PLANE_COUNTS(a, b, count, counts) }
AVX2 void bfpo_xor_plane_counts_avx2(const uint32_t *a, const uint32_t *b, long count, long counts[4]) { PLANE_COUNTS(a, b, count, counts) }

AVX512 void bfpo_xor_plane_raw_avx512(const uint32_t *a, const uint32_t *b, long count, int shift, uint8_t *out) { PLANE_RAW(a, b, count, shift, out) }
AVX2 void bfpo_xor_plane_raw_avx2(const uint32_t *a, const uint32_t *b, long count, int shift, uint8_t *out) { PLANE_RAW(a, b, count, shift, out) }

AVX512 void bfpo_xor_plane_sparse_avx512(const uint32_t *a, const uint32_t *b, long count, int shift, uint8_t *bitmap, uint8_t *values) {
    PLANE_SPARSE(a, b, count, shift, bitmap, values)
}
AVX2 void bfpo_xor_plane_sparse_avx2(const uint32_t *a, const uint32_t *b, long count, int shift, uint8_t *bitmap, uint8_t *values) {
    PLANE_SPARSE(a, b, count, shift, bitmap, values)
}

AVX512 void bfpo_xor_apply_raw_avx512(uint32_t *copy, const uint8_t *plane, long count, int shift) { APPLY_RAW(copy, plane, count, shift) }
AVX2 void bfpo_xor_apply_raw_avx2(uint32_t *copy, const uint8_t *plane, long count, int shift) { APPLY_RAW(copy, plane, count, shift) }
