/// Why a checkpoint could not be written or used. Descriptions read as sentences naming the file.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    /// A system call failed.
    case io(call: String, path: String, reason: String)
    case invalidStep(Int)
    /// A buffer to save (an optimizer moment, the public copy) does not hold one value per parameter.
    case momentCountMismatch(name: String, expected: Int, actual: Int)
    case missingFile(path: String)
    case invalidState(path: String, reason: String)
    case stepMismatch(path: String, directoryStep: Int, recordedStep: Int)
    case digestMismatch(path: String, expected: String, actual: String)
    case invalidOptimizerState(path: String, reason: String)
    case invalidPublicCopy(path: String, reason: String)
    /// The model directory part failed to load (`ModelError` or `SafetensorsError`).
    case invalidModel(path: String, reason: String)
    /// A run's checkpoints were asked for, and none verifies.
    case noUsableCheckpoint(directory: String, problems: [String])

    public var description: String {
        switch self {
        case .io(let call, let path, let reason):
            return "\(path): \(call) failed: \(reason)"
        case .invalidStep(let step):
            return "checkpoint step \(step) is outside 0...\(CheckpointStore.maximumStep)"
        case .momentCountMismatch(let name, let expected, let actual):
            return "the \(name) buffer holds \(actual) values but the model has \(expected) parameters"
        case .missingFile(let path):
            return "\(path) is missing"
        case .invalidState(let path, let reason):
            return "\(path) cannot be used: \(reason)"
        case .stepMismatch(let path, let directoryStep, let recordedStep):
            return "\(path) records step \(recordedStep) but its directory is named for step \(directoryStep)"
        case .digestMismatch(let path, let expected, let actual):
            return "\(path) is corrupt: its SHA-256 is \(actual), the checkpoint records \(expected)"
        case .invalidOptimizerState(let path, let reason):
            return "\(path): invalid optimizer state: \(reason)"
        case .invalidPublicCopy(let path, let reason):
            return "\(path): invalid public copy: \(reason)"
        case .invalidModel(let path, let reason):
            return "\(path): the model cannot be loaded: \(reason)"
        case .noUsableCheckpoint(let directory, let problems):
            return "\(directory) holds no checkpoint that verifies"
                + (problems.isEmpty ? "" : ": " + problems.joined(separator: "; "))
        }
    }
}
