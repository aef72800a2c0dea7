import Foundation

/// One JSON object from a dataset row, with typed accessors that name the file, line and field in
/// every error. Rows are untrusted: a missing key, a wrong type or a fractional id is an error here,
/// never a default.
public struct JSONRecord {
    public let fields: [String: Any]
    public let source: RowLocation

    /// Parses one line (or one element's bytes) as a JSON object.
    public init(data: Data, source: RowLocation) throws {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw DatasetError.invalidJSON(file: source.file, line: source.line, reason: Self.reason(of: error))
        }
        guard let object = value as? [String: Any] else {
            throw DatasetError.invalidJSON(file: source.file, line: source.line, reason: "a row must be a JSON object")
        }
        self.init(fields: object, source: source)
    }

    public init(fields: [String: Any], source: RowLocation) {
        self.fields = fields
        self.source = source
    }

    public func has(_ field: String) -> Bool { fields[field] != nil }

    func invalid(_ field: String, _ reason: String) -> DatasetError {
        .invalidField(file: source.file, line: source.line, field: field, reason: reason)
    }

    func value(_ field: String) throws -> Any {
        guard let value = fields[field], !(value is NSNull) else {
            throw DatasetError.missingField(file: source.file, line: source.line, field: field)
        }
        return value
    }

    /// An array of integers (ids, masks). Booleans and fractional numbers are refused.
    public func integers(_ field: String) throws -> [Int] {
        guard let array = try value(field) as? [Any] else { throw invalid(field, "must be an array of integers") }
        return try array.enumerated().map { index, element in
            guard let number = Self.integer(element) else {
                throw invalid(field, "must hold only integers; element \(index) is \(Self.describe(element))")
            }
            return number
        }
    }

    /// An array of 0/1 flags.
    public func mask(_ field: String) throws -> [Bool] {
        try integers(field).enumerated().map { index, value in
            guard value == 0 || value == 1 else { throw invalid(field, "must hold only 0 and 1; element \(index) is \(value)") }
            return value == 1
        }
    }

    /// A safety label: `true`/`false` or `1`/`0`.
    public func label(_ field: String) throws -> Bool {
        let raw = try value(field)
        if let flag = raw as? Bool, Self.isBoolean(raw) { return flag }
        if let number = Self.integer(raw), number == 0 || number == 1 { return number == 1 }
        throw invalid(field, "must be true, false, 1 or 0, not \(Self.describe(raw))")
    }

    public func string(_ field: String) throws -> String {
        let raw = try value(field)
        guard let text = raw as? String else { throw invalid(field, "must be a string, not \(Self.describe(raw))") }
        return text
    }

    /// A string field that may be absent or null (e.g. the generic form's `system`).
    public func optionalString(_ field: String) throws -> String? {
        guard let raw = fields[field], !(raw is NSNull) else { return nil }
        guard let text = raw as? String else { throw invalid(field, "must be a string, not \(Self.describe(raw))") }
        return text
    }

    /// An integer field (e.g. `better_response_id`).
    public func integer(_ field: String) throws -> Int {
        let raw = try value(field)
        guard let number = Self.integer(raw) else { throw invalid(field, "must be an integer, not \(Self.describe(raw))") }
        return number
    }

    /// An integer field that must be one of `allowed` (an id choosing between two responses).
    public func integer(_ field: String, in allowed: ClosedRange<Int>) throws -> Int {
        let number = try integer(field)
        guard allowed.contains(number) else {
            throw invalid(field, "must be \(allowed.lowerBound) or \(allowed.upperBound), not \(number)")
        }
        return number
    }

    /// A message list, `[{"role": "system"|"user"|"assistant", "content": "…"}, …]`; other keys of a
    /// message are ignored. Errors name the element (0-based) at fault.
    public func messages(_ field: String) throws -> [ChatMessage] {
        let raw = try value(field)
        guard let array = raw as? [Any] else {
            throw invalid(field, "must be a list of {\"role\", \"content\"} messages, not \(Self.describe(raw))")
        }
        return try array.enumerated().map { index, element in
            guard let message = element as? [String: Any] else {
                throw invalid(field, "must hold only {\"role\", \"content\"} objects; element \(index) is \(Self.describe(element))")
            }
            guard let role = message["role"] as? String else {
                throw invalid(field, "element \(index) has no string \"role\"")
            }
            guard let parsed = ChatMessage.Role(rawValue: role) else {
                throw invalid(field, "element \(index) has role \"\(role)\"; expected system, user or assistant")
            }
            guard let content = message["content"] as? String else {
                throw invalid(field, "element \(index) has no string \"content\"")
            }
            return ChatMessage(role: parsed, content: content)
        }
    }

    /// The row's field names, sorted, for messages that say what a row holds.
    public var fieldNames: [String] { fields.keys.sorted() }

    static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return type(of: number) == type(of: NSNumber(value: true)) || String(cString: number.objCType) == "c"
    }

    static func integer(_ value: Any) -> Int? {
        guard !isBoolean(value), let number = value as? NSNumber else { return nil }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 9e15 else { return nil }
        return number.intValue
    }

    static func describe(_ value: Any) -> String {
        switch value {
        case is String: return "a string"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        case is NSNull: return "null"
        default: return isBoolean(value) ? "a boolean" : "\(value)"
        }
    }

    static func reason(of error: Error) -> String {
        let nsError = error as NSError
        return (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? nsError.localizedDescription
    }
}
