/// Why a process would not start with the OpenBLAS kernels it was asked for, as sentences.
public enum BLASCoreError: Error, Equatable, CustomStringConvertible {
    /// `BLASCoreChoice` refused a forced core.
    case refused(BLASCoreChoice.Refusal)
    /// A forced core did not load as asked or failed the self-test.
    case forcedCoreFailed(BLASCore, reason: String)
    /// The variables a restarted process reads from the one before it do not parse.
    case malformedMarker(String)

    public var description: String {
        switch self {
        case .refused(let refusal): refusal.description
        case .forcedCoreFailed(let core, let reason):
            "--blas-core \(core) cannot be used: \(reason). Use --blas-core auto or system instead."
        case .malformedMarker(let value):
            "\(BLASCoreMarker.triedVariable)=\(value) in the environment does not parse; it is set only by "
                + "bfpo's own restart, so unset it."
        }
    }
}
