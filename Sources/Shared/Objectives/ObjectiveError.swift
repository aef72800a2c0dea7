/// Errors from configuring an objective or from the numbers it is given. Descriptions read as sentences.
public enum ObjectiveError: Error, Equatable, CustomStringConvertible {
    case invalidParameter(name: String, value: Double, requirement: String)
    case invalidPair(String)
    case invalidMetrics(String)

    public var description: String {
        switch self {
        case .invalidParameter(let name, let value, let requirement):
            return "objective parameter \(name) = \(value) is invalid: it must be \(requirement)"
        case .invalidPair(let reason):
            return "invalid preference pair: \(reason)"
        case .invalidMetrics(let reason):
            return "invalid metric sums: \(reason)"
        }
    }
}
