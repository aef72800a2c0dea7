/// What is wrong with a recipe, as a sentence naming the key and where it was set.
enum RecipeError: Error, Equatable, CustomStringConvertible {
    /// Where a value came from: a line of the recipe file, or a command-line override.
    enum Origin: Equatable, CustomStringConvertible {
        case file(path: String, line: Int?)
        case override(String)

        var description: String {
            switch self {
            case .file(let path, let line?): return "\(path):\(line)"
            case .file(let path, nil): return path
            case .override(let text): return "override \"\(text)\""
            }
        }
    }

    case unreadable(path: String, reason: String)
    case invalidYAML(source: String, reason: String)
    case notAMapping(source: String)
    case unknownKey(key: String, origin: Origin, suggestion: String?)
    case duplicateKey(key: String, origin: Origin)
    case wrongType(key: String, expected: String, found: String, origin: Origin)
    case missingKey(key: String, source: String)
    case outOfRange(key: String, value: String, requirement: String)
    case invalidOverride(text: String, reason: String)

    var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): the recipe cannot be read: \(reason)"
        case .invalidYAML(let source, let reason):
            return "\(source): not valid YAML: \(reason)"
        case .notAMapping(let source):
            return "\(source): a recipe must be a mapping of keys to values"
        case .unknownKey(let key, let origin, let suggestion):
            let hint = suggestion.map { "; did you mean \"\($0)\"?" } ?? "; docs/recipes.md lists the keys a recipe may set"
            return "\(origin): unknown recipe key \"\(key)\"\(hint)"
        case .duplicateKey(let key, let origin):
            return "\(origin): the key \"\(key)\" appears twice"
        case .wrongType(let key, let expected, let found, let origin):
            return "\(origin): \(key) must be \(expected), found \(found)"
        case .missingKey(let key, let source):
            return "\(source): the required key \"\(key)\" is missing"
        case .outOfRange(let key, let value, let requirement):
            return "\(key) is \(value) but must be \(requirement)"
        case .invalidOverride(let text, let reason):
            return "override \"\(text)\": \(reason)"
        }
    }
}
