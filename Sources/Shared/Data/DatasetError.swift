/// Errors in dataset files. Every case names the file and line (1-based) so a user can fix the row.
public enum DatasetError: Error, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case invalidJSON(file: String, line: Int, reason: String)
    case missingField(file: String, line: Int, field: String)
    case invalidField(file: String, line: Int, field: String, reason: String)
    case empty(file: String)
    case invalidLimits(String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot be read: \(reason)"
        case .invalidJSON(let file, let line, let reason):
            return "\(file):\(line): invalid JSON: \(reason)"
        case .missingField(let file, let line, let field):
            return "\(file):\(line): field \"\(field)\" is missing"
        case .invalidField(let file, let line, let field, let reason):
            return "\(file):\(line): field \"\(field)\" \(reason)"
        case .empty(let file):
            return "\(file): holds no pairs"
        case .invalidLimits(let reason):
            return "invalid truncation limits: \(reason)"
        }
    }
}
