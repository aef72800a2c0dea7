import Foundation

/// Puts OpenBLAS on the kernels `--blas-core` asks for, at the very start of a command.
///
/// OpenBLAS picks its kernels once, when it is loaded, from the CPU model number; 0.3.21 does not know
/// Sapphire/Emerald Rapids and falls back to Prescott's SSE3 kernels, 3–4× slower than the AVX-512 ones
/// the CPU runs. It reads `OPENBLAS_CORETYPE` only at that moment, so a different core takes a new
/// process: this restarts the executable (same pid, same arguments) with the variable set, and the new
/// process checks that OpenBLAS loaded that core and that its products pass `BLASSelfTest`. A core that
/// fails is followed by the next candidate, and after the last by OpenBLAS's own choice.
///
/// Call `establish` before anything creates a thread or a ZeroMQ context and before anything is written
/// to stdout: a restart discards the first, and the second would be printed twice.
public enum BLASCoreSetup {
    static let coreTypeVariable = "OPENBLAS_CORETYPE"

    /// Settles the core for `mode`, restarting the process when that takes a different one (this call
    /// then returns in the new process), logs one line saying which core and why, and returns it.
    @discardableResult
    public static func establish(mode: BLASCoreMode, log: Logger) throws -> BLASCoreReport {
        let environment = ProcessInfo.processInfo.environment
        let report: BLASCoreReport
        if let marker = try BLASCoreMarker(environment: environment) {
            report = try resume(marker, mode: mode, log: log)
        } else {
            report = try begin(mode: mode, environmentCore: environment[coreTypeVariable])
        }
        log.info(report.description)
        return report
    }

    /// The first process: decide, then keep, refuse, check a forced core already loaded, or restart.
    private static func begin(mode: BLASCoreMode, environmentCore: String?) throws -> BLASCoreReport {
        let chosen = BLAS.corename
        switch BLASCoreChoice.decide(chosen: chosen, features: .current, mode: mode, environmentCore: environmentCore) {
        case .keep(let reason):
            return BLASCoreReport(core: chosen, reason: reason.description)
        case .refuse(let refusal):
            throw BLASCoreError.refused(refusal)
        case .force(let core):
            guard BLASCore(name: chosen) == core else {
                try restart(with: core, marker: BLASCoreMarker(system: chosen, tried: [core]))
            }
            if let failure = failure(of: core, loaded: chosen) { throw BLASCoreError.forcedCoreFailed(core, reason: failure) }
            return BLASCoreReport(core: chosen, reason: "forced with --blas-core; it passed the self-test")
        case .reexec(let candidates, _):
            try restart(with: candidates[0], marker: BLASCoreMarker(system: chosen, tried: [candidates[0]]))
        }
    }

    /// A restarted process: check the core it was started with; on failure move to the next candidate,
    /// or to OpenBLAS's own choice when none is left.
    private static func resume(_ marker: BLASCoreMarker, mode: BLASCoreMode, log: Logger) throws -> BLASCoreReport {
        let loaded = BLAS.corename
        guard !marker.fellBack, let core = marker.tried.last else {
            let tried = marker.tried.map(\.rawValue).joined(separator: ", ")
            return BLASCoreReport(core: loaded, reason: "OpenBLAS's own choice, after \(tried) failed; see the warnings above")
        }
        let failure = failure(of: core, loaded: loaded)
        if case .forced = mode {
            if let failure { throw BLASCoreError.forcedCoreFailed(core, reason: failure) }
            return BLASCoreReport(
                core: loaded, reason: "forced with --blas-core; OpenBLAS chose \(marker.system) by itself; \(core) passed the self-test")
        }
        let decision = BLASCoreChoice.decide(chosen: marker.system, features: .current, mode: .auto, environmentCore: nil)
        var candidates: [BLASCore] = [], reason = "OpenBLAS chose \(marker.system)"
        if case .reexec(let upgrades, let why) = decision { (candidates, reason) = (upgrades, why) }
        guard let failure else { return BLASCoreReport(core: loaded, reason: "\(reason); \(core) passed the self-test") }

        log.warning("BLAS core \(core) is not usable here: \(failure); trying the next")
        var next = marker
        if let candidate = candidates.first(where: { !marker.tried.contains($0) }) {
            next.tried.append(candidate)
            try restart(with: candidate, marker: next)
        }
        next.fellBack = true
        try restart(with: nil, marker: next)
    }

    /// Why `core` is not usable in this process, whose OpenBLAS loaded `loaded`; nil when it is.
    private static func failure(of core: BLASCore, loaded: String) -> String? {
        guard BLASCore(name: loaded) == core else { return "OpenBLAS loaded \(loaded.isEmpty ? "no core" : loaded) instead" }
        let outcome = BLASSelfTest.run()
        return outcome.passed ? nil : "its products failed the self-test (\(outcome))"
    }

    /// Restarts with `OPENBLAS_CORETYPE` set to `core`, or removed for nil, and `marker`'s variables.
    private static func restart(with core: BLASCore?, marker: BLASCoreMarker) throws -> Never {
        try ProcessRestart.restart(changing: [(coreTypeVariable, core?.rawValue)] + marker.variables)
    }
}
