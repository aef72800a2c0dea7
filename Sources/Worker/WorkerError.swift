/// Why a worker gave up or turned a message down, as sentences.
enum WorkerError: Error, CustomStringConvertible {
    case protocolViolation(String)
    case coordinatorUnreachable(endpoint: String, seconds: Double)
    case refused(String)

    var description: String {
        switch self {
        case .protocolViolation(let reason): return "the coordinator sent something this worker cannot use: \(reason)"
        case .coordinatorUnreachable(let endpoint, let seconds):
            return "no coordinator answered at \(endpoint) for \(Int(seconds)) s; giving up"
        case .refused(let reason): return "the coordinator refused this worker: \(reason)"
        }
    }
}
