/// What a process restarted by `BLASCoreSetup` learns from the one before it, through two private
/// environment variables: the core OpenBLAS chose on its own in the first process, and the cores tried
/// since, in order. Each restart appends to the list and the list ends at `system`, so the chain of
/// restarts is finite however the tries go.
///
/// Child processes inherit the variables on purpose: a `bfpo-bench` suite's rows then run with the core
/// the suite settled on without restarting themselves.
struct BLASCoreMarker: Equatable {
    static let triedVariable = "BFPO_BLAS_CORE_TRIED"
    static let systemVariable = "BFPO_BLAS_CORE_SYSTEM"
    /// The last entry of the tried list when every candidate failed.
    static let fallbackEntry = "system"

    /// The core OpenBLAS chose with no `OPENBLAS_CORETYPE`.
    var system: String
    /// The cores tried, in order; the last one is what this process was started with unless `fellBack`.
    var tried: [BLASCore]
    /// Every candidate failed and this process runs with OpenBLAS's own choice.
    var fellBack = false

    init(system: String, tried: [BLASCore], fellBack: Bool = false) {
        self.system = system
        self.tried = tried
        self.fellBack = fellBack
    }

    /// The marker in `environment`, or nil when this process was not restarted by `BLASCoreSetup`.
    init?(environment: [String: String]) throws {
        guard let value = environment[Self.triedVariable] else { return nil }
        var entries = value.split(separator: ",").map(String.init)
        fellBack = entries.last == Self.fallbackEntry
        if fellBack { entries.removeLast() }
        let cores = entries.compactMap(BLASCore.init(name:))
        guard cores.count == entries.count, !cores.isEmpty || fellBack else { throw BLASCoreError.malformedMarker(value) }
        system = environment[Self.systemVariable] ?? ""
        tried = cores
    }

    /// The variables to set for the next process.
    var variables: [(name: String, value: String?)] {
        let entries = tried.map(\.rawValue) + (fellBack ? [Self.fallbackEntry] : [])
        return [(Self.systemVariable, system), (Self.triedVariable, entries.joined(separator: ","))]
    }
}
