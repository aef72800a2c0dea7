/// What a dataset holds, for `bfpo-worker data-stats` and the run log: pairs, the four (S_c, S_r)
/// label combinations, token-length percentiles, and what truncation and `--skip-invalid` left out.
///
/// Lengths are of the pairs as tokenized, before truncation. The prompt is the chosen sequence's
/// tokens before its first response token; response lengths pool the chosen and the rejected response
/// (two values per pair). Percentiles are nearest-rank: the p-th is the ⌈p/100 · n⌉-th smallest value.
public struct DatasetSummary: Sendable, Equatable, Encodable {
    /// Pairs per (S_c, S_r) combination.
    public struct LabelCounts: Sendable, Equatable, Encodable {
        public var chosenSafeRejectedSafe = 0
        public var chosenSafeRejectedUnsafe = 0
        public var chosenUnsafeRejectedSafe = 0
        public var chosenUnsafeRejectedUnsafe = 0

        enum CodingKeys: String, CodingKey {
            case chosenSafeRejectedSafe = "chosen_safe_rejected_safe"
            case chosenSafeRejectedUnsafe = "chosen_safe_rejected_unsafe"
            case chosenUnsafeRejectedSafe = "chosen_unsafe_rejected_safe"
            case chosenUnsafeRejectedUnsafe = "chosen_unsafe_rejected_unsafe"
        }
    }

    /// A distribution of token counts.
    public struct Lengths: Sendable, Equatable, Encodable {
        public var count: Int
        public var min: Int
        public var p50: Int
        public var p90: Int
        public var p95: Int
        public var p99: Int
        public var max: Int
        public var mean: Double

        public init(count: Int, min: Int, p50: Int, p90: Int, p95: Int, p99: Int, max: Int, mean: Double) {
            (self.count, self.min, self.p50, self.p90, self.p95, self.p99, self.max, self.mean) = (count, min, p50, p90, p95, p99, max, mean)
        }

        /// The distribution of `values`.
        public init(_ values: [Int]) {
            let sorted = values.sorted()
            count = sorted.count
            min = sorted.first ?? 0
            max = sorted.last ?? 0
            p50 = DatasetSummary.percentile(sorted, 50)
            p90 = DatasetSummary.percentile(sorted, 90)
            p95 = DatasetSummary.percentile(sorted, 95)
            p99 = DatasetSummary.percentile(sorted, 99)
            mean = sorted.isEmpty ? 0 : Double(sorted.reduce(0, +)) / Double(sorted.count)
        }

        var line: String { "min \(min), p50 \(p50), p90 \(p90), p95 \(p95), p99 \(p99), max \(max), mean \(Self.format(mean))" }

        static func format(_ value: Double) -> String { String(Double((value * 10).rounded()) / 10) }
    }

    public var pairs: Int
    public var labels: LabelCounts
    public var promptTokens: Lengths
    public var responseTokens: Lengths
    /// Pairs truncation cut and dropped; nil without limits.
    public var truncated: Int?
    public var dropped: Int?
    /// Rows `--skip-invalid` left out before tokenizing.
    public var skipped: Int

    enum CodingKeys: String, CodingKey {
        case pairs, labels, truncated, dropped, skipped
        case promptTokens = "prompt_tokens", responseTokens = "response_tokens"
    }

    /// - Throws: `DatasetError` if truncation meets a malformed pair.
    public init(pairs: [TokenizedPair], truncation: Truncation? = nil, skipped: Int = 0) throws {
        self.pairs = pairs.count
        labels = LabelCounts()
        var prompts: [Int] = [], responses: [Int] = []
        prompts.reserveCapacity(pairs.count)
        responses.reserveCapacity(2 * pairs.count)
        for pair in pairs {
            switch (pair.chosenSafe, pair.rejectedSafe) {
            case (true, true): labels.chosenSafeRejectedSafe += 1
            case (true, false): labels.chosenSafeRejectedUnsafe += 1
            case (false, true): labels.chosenUnsafeRejectedSafe += 1
            case (false, false): labels.chosenUnsafeRejectedUnsafe += 1
            }
            prompts.append(pair.chosenMask.firstIndex(of: true) ?? pair.chosenIDs.count)
            responses.append(pair.chosenResponseTokens)
            responses.append(pair.rejectedMask.lazy.filter { $0 }.count)
        }
        promptTokens = Lengths(prompts)
        responseTokens = Lengths(responses)
        if let truncation {
            let outcome = try truncation.apply(to: pairs)
            truncated = outcome.truncated
            dropped = outcome.dropped
        }
        self.skipped = skipped
    }

    /// The nearest-rank `p`-th percentile of ascending `sorted` (0 for no values).
    public static func percentile(_ sorted: [Int], _ p: Double) -> Int {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[Swift.min(Swift.max(rank, 1), sorted.count) - 1]
    }

    /// The summary as lines for people.
    public var lines: [String] {
        var lines = [
            "pairs: \(pairs)",
            "labels (S_c, S_r): (1, 1) \(labels.chosenSafeRejectedSafe), (1, 0) \(labels.chosenSafeRejectedUnsafe), "
                + "(0, 1) \(labels.chosenUnsafeRejectedSafe), (0, 0) \(labels.chosenUnsafeRejectedUnsafe)",
            "prompt tokens: \(promptTokens.line)",
            "response tokens (chosen and rejected): \(responseTokens.line)",
        ]
        if let truncated, let dropped { lines.append("truncation: \(truncated) pairs truncated, \(dropped) dropped") }
        lines.append("skipped rows (--skip-invalid): \(skipped)")
        return lines
    }
}
