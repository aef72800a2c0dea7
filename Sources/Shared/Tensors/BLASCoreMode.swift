/// What the user asked for with `--blas-core`: `auto` (move to faster kernels when OpenBLAS fell back
/// to slow ones), `system` (whatever OpenBLAS chose), or one core by name.
public enum BLASCoreMode: Sendable, Equatable, CustomStringConvertible {
    case auto
    case system
    /// A name as given; `BLASCoreChoice` checks it against `BLASCore` and the CPU.
    case forced(String)

    /// `auto`, `system`, or any other non-empty word as a forced core's name.
    public init?(argument: String) {
        switch argument {
        case "": return nil
        case "auto": self = .auto
        case "system": self = .system
        default: self = .forced(argument)
        }
    }

    public var description: String {
        switch self {
        case .auto: "auto"
        case .system: "system"
        case .forced(let name): name
        }
    }

    /// The help text of the `--blas-core` option, shared by every command that has it.
    public static let help = """
        OpenBLAS kernels: auto moves to the fastest kernels this CPU runs when OpenBLAS fell back \
        to slower ones, restarting the process once and checking them with a self-test; system keeps \
        OpenBLAS's own choice; a core name such as Haswell or SkylakeX forces that one, \
        after the same checks. An OPENBLAS_CORETYPE set in the environment is left as it is.
        """
}
