/// Which OpenBLAS kernels a process should run with, decided from facts alone (no environment, no I/O),
/// so that every rule can be tested on hand-made CPUs. `BLASCoreSetup` acts on the outcome.
///
/// The rules, in order:
/// - a forced name must be a known core whose requirements the CPU meets (otherwise the first product
///   would die with SIGILL), and must agree with an `OPENBLAS_CORETYPE` the user set;
/// - an `OPENBLAS_CORETYPE` the user set is kept as it is;
/// - `system` keeps OpenBLAS's choice;
/// - `auto` keeps OpenBLAS's choice unless a faster core runs on this CPU, and then lists every faster
///   core the CPU runs, best first, to be tried in turn.
public enum BLASCoreChoice: Sendable, Equatable {
    /// Leave OpenBLAS as it loaded.
    case keep(KeepReason)
    /// Restart with the first candidate; fall back to the next when one fails. `reason` is a clause for
    /// the log line ("OpenBLAS chose Prescott; this CPU has AVX-512 and AVX512-BF16").
    case reexec(candidates: [BLASCore], reason: String)
    /// Run with this core, which the user named; it must pass the self-test.
    case force(BLASCore)
    /// Do not start.
    case refuse(Refusal)

    /// Why OpenBLAS's own choice stands.
    public enum KeepReason: Sendable, Equatable, CustomStringConvertible {
        /// The environment's `OPENBLAS_CORETYPE`, as the user set it.
        case setByUser(String)
        /// `--blas-core system`.
        case system
        /// OpenBLAS already runs the fastest core this CPU supports.
        case best(BLASCore)
        /// OpenBLAS reported a core this program does not rank (a newer library's name).
        case unranked(String)

        public var description: String {
            switch self {
            case .setByUser: "OPENBLAS_CORETYPE set by the user; left as it is"
            case .system: "OpenBLAS's own choice, as --blas-core system asks"
            case .best(let core): "OpenBLAS's own choice; no faster core runs on this CPU than \(core)"
            case .unranked(let name): "OpenBLAS's own choice; \(name) is a core this program does not rank, so it is left as it is"
            }
        }
    }

    /// Why a forced core cannot be used.
    public enum Refusal: Sendable, Equatable, CustomStringConvertible {
        case unknownName(String)
        case unsupported(BLASCore, missing: [CPUFeatures.Feature])
        case conflictsWithEnvironment(BLASCore, environment: String)

        public var description: String {
            switch self {
            case .unknownName(let name):
                "--blas-core \(name) names no OpenBLAS core; use auto, system or one of "
                    + BLASCore.allCases.map(\.rawValue).joined(separator: ", ") + "."
            case .unsupported(let core, let missing):
                "--blas-core \(core) needs \(missing.map(\.description).joined(separator: ", ")), which this CPU "
                    + "(or its operating system) does not provide; its kernels would die with SIGILL."
            case .conflictsWithEnvironment(let core, let environment):
                "--blas-core \(core) disagrees with OPENBLAS_CORETYPE=\(environment) in the environment; drop one of them."
            }
        }
    }

    /// The decision for a process where OpenBLAS chose `chosen`, on a CPU with `features`, asked for
    /// `mode`, with `environmentCore` the `OPENBLAS_CORETYPE` the user set (nil when unset).
    public static func decide(
        chosen: String, features: CPUFeatures, mode: BLASCoreMode, environmentCore: String?
    ) -> BLASCoreChoice {
        switch mode {
        case .forced(let name):
            guard let core = BLASCore(name: name) else { return .refuse(.unknownName(name)) }
            let missing = core.missing(on: features)
            guard missing.isEmpty else { return .refuse(.unsupported(core, missing: missing)) }
            if let environmentCore, BLASCore(name: environmentCore) != core {
                return .refuse(.conflictsWithEnvironment(core, environment: environmentCore))
            }
            return .force(core)
        case .system:
            return .keep(environmentCore.map(KeepReason.setByUser) ?? .system)
        case .auto:
            if let environmentCore { return .keep(.setByUser(environmentCore)) }
            guard let current = BLASCore(name: chosen) else { return .keep(.unranked(chosen)) }
            let candidates = BLASCore.upgrades(for: features.vendor)
                .filter { $0.rank > current.rank && $0.missing(on: features).isEmpty }
            guard let best = candidates.first else { return .keep(.best(current)) }
            return .reexec(candidates: candidates, reason: "OpenBLAS chose \(current); this CPU has \(best.capability)")
        }
    }
}
