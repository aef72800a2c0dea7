/// A row of any supported schema: text still to be tokenized, or an already tokenized pair.
public enum DatasetRow: Sendable, Equatable {
    case text(PreferenceRow)
    case tokenized(TokenizedPair)

    public var source: RowLocation {
        switch self {
        case .text(let row): return row.source
        case .tokenized(let pair): return pair.source
        }
    }

    /// The (S_c, S_r) safety labels.
    public var labels: (chosenSafe: Bool, rejectedSafe: Bool) {
        switch self {
        case .text(let row): return (row.chosenSafe, row.rejectedSafe)
        case .tokenized(let pair): return (pair.chosenSafe, pair.rejectedSafe)
        }
    }
}
