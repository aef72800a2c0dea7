import Foundation
import Yams
import Shared

/// One recipe value as YAML gave it, with its key and origin, read as a Swift type under YAML's scalar
/// rules (Yams' resolver): `5e-7` and `1.0` are numbers, `"5"` is a string, `true`/`yes` are booleans,
/// `null`, `~` and an empty value are null. A wrong type throws `RecipeError.wrongType` naming the key.
struct RecipeValue {
    let key: String
    let node: Node
    let origin: RecipeError.Origin
    /// The directory relative paths are resolved against.
    let baseDirectory: String

    var isNull: Bool { Self.tagName(of: node) == .null }

    func string() throws -> String {
        guard case .scalar(let scalar) = node, !isNull else { throw mismatch("a string") }
        return scalar.string
    }

    /// A path, made absolute against `baseDirectory` and normalised (`.` and `..` removed).
    func path() throws -> String {
        let text = try string()
        guard !text.isEmpty else { throw mismatch("a path") }
        return Self.resolve(text, against: baseDirectory)
    }

    func double() throws -> Double {
        guard case .scalar(let scalar) = node else { throw mismatch("a number") }
        switch Self.tagName(of: node) {
        case .float: if let value = Double.construct(from: scalar) { return value }
        case .int: if let value = Int.construct(from: scalar) { return Double(value) }
        default: break
        }
        throw mismatch("a number")
    }

    /// An integer; a float with an integral value (`2.0`) is accepted as that integer.
    func int() throws -> Int {
        guard case .scalar(let scalar) = node else { throw mismatch("an integer") }
        switch Self.tagName(of: node) {
        case .int: if let value = Int.construct(from: scalar) { return value }
        case .float:
            if let value = Double.construct(from: scalar), value.rounded() == value, abs(value) < 0x1p62 { return Int(value) }
        default: break
        }
        throw mismatch("an integer")
    }

    func bool() throws -> Bool {
        guard case .scalar(let scalar) = node, Self.tagName(of: node) == .bool, let value = Bool.construct(from: scalar) else {
            throw mismatch("true or false")
        }
        return value
    }

    /// One of `T`'s raw values. YAML 1.1 reads an unquoted `no` as the boolean false, which is taken for a
    /// `no` case (`eval_strategy: no`, `save_strategy: no`).
    func choice<T: RawRepresentable & CaseIterable>(_ type: T.Type) throws -> T where T.RawValue == String {
        if case .scalar(let scalar) = node, Self.tagName(of: node) == .bool, Bool.construct(from: scalar) == false,
           let no = T(rawValue: "no") {
            return no
        }
        let names = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        guard case .scalar(let scalar) = node, Self.tagName(of: node) == .str, let value = T(rawValue: scalar.string) else {
            throw mismatch("one of \(names)")
        }
        return value
    }

    /// An `EvalStrategy`, or nil for null.
    func evalStrategy() throws -> EvalStrategy? {
        isNull ? nil : try choice(EvalStrategy.self)
    }

    /// A `WireCompression` in its recipe form (`none`, `bf16`, `topk`, `topk:F`).
    func compression() throws -> WireCompression {
        guard case .scalar(let scalar) = node, let value = try? WireCompression(recipeValue: scalar.string) else {
            throw mismatch(WireCompression.acceptedForms)
        }
        return value
    }

    /// A list of strings, in the order written; each element is any non-null scalar, read as its text.
    func strings() throws -> [String] {
        guard case .sequence(let sequence) = node else { throw mismatch("a list of strings") }
        return try sequence.enumerated().map { index, element in
            try RecipeValue(key: "\(key)[\(index)]", node: element, origin: Self.origin(of: element, default: origin),
                            baseDirectory: baseDirectory).string()
        }
    }

    /// A list of strings, or one string standing for a one-element list (HF's `report_to: wandb`).
    func stringOrStrings() throws -> [String] {
        if case .scalar = node, Self.tagName(of: node) == .str { return [try string()] }
        guard case .sequence = node else { throw mismatch("a string or a list of strings") }
        return try strings()
    }

    /// Whether the value asks for nothing: null, false, an empty string, list or mapping, or one of
    /// `inert` as written (`model_revision: main`).
    func asksForNothing(besides inert: Set<String>) -> Bool {
        switch node {
        case .mapping(let mapping): return mapping.count == 0
        case .sequence(let sequence): return sequence.count == 0
        case .scalar(let scalar):
            if isNull || scalar.string.isEmpty || inert.contains(scalar.string) { return true }
            return Self.tagName(of: node) == .bool && Bool.construct(from: scalar) == false
        }
    }

    /// A dataset mixer: a mapping of paths to fractions, in the order written.
    func mixer() throws -> [Recipe.DatasetSource] {
        guard case .mapping(let mapping) = node else { throw mismatch("a mapping of dataset paths to fractions") }
        var sources: [Recipe.DatasetSource] = []
        var seen = Set<String>()
        for (pathNode, fractionNode) in mapping {
            let origin = Self.origin(of: pathNode, default: origin)
            guard case .scalar(let scalar) = pathNode, Self.tagName(of: pathNode) != .null, !scalar.string.isEmpty else {
                throw RecipeError.wrongType(key: key, expected: "a mapping whose keys are dataset paths", found: Self.describe(pathNode), origin: origin)
            }
            let path = Self.resolve(scalar.string, against: baseDirectory)
            guard seen.insert(path).inserted else { throw RecipeError.duplicateKey(key: "\(key): \(scalar.string)", origin: origin) }
            let fraction = try RecipeValue(key: "\(key): \(scalar.string)", node: fractionNode, origin: origin, baseDirectory: baseDirectory).double()
            sources.append(Recipe.DatasetSource(path: path, fraction: fraction))
        }
        return sources
    }

    // MARK: Helpers

    /// The node's resolved tag (`Tag.name` is internal to Yams; its description is the name).
    static func tagName(of node: Node) -> Tag.Name { Tag.Name(rawValue: node.tag.description) }

    private func mismatch(_ expected: String) -> RecipeError {
        .wrongType(key: key, expected: expected, found: Self.describe(node), origin: origin)
    }

    /// How a value reads in an error: "the string \"abc\"", "a mapping", "null".
    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar):
            switch Self.tagName(of: node) {
            case .null: return "null"
            case .bool: return "the boolean \(scalar.string)"
            case .int, .float: return "the number \(scalar.string)"
            default: return "the string \"\(scalar.string)\""
            }
        }
    }

    /// `origin` with the node's line when it comes from a file.
    static func origin(of node: Node, default origin: RecipeError.Origin) -> RecipeError.Origin {
        if case .file(let path, _) = origin, let mark = node.mark { return .file(path: path, line: mark.line) }
        return origin
    }

    static func resolve(_ path: String, against base: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let url = expanded.hasPrefix("/")
            ? URL(fileURLWithPath: expanded)
            : URL(fileURLWithPath: expanded, relativeTo: URL(fileURLWithPath: base, isDirectory: true))
        return url.standardizedFileURL.path
    }
}
