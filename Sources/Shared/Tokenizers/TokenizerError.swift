/// Errors loading tokenizer files or reading text to tokenize. Each case names the file (or input
/// line) and says what is wrong in a sentence, so a user can fix the input.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case unwritable(file: String, reason: String)
    case invalidJSON(file: String, reason: String)
    case missingField(file: String, field: String)
    case invalidField(file: String, field: String, reason: String)
    /// A valid setting this implementation does not reproduce (another model type, a normalizer, …).
    case unsupported(file: String, field: String, reason: String)
    /// Merge number `index` (1-based; a line number for merges.txt) is malformed or names an unknown token.
    case invalidMerge(file: String, index: Int, reason: String)
    case duplicateID(file: String, id: Int, first: String, second: String)
    case idOutOfRange(file: String, token: String, id: Int)
    /// An added token's id differs from the one `tokenizers` gives it on loading (it ignores the file's).
    case addedTokenIDMismatch(file: String, token: String, id: Int, expected: Int)
    case noTokenizerFiles(directory: String)
    /// Line `line` (1-based) of the text to tokenize is not one JSON string.
    case invalidInputLine(line: Int, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot be read: \(reason)"
        case .unwritable(let file, let reason):
            return "\(file): cannot be written: \(reason)"
        case .invalidJSON(let file, let reason):
            return "\(file): invalid JSON: \(reason)"
        case .missingField(let file, let field):
            return "\(file): field \"\(field)\" is missing"
        case .invalidField(let file, let field, let reason):
            return "\(file): field \"\(field)\" \(reason)"
        case .unsupported(let file, let field, let reason):
            return "\(file): field \"\(field)\": \(reason)"
        case .invalidMerge(let file, let index, let reason):
            return "\(file): merge \(index): \(reason)"
        case .duplicateID(let file, let id, let first, let second):
            return "\(file): id \(id) is given to both \"\(first)\" and \"\(second)\""
        case .idOutOfRange(let file, let token, let id):
            return "\(file): token \"\(token)\" has id \(id), outside 0..<\(ByteLevelBPETokenizer.maximumID)"
        case .addedTokenIDMismatch(let file, let token, let id, let expected):
            return "\(file): added token \"\(token)\" has id \(id), but tokenizers would give it id \(expected)"
        case .noTokenizerFiles(let directory):
            return "\(directory): holds neither tokenizer.json nor vocab.json + merges.txt"
        case .invalidInputLine(let line, let reason):
            return "line \(line): \(reason)"
        }
    }
}
