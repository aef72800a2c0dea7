// CPUID and XGETBV for Shared/Tensors/CPUFeatures.swift: plain integers in, plain integers out, so no C
// pointer reaches Swift. On other architectures every register reads as zero (no features).
#ifndef BFPO_CPU_FEATURES_SHIM_H
#define BFPO_CPU_FEATURES_SHIM_H

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

/// The four registers CPUID returns for one leaf and subleaf; `supported` is 0 when the CPU's highest
/// leaf is below the one asked for (the registers are then all zero).
typedef struct {
    unsigned int eax, ebx, ecx, edx;
    int supported;
} bfpo_cpuid_registers;

static inline bfpo_cpuid_registers bfpo_cpuid(unsigned int leaf, unsigned int subleaf) {
    bfpo_cpuid_registers r = {0, 0, 0, 0, 0};
#if defined(__x86_64__) || defined(__i386__)
    r.supported = __get_cpuid_count(leaf, subleaf, &r.eax, &r.ebx, &r.ecx, &r.edx);
#else
    (void)leaf;
    (void)subleaf;
#endif
    return r;
}

/// XCR0, the register state the operating system saves on a context switch (bit 1 SSE, 2 AVX, 5–7
/// AVX-512), or 0 when the OS has not enabled XSAVE (CPUID.1:ECX.OSXSAVE[bit 27] clear), in which case
/// XGETBV itself would fault.
static inline unsigned long long bfpo_xcr0(void) {
#if defined(__x86_64__) || defined(__i386__)
    bfpo_cpuid_registers leaf1 = bfpo_cpuid(1, 0);
    if (!leaf1.supported || !(leaf1.ecx & (1u << 27))) return 0;
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
#else
    return 0;
#endif
}

#endif
