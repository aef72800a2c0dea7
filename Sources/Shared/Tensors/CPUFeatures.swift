import CCPUFeatures

/// What this CPU can run, read with CPUID: the facts the choice of an OpenBLAS kernel (`BLASCoreChoice`)
/// rests on.
///
/// The vector flags say what the CPU reports; `osSavesAVX` and `osSavesAVX512` say whether the operating
/// system saves those registers (XCR0). An instruction set is usable only with both, which is what
/// `has(_:)` answers: OpenBLAS's AVX-512 kernels on a kernel without the AVX-512 state die with SIGILL.
public struct CPUFeatures: Sendable, Equatable {
    /// The CPU's maker, from CPUID leaf 0.
    public enum Vendor: Sendable, Equatable, CustomStringConvertible {
        case intel, amd
        case other(String)

        init(identifier: String) {
            switch identifier {
            case "GenuineIntel": self = .intel
            case "AuthenticAMD", "HygonGenuine": self = .amd
            default: self = .other(identifier)
            }
        }

        public var description: String {
            switch self {
            case .intel: "Intel"
            case .amd: "AMD"
            case .other(let identifier): identifier.isEmpty ? "unknown vendor" : identifier
            }
        }
    }

    /// One instruction-set extension a kernel may need.
    public enum Feature: Sendable, Equatable, CaseIterable, CustomStringConvertible {
        case sse3, ssse3, sse41, sse42, avx, avx2, fma, fma4
        case avx512f, avx512bw, avx512dq, avx512vl, avx512cd, avx512bf16

        public var description: String {
            switch self {
            case .sse3: "SSE3"
            case .ssse3: "SSSE3"
            case .sse41: "SSE4.1"
            case .sse42: "SSE4.2"
            case .avx: "AVX"
            case .avx2: "AVX2"
            case .fma: "FMA"
            case .fma4: "FMA4"
            case .avx512f: "AVX-512F"
            case .avx512bw: "AVX-512BW"
            case .avx512dq: "AVX-512DQ"
            case .avx512vl: "AVX-512VL"
            case .avx512cd: "AVX-512CD"
            case .avx512bf16: "AVX512-BF16"
            }
        }

        /// The register state the OS must save for the extension to be usable.
        var state: RegisterState {
            switch self {
            case .sse3, .ssse3, .sse41, .sse42: .sse
            case .avx, .avx2, .fma, .fma4: .avx
            case .avx512f, .avx512bw, .avx512dq, .avx512vl, .avx512cd, .avx512bf16: .avx512
            }
        }
    }

    enum RegisterState { case sse, avx, avx512 }

    public var vendor: Vendor
    /// Display family and model (base plus extended fields, as /proc/cpuinfo shows them).
    public var family: Int
    public var model: Int
    /// The extensions the CPU reports, whether or not the OS enables their registers.
    public var reported: Set<Feature>
    /// XCR0 has the SSE and AVX (YMM) state bits.
    public var osSavesAVX: Bool
    /// XCR0 additionally has the three AVX-512 state bits (opmask, ZMM_Hi256, Hi16_ZMM).
    public var osSavesAVX512: Bool

    public init(
        vendor: Vendor, family: Int, model: Int, reported: Set<Feature>,
        osSavesAVX: Bool = true, osSavesAVX512: Bool = true
    ) {
        self.vendor = vendor
        self.family = family
        self.model = model
        self.reported = reported
        self.osSavesAVX = osSavesAVX
        self.osSavesAVX512 = osSavesAVX512
    }

    /// Whether code using `feature` runs here: the CPU reports it and the OS saves its registers.
    public func has(_ feature: Feature) -> Bool {
        guard reported.contains(feature) else { return false }
        switch feature.state {
        case .sse: return true
        case .avx: return osSavesAVX
        case .avx512: return osSavesAVX && osSavesAVX512
        }
    }

    public var avx: Bool { has(.avx) }
    public var avx2: Bool { has(.avx2) }
    public var fma: Bool { has(.fma) }
    public var avx512f: Bool { has(.avx512f) }
    public var avx512bw: Bool { has(.avx512bw) }
    public var avx512dq: Bool { has(.avx512dq) }
    public var avx512vl: Bool { has(.avx512vl) }
    public var avx512cd: Bool { has(.avx512cd) }
    public var avx512bf16: Bool { has(.avx512bf16) }

    /// The CPU this process runs on.
    public static var current: CPUFeatures {
        let leaf0 = bfpo_cpuid(0, 0)
        let maxLeaf = leaf0.supported != 0 ? leaf0.eax : 0
        let vendorBytes = [leaf0.ebx, leaf0.edx, leaf0.ecx].flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> ($0 * 8)) } }
        let vendor = Vendor(identifier: String(decoding: vendorBytes.filter { $0 != 0 }, as: UTF8.self))

        let leaf1 = bfpo_cpuid(1, 0)
        let baseFamily = Int((leaf1.eax >> 8) & 0xF), baseModel = Int((leaf1.eax >> 4) & 0xF)
        let family = baseFamily == 0xF ? baseFamily + Int((leaf1.eax >> 20) & 0xFF) : baseFamily
        let model = baseFamily == 0x6 || baseFamily == 0xF ? baseModel | Int((leaf1.eax >> 16) & 0xF) << 4 : baseModel

        let leaf7 = maxLeaf >= 7 ? bfpo_cpuid(7, 0) : bfpo_cpuid_registers()
        let leaf7s1 = maxLeaf >= 7 && leaf7.eax >= 1 ? bfpo_cpuid(7, 1) : bfpo_cpuid_registers()
        let extended = bfpo_cpuid(0x8000_0001, 0)
        func bit(_ register: UInt32, _ index: UInt32) -> Bool { register & (1 << index) != 0 }
        let flags: [(Feature, Bool)] = [
            (.sse3, bit(leaf1.ecx, 0)), (.ssse3, bit(leaf1.ecx, 9)), (.sse41, bit(leaf1.ecx, 19)),
            (.sse42, bit(leaf1.ecx, 20)), (.avx, bit(leaf1.ecx, 28)), (.fma, bit(leaf1.ecx, 12)),
            (.avx2, bit(leaf7.ebx, 5)), (.fma4, extended.supported != 0 && bit(extended.ecx, 16)),
            (.avx512f, bit(leaf7.ebx, 16)), (.avx512dq, bit(leaf7.ebx, 17)), (.avx512cd, bit(leaf7.ebx, 28)),
            (.avx512bw, bit(leaf7.ebx, 30)), (.avx512vl, bit(leaf7.ebx, 31)), (.avx512bf16, bit(leaf7s1.eax, 5)),
        ]
        let xcr0 = bfpo_xcr0()
        let avxState: UInt64 = 0b110, avx512State: UInt64 = 0b1110_0000
        return CPUFeatures(
            vendor: vendor, family: family, model: model, reported: Set(flags.filter(\.1).map(\.0)),
            osSavesAVX: xcr0 & avxState == avxState, osSavesAVX512: xcr0 & avx512State == avx512State)
    }
}
