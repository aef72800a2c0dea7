/// The optional `prompt_kind` field ("harmful" or "benign") that a preference row may carry beside its
/// schema's fields, as the bundled safety benchmark's rows do. Schema readers ignore it; the safety
/// metrics read it here, by the row's line.
public enum PromptKindField {
    public static let name = "prompt_kind"

    /// The kinds declared by the rows of `path` that start on one of `lines`, by line. Rows without the
    /// field, or that do not parse (the dataset reader has already failed or skipped them), are absent.
    /// - Throws: `DatasetError.unreadable`, or `.invalidField` for a value other than "harmful" and "benign".
    public static func read(file path: String, lines: Set<Int>) throws -> [Int: PromptKind] {
        var kinds: [Int: PromptKind] = [:]
        for row in try DatasetReader.rows(file: path) where lines.contains(row.line) {
            guard let record = try? DatasetReader.record(row, file: path), let raw = record.fields[name] else { continue }
            guard let text = raw as? String, let kind = PromptKind(rawValue: text) else {
                throw DatasetError.invalidField(file: path, line: row.line, field: name,
                                                reason: "must be \"harmful\" or \"benign\", not \(JSONRecord.describe(raw))")
            }
            kinds[row.line] = kind
        }
        return kinds
    }
}
