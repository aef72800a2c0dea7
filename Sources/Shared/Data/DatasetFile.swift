/// One dataset file read with one schema: its rows (text or tokenized), in file order, and what was
/// skipped.
///
/// With a `fraction` below 1 only the first ⌊fraction × rows⌋ rows of the file are selected (the
/// reference's `dataset.select(range(int(frac * len(dataset))))`), counting every non-blank row, valid
/// or not; rows after the cut are not parsed. Within the selection, a bad row fails the load unless
/// `skipInvalid` is set, in which case it is recorded in `skipped` and left out.
public struct DatasetFile: Sendable {
    public let path: String
    /// The schema the rows were read with; nil only when no row was selected or every selected row was skipped.
    public let format: DatasetFormat?
    public let rows: [DatasetRow]
    /// Non-blank rows (JSONL lines or array elements) in the whole file.
    public let totalRows: Int
    /// Rows selected by the fraction, before skipping.
    public let selectedRows: Int
    /// The row-level errors of the rows left out, in file order (empty unless `skipInvalid`).
    public let skipped: [DatasetError]

    /// Reads `path`, detecting its schema unless `format` names it.
    /// - Parameters:
    ///   - fraction: the share of the file's rows to take from its start, in [0, 1].
    ///   - skipInvalid: leave out rows with row-level errors instead of failing.
    /// - Throws: `DatasetError`: `.unreadable`, `.empty` (no rows, or every selected row skipped),
    ///   `.unknownFormat`, `.invalidMixer` for a bad fraction, or the first bad row's error.
    public static func load(path: String, format: DatasetFormat? = nil, fraction: Double = 1, skipInvalid: Bool = false) throws -> DatasetFile {
        guard fraction.isFinite, fraction >= 0, fraction <= 1 else {
            throw DatasetError.invalidMixer("the fraction of \(path) must be between 0 and 1, got \(fraction)")
        }
        let raw = try DatasetReader.rows(file: path)
        guard !raw.isEmpty else { throw DatasetError.empty(file: path) }
        let selected = rowsTaken(fraction: fraction, of: raw.count)
        var resolved = format
        var rows: [DatasetRow] = []
        var skipped: [DatasetError] = []
        rows.reserveCapacity(selected)
        for row in raw.prefix(selected) {
            do {
                let record = try DatasetReader.record(row, file: path)
                if resolved == nil {
                    guard let detected = DatasetFormat.detect(record) else {
                        throw DatasetError.unknownFormat(file: path, line: row.line, fields: record.fieldNames)
                    }
                    resolved = detected
                }
                rows.append(try resolved!.row(from: record))
            } catch let error as DatasetError where skipInvalid && error.isRowError {
                skipped.append(error)
            }
        }
        if rows.isEmpty, selected > 0 { throw DatasetError.empty(file: path) }
        return DatasetFile(path: path, format: resolved, rows: rows, totalRows: raw.count, selectedRows: selected, skipped: skipped)
    }

    /// ⌊fraction × rows⌋, computed as Python's `int(frac * len(dataset))` does (one double product).
    public static func rowsTaken(fraction: Double, of rows: Int) -> Int {
        Int((fraction * Double(rows)).rounded(.towardZero))
    }

    /// Whether any row is text, needing a tokenizer and the chat template.
    public var needsTokenizer: Bool { rows.contains { if case .text = $0 { return true } else { return false } } }

    /// One line saying how many rows were skipped and why, grouped by kind of fault with the first
    /// occurrence of each quoted in full; nil when nothing was skipped.
    public var skipSummary: String? {
        guard !skipped.isEmpty else { return nil }
        var groups: [(kind: String, count: Int, first: DatasetError)] = []
        for error in skipped {
            if let index = groups.firstIndex(where: { $0.kind == error.kind }) {
                groups[index].count += 1
            } else {
                groups.append((error.kind, 1, error))
            }
        }
        let reasons = groups.map { "\($0.count) with \($0.kind) (first: \($0.first))" }.joined(separator: "; ")
        return "\(path): skipped \(skipped.count) of \(selectedRows) rows (--skip-invalid): \(reasons)"
    }
}
