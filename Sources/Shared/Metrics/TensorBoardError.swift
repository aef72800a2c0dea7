/// Why an event file could not be written. Descriptions read as sentences naming the file.
public enum TensorBoardError: Error, Equatable, CustomStringConvertible {
    /// A system call failed.
    case io(call: String, path: String, reason: String)

    public var description: String {
        switch self {
        case .io(let call, let path, let reason):
            return "\(path): \(call) failed: \(reason)"
        }
    }
}
