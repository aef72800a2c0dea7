/// One of the x86-64 kernel sets ("cores") a DYNAMIC_ARCH OpenBLAS carries, by the name it accepts in
/// `OPENBLAS_CORETYPE` and reports from `openblas_get_corename` (Debian's 0.3.21 build has all of these).
///
/// OpenBLAS picks one at load by CPU model number; a model it does not know (Sapphire/Emerald Rapids
/// in 0.3.21) falls back to Prescott's SSE3 kernels, several times slower than the AVX-512 ones the CPU
/// can run. `rank` orders the sets by how fast they multiply and `requirements` says what the CPU must
/// have to run them without SIGILL, which is all `BLASCoreChoice` needs to pick a better one.
public enum BLASCore: String, Sendable, CaseIterable, CustomStringConvertible {
    case katmai = "Katmai", coppermine = "Coppermine", northwood = "Northwood", prescott = "Prescott"
    case banias = "Banias", atom = "Atom", core2 = "Core2", penryn = "Penryn", dunnington = "Dunnington"
    case nehalem = "Nehalem", athlon = "Athlon", opteron = "Opteron", opteronSSE3 = "Opteron_SSE3"
    case barcelona = "Barcelona", nano = "Nano", bobcat = "Bobcat"
    case bulldozer = "Bulldozer", piledriver = "Piledriver", steamroller = "Steamroller", excavator = "Excavator"
    case sandybridge = "Sandybridge", haswell = "Haswell", zen = "Zen", skylakeX = "SkylakeX", cooperlake = "Cooperlake"

    public var description: String { rawValue }

    /// The core named `name`, compared case-insensitively as OpenBLAS itself does.
    public init?(name: String) {
        guard let core = Self.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else { return nil }
        self = core
    }

    /// Speed class of the kernels: the old and generic SSE sets all rank below Sandybridge's AVX, which
    /// ranks with the AMD Bulldozer family's AVX + FMA4 sets; Zen's kernels are Haswell's (AVX2 + FMA)
    /// with other blocking sizes.
    public var rank: Int {
        switch self {
        case .cooperlake: 5
        case .skylakeX: 4
        case .haswell, .zen: 3
        case .sandybridge, .bulldozer, .piledriver, .steamroller, .excavator: 2
        default: 1
        }
    }

    /// The extensions these kernels execute. The AMD Bulldozer family's kernels use FMA4, which no Intel
    /// CPU has; the pre-AVX sets need at most SSE4.2.
    public var requirements: [CPUFeatures.Feature] {
        switch self {
        case .katmai, .coppermine, .northwood, .banias, .athlon, .opteron: []
        case .prescott, .opteronSSE3, .barcelona, .nano: [.sse3]
        case .atom, .core2, .bobcat: [.sse3, .ssse3]
        case .penryn, .dunnington: [.sse3, .ssse3, .sse41]
        case .nehalem: [.sse3, .ssse3, .sse41, .sse42]
        case .bulldozer: [.avx, .fma4]
        case .piledriver, .steamroller, .excavator: [.avx, .fma, .fma4]
        case .sandybridge: [.avx]
        case .haswell, .zen: [.avx, .avx2, .fma]
        case .skylakeX: [.avx, .avx2, .fma, .avx512f, .avx512bw, .avx512dq, .avx512vl, .avx512cd]
        case .cooperlake: [.avx, .avx2, .fma, .avx512f, .avx512bw, .avx512dq, .avx512vl, .avx512cd, .avx512bf16]
        }
    }

    /// The requirements `features` does not meet; empty when the kernels run there.
    public func missing(on features: CPUFeatures) -> [CPUFeatures.Feature] {
        requirements.filter { !features.has($0) }
    }

    /// The cores `auto` may move to, best first: one per speed class above the old SSE sets, with Zen's
    /// name for the Haswell class on AMD.
    static func upgrades(for vendor: CPUFeatures.Vendor) -> [BLASCore] {
        [.cooperlake, .skylakeX, vendor == .amd ? .zen : .haswell, .sandybridge]
    }

    /// What a CPU must have for these kernels, in the words of the start-up log line.
    var capability: String {
        switch rank {
        case 5: "AVX-512 and AVX512-BF16"
        case 4: "AVX-512"
        case 3: "AVX2 and FMA"
        default: "AVX"
        }
    }
}
