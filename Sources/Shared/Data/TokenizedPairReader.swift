/// Reads files of the tokenized-pairs form (docs/contracts.md, "Tokenized pairs"; JSONL, one pair a line, or a JSON array),
/// through the general `DatasetReader`.
public enum TokenizedPairReader {
    /// - Throws: `DatasetError` naming the file, line and field of the first bad row.
    public static func read(file path: String) throws -> [TokenizedPair] {
        try DatasetFile.load(path: path, format: .tokenized).rows.map { row in
            guard case .tokenized(let pair) = row else { preconditionFailure("the tokenized schema yields tokenized rows") }
            return pair
        }
    }

    /// A pair from one record of the tokenized form.
    public static func pair(from record: JSONRecord) throws -> TokenizedPair {
        try TokenizedPair(
            chosenIDs: record.integers("chosen_ids"), chosenMask: record.mask("chosen_mask"),
            rejectedIDs: record.integers("rejected_ids"), rejectedMask: record.mask("rejected_mask"),
            chosenSafe: record.label("is_chosen_safe"), rejectedSafe: record.label("is_rejected_safe"),
            source: record.source)
    }
}
