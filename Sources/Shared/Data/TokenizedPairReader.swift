import Foundation

/// Reads the tokenized-pairs JSONL of design.md, one pair a line; blank lines are allowed.
public enum TokenizedPairReader {
    /// - Throws: `DatasetError` naming the file, line and field of the first bad row.
    public static func read(file path: String) throws -> [TokenizedPair] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DatasetError.unreadable(file: path, reason: JSONRecord.reason(of: error))
        }
        var pairs: [TokenizedPair] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            guard line.contains(where: { ![0x20, 0x09, 0x0D].contains($0) }) else { continue }
            let record = try JSONRecord(data: Data(line), source: RowLocation(file: path, line: lineNumber))
            pairs.append(try pair(from: record))
        }
        guard !pairs.isEmpty else { throw DatasetError.empty(file: path) }
        return pairs
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
