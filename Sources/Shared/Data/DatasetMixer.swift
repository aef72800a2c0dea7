/// A recipe's `dataset_mixer` (and `buffer_dataset_mixer`): files with the share of each to train on,
/// mixed into one seeded order as the reference's `mix_datasets` does.
///
/// The first ⌊fraction × rows⌋ rows of each file are taken (`DatasetFile.rowsTaken`), concatenated in
/// the order the sources are listed, and shuffled once with `seed`: row i of the result is row
/// `DatasetOrder.permutation(count:seed:)[i]` of the concatenation, a Fisher–Yates shuffle driven by
/// `RandomGenerator`, so the same files and seed give the same order on every machine and run.
public struct DatasetMixer: Sendable, Equatable {
    /// One file of the mix.
    public struct Source: Sendable, Equatable {
        public var path: String
        /// The share of the file's rows to take from its start, in [0, 1].
        public var fraction: Double
        /// The schema, or nil to detect it from the rows.
        public var format: DatasetFormat?

        public init(path: String, fraction: Double = 1, format: DatasetFormat? = nil) {
            self.path = path
            self.fraction = fraction
            self.format = format
        }
    }

    /// The mixed rows and the files they came from.
    public struct Mixed: Sendable {
        /// Rows in the seeded order.
        public let rows: [DatasetRow]
        public let files: [DatasetFile]

        /// Whether any row is text, needing a tokenizer and the chat template.
        public var needsTokenizer: Bool { files.contains { $0.needsTokenizer } }
    }

    /// The sources in recipe order (the order fixes the concatenation, hence the shuffled order).
    public var sources: [Source]
    public var seed: UInt64

    public init(sources: [Source], seed: UInt64) {
        self.sources = sources
        self.seed = seed
    }

    /// - Throws: `DatasetError.invalidMixer` for no sources, a path listed twice, or a fraction outside [0, 1].
    public func validate() throws {
        guard !sources.isEmpty else { throw DatasetError.invalidMixer("it lists no dataset") }
        var seen = Set<String>()
        for source in sources {
            guard seen.insert(source.path).inserted else { throw DatasetError.invalidMixer("\(source.path) is listed twice") }
            guard source.fraction.isFinite, source.fraction >= 0, source.fraction <= 1 else {
                throw DatasetError.invalidMixer("the fraction of \(source.path) must be between 0 and 1, got \(source.fraction)")
            }
        }
    }

    /// Reads every source and mixes the selected rows.
    /// - Throws: `DatasetError` from `validate()` or from reading a file; `.invalidMixer` when the
    ///   fractions select no row at all.
    public func load(skipInvalid: Bool = false) throws -> Mixed {
        try validate()
        let files = try sources.map {
            try DatasetFile.load(path: $0.path, format: $0.format, fraction: $0.fraction, skipInvalid: skipInvalid)
        }
        let rows = Self.mix(files.map(\.rows), seed: seed)
        guard !rows.isEmpty else { throw DatasetError.invalidMixer("its fractions select no row") }
        return Mixed(rows: rows, files: files)
    }

    /// The parts concatenated in order, then shuffled with `seed`.
    public static func mix<Row>(_ parts: [[Row]], seed: UInt64) -> [Row] {
        let all = parts.flatMap { $0 }
        return DatasetOrder.permutation(count: all.count, seed: seed).map { all[$0] }
    }
}
