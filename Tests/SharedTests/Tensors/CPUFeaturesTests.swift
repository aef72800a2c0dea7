import Testing
@testable import Shared

@Suite struct CPUFeaturesTests {
    /// Whatever the machine, CPUID answers consistently: an x86-64 CPU has SSE3 and a family, and the
    /// AVX-512 flags count only where the AVX state is saved too.
    @Test func theCurrentCPUIsDescribedConsistently() {
        let cpu = CPUFeatures.current
        #if arch(x86_64)
        #expect(cpu.family > 0)
        #expect(cpu.has(.sse3))
        #endif
        if cpu.avx512f { #expect(cpu.avx && cpu.osSavesAVX512) }
        if cpu.avx2 { #expect(cpu.osSavesAVX) }
    }

    @Test func registerStateTheOSDoesNotSaveHidesTheFeature() {
        let reported: Set<CPUFeatures.Feature> = [.sse3, .avx, .avx2, .fma, .avx512f]
        let full = CPUFeatures(vendor: .intel, family: 6, model: 143, reported: reported)
        #expect(full.avx2 && full.avx512f)
        let noAVX512 = CPUFeatures(vendor: .intel, family: 6, model: 143, reported: reported, osSavesAVX512: false)
        #expect(noAVX512.avx2 && !noAVX512.avx512f)
        let noAVX = CPUFeatures(vendor: .intel, family: 6, model: 143, reported: reported, osSavesAVX: false)
        #expect(!noAVX.avx && !noAVX.avx512f && noAVX.has(.sse3))
    }

    @Test func vendorsAreNamed() {
        #expect(CPUFeatures.Vendor(identifier: "GenuineIntel") == .intel)
        #expect(CPUFeatures.Vendor(identifier: "AuthenticAMD") == .amd)
        #expect(CPUFeatures.Vendor(identifier: "CentaurHauls").description == "CentaurHauls")
    }
}
