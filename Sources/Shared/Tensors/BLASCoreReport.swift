/// The kernels a process ended up with and why: what `BLASCoreSetup` logs at start and what a worker
/// reports to the coordinator and a benchmark prints beside its figures.
public struct BLASCoreReport: Sendable, Equatable, CustomStringConvertible {
    /// The core OpenBLAS runs, as `openblas_get_corename` names it.
    public var core: String
    /// A clause saying how it was chosen ("OPENBLAS_CORETYPE set by the user; left as it is").
    public var reason: String

    public init(core: String, reason: String) {
        self.core = core
        self.reason = reason
    }

    public var description: String { "BLAS core: \(core) (\(reason))" }
}
