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

        /// Whether both come from the same file, or both from the command line.
        func isSameSource(as other: Origin) -> Bool {
            switch (self, other) {
            case (.file(let a, _), .file(let b, _)): return a == b
            case (.override, .override): return true
            default: return false
            }
        }
    }

    /// A key no table knows, with the closest known key when one is near.
    struct UnknownKey: Equatable {
        let key: String
        let origin: Origin
        let suggestion: String?
    }

    case unreadable(path: String, reason: String)
    case invalidYAML(source: String, reason: String)
    case notAMapping(source: String)
    /// Every unknown key of the recipe, its `other_data_config` file and the overrides, in that order.
    case unknownKeys([UnknownKey])
    /// A key of another tool whose value would make this run differ from what the recipe says.
    case refusedKey(key: String, origin: Origin, reason: String)
    case objectiveNotGiven(source: String, reason: String)
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
        case .unknownKeys(let keys):
            let lines = keys.map { unknown in
                "\(unknown.origin): unknown recipe key \"\(unknown.key)\"" + (unknown.suggestion.map { "; did you mean \"\($0)\"?" } ?? "")
            }
            return lines.joined(separator: "\n") + "\n(docs/recipes.md lists every key a recipe may set)"
        case .refusedKey(let key, let origin, let reason):
            return "\(origin): \(key) cannot be applied here: \(reason)"
        case .objectiveNotGiven(let source, let reason):
            return "\(source): the recipe does not say which objective to train (\(reason)); add objective: bfpo, dpo, ipo or sft"
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
