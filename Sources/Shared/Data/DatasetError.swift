/// Errors in dataset files. Every row-level case names the file and line (1-based) so a user can fix
/// the row; `isRowError` tells which ones `--skip-invalid` may skip.
public enum DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case invalidJSON(file: String, line: Int, reason: String)
    /// The row's bytes are not UTF-8; `byte` is the 1-based offset of the first bad byte in the line.
    case invalidUTF8(file: String, line: Int, byte: Int)
    case missingField(file: String, line: Int, field: String)
    case invalidField(file: String, line: Int, field: String, reason: String)
    /// The row's fields match none of the schemas of `DatasetFormat`.
    case unknownFormat(file: String, line: Int, fields: [String])
    case empty(file: String)
    case invalidLimits(String)
    case invalidMixer(String)
    /// Text pairs were given but no tokenizer to turn them into ids.
    case tokenizerRequired(file: String)
    /// The chat template's end-of-sequence token cannot be determined or is not one token.
    case noEndOfSequenceToken(directory: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot be read: \(reason)"
        case .invalidJSON(let file, let line, let reason):
            return "\(file):\(line): invalid JSON: \(reason)"
        case .invalidUTF8(let file, let line, let byte):
            return "\(file):\(line): invalid UTF-8 at byte \(byte) of the line"
        case .missingField(let file, let line, let field):
            return "\(file):\(line): field \"\(field)\" is missing"
        case .invalidField(let file, let line, let field, let reason):
            return "\(file):\(line): field \"\(field)\" \(reason)"
        case .unknownFormat(let file, let line, let fields):
            let present = fields.isEmpty ? "no fields" : "fields " + fields.map { "\"\($0)\"" }.joined(separator: ", ")
            return "\(file):\(line): the row (\(present)) matches no known dataset schema; expected PKU-SafeRLHF, "
                + "UltraFeedback-binarized, red-teaming, text or tokenized pairs, or name one with --format"
        case .empty(let file):
            return "\(file): holds no pairs"
        case .invalidLimits(let reason):
            return "invalid truncation limits: \(reason)"
        case .invalidMixer(let reason):
            return "invalid dataset_mixer: \(reason)"
        case .tokenizerRequired(let file):
            return "\(file): holds text pairs; tokenizing them needs a tokenizer (a model directory with tokenizer.json)"
        case .noEndOfSequenceToken(let directory, let reason):
            return "\(directory): no end-of-sequence token for the chat template: \(reason)"
        }
    }

    /// Whether the error concerns one row only, so that `--skip-invalid` may skip the row and go on.
    public var isRowError: Bool {
        switch self {
        case .invalidJSON, .invalidUTF8, .missingField, .invalidField: return true
        default: return false
        }
    }

    /// The row's line for row-level errors.
    public var line: Int? {
        switch self {
        case .invalidJSON(_, let line, _), .invalidUTF8(_, let line, _), .missingField(_, let line, _),
             .invalidField(_, let line, _, _), .unknownFormat(_, let line, _):
            return line
        default:
            return nil
        }
    }

    /// A short name of the kind of fault, grouping skipped rows in summaries: `invalid JSON`,
    /// `missing field "prompt"`, …
    public var kind: String {
        switch self {
        case .unreadable: return "unreadable file"
        case .invalidJSON: return "invalid JSON"
        case .invalidUTF8: return "invalid UTF-8"
        case .missingField(_, _, let field): return "missing field \"\(field)\""
        case .invalidField(_, _, let field, _): return "invalid field \"\(field)\""
        case .unknownFormat: return "unknown schema"
        case .empty: return "no pairs"
        case .invalidLimits: return "invalid limits"
        case .invalidMixer: return "invalid dataset_mixer"
        case .tokenizerRequired: return "no tokenizer"
        case .noEndOfSequenceToken: return "no end-of-sequence token"
        }
    }
}
