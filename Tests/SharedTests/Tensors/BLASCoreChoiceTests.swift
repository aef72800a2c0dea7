import Testing
@testable import Shared

/// Hand-made CPUs, so the rules are checked independently of the machine running the tests.
private let sse: Set<CPUFeatures.Feature> = [.sse3, .ssse3, .sse41, .sse42]
private let avx2: Set<CPUFeatures.Feature> = sse.union([.avx, .avx2, .fma])
private let avx512: Set<CPUFeatures.Feature> = avx2.union([.avx512f, .avx512bw, .avx512dq, .avx512vl, .avx512cd])

private let sapphireRapids = CPUFeatures(vendor: .intel, family: 6, model: 207, reported: avx512.union([.avx512bf16]))
private let skylakeServer = CPUFeatures(vendor: .intel, family: 6, model: 85, reported: avx512)
private let haswellDesktop = CPUFeatures(vendor: .intel, family: 6, model: 60, reported: avx2)
private let zen4 = CPUFeatures(vendor: .amd, family: 25, model: 17, reported: avx512.union([.avx512bf16]))
private let zen2 = CPUFeatures(vendor: .amd, family: 23, model: 49, reported: avx2)

private func decide(_ chosen: String, on cpu: CPUFeatures, mode: BLASCoreMode = .auto, environment: String? = nil) -> BLASCoreChoice {
    BLASCoreChoice.decide(chosen: chosen, features: cpu, mode: mode, environmentCore: environment)
}

@Suite struct BLASCoreChoiceTests {
    @Test func prescottOnACooperlakeCapableIntelRestartsWithEveryFasterCoreBestFirst() {
        #expect(decide("Prescott", on: sapphireRapids) == .reexec(
            candidates: [.cooperlake, .skylakeX, .haswell, .sandybridge],
            reason: "OpenBLAS chose Prescott; this CPU has AVX-512 and AVX512-BF16"))
    }

    @Test func withoutBF16CooperlakeIsNoCandidate() {
        #expect(decide("Nehalem", on: skylakeServer) == .reexec(
            candidates: [.skylakeX, .haswell, .sandybridge], reason: "OpenBLAS chose Nehalem; this CPU has AVX-512"))
    }

    @Test func theBestCoreTheCPURunsIsKept() {
        #expect(decide("Haswell", on: haswellDesktop) == .keep(.best(.haswell)))
        #expect(decide("Cooperlake", on: sapphireRapids) == .keep(.best(.cooperlake)))
        #expect(decide("Zen", on: zen2) == .keep(.best(.zen)))
    }

    @Test func onlyCoresAboveOpenBLASsChoiceAreCandidates() {
        #expect(decide("SkylakeX", on: sapphireRapids) == .reexec(
            candidates: [.cooperlake], reason: "OpenBLAS chose SkylakeX; this CPU has AVX-512 and AVX512-BF16"))
    }

    @Test func amdZenWithAVX512MovesToTheAVX512Cores() {
        #expect(decide("Zen", on: zen4) == .reexec(
            candidates: [.cooperlake, .skylakeX], reason: "OpenBLAS chose Zen; this CPU has AVX-512 and AVX512-BF16"))
        #expect(decide("Prescott", on: zen4) == .reexec(
            candidates: [.cooperlake, .skylakeX, .zen, .sandybridge],
            reason: "OpenBLAS chose Prescott; this CPU has AVX-512 and AVX512-BF16"))
    }

    @Test func registersTheOSDoesNotSaveDoNotCount() {
        let noAVX512State = CPUFeatures(vendor: .intel, family: 6, model: 207, reported: avx512, osSavesAVX512: false)
        #expect(decide("Prescott", on: noAVX512State) == .reexec(
            candidates: [.haswell, .sandybridge], reason: "OpenBLAS chose Prescott; this CPU has AVX2 and FMA"))
        let noAVXState = CPUFeatures(vendor: .intel, family: 6, model: 207, reported: avx512, osSavesAVX: false)
        #expect(decide("Prescott", on: noAVXState) == .keep(.best(.prescott)))
    }

    @Test func anEnvironmentTheUserSetIsLeftAsItIs() {
        #expect(decide("Haswell", on: sapphireRapids, environment: "Haswell") == .keep(.setByUser("Haswell")))
        #expect(decide("Prescott", on: sapphireRapids, mode: .system, environment: "prescott") == .keep(.setByUser("prescott")))
        #expect(BLASCoreChoice.KeepReason.setByUser("Haswell").description == "OPENBLAS_CORETYPE set by the user; left as it is")
    }

    @Test func systemKeepsOpenBLASsChoice() {
        #expect(decide("Prescott", on: sapphireRapids, mode: .system) == .keep(.system))
    }

    @Test func aNameThisProgramDoesNotRankIsKept() {
        #expect(decide("SapphireRapids", on: sapphireRapids) == .keep(.unranked("SapphireRapids")))
    }

    @Test func aForcedCoreTheCPURunsIsForcedWhateverItsCase() {
        #expect(decide("Prescott", on: haswellDesktop, mode: .forced("haswell")) == .force(.haswell))
        #expect(decide("Prescott", on: sapphireRapids, mode: .forced("SkylakeX"), environment: "skylakex") == .force(.skylakeX))
    }

    @Test func aForcedCoreTheCPUCannotRunIsRefusedNamingWhatIsMissing() {
        let choice = decide("Haswell", on: haswellDesktop, mode: .forced("SkylakeX"))
        #expect(choice == .refuse(.unsupported(.skylakeX, missing: [.avx512f, .avx512bw, .avx512dq, .avx512vl, .avx512cd])))
        guard case .refuse(let refusal) = choice else { return }
        #expect(refusal.description.contains("AVX-512F"))
        #expect(refusal.description.contains("SIGILL"))
        #expect(decide("Cooperlake", on: sapphireRapids, mode: .forced("Bulldozer")) == .refuse(.unsupported(.bulldozer, missing: [.fma4])))
    }

    @Test func anUnknownForcedNameIsRefusedListingTheValidOnes() {
        let choice = decide("Prescott", on: sapphireRapids, mode: .forced("Skylake"))
        #expect(choice == .refuse(.unknownName("Skylake")))
        guard case .refuse(let refusal) = choice else { return }
        #expect(refusal.description.contains("SkylakeX, Cooperlake"))
    }

    @Test func aForcedCoreThatContradictsTheEnvironmentIsRefused() {
        #expect(decide("Haswell", on: sapphireRapids, mode: .forced("SkylakeX"), environment: "Haswell")
            == .refuse(.conflictsWithEnvironment(.skylakeX, environment: "Haswell")))
    }

    @Test func modesParseFromTheirArgument() {
        #expect(BLASCoreMode(argument: "auto") == .auto)
        #expect(BLASCoreMode(argument: "system") == .system)
        #expect(BLASCoreMode(argument: "Haswell") == .forced("Haswell"))
        #expect(BLASCoreMode(argument: "") == nil)
    }
}
