/// The merges `BPETrainer` learned: the byte tokenizer's vocabulary grows by `tokens` (ids 260, 261, …)
/// and its merge list is `rules`, in rank order (`ByteTokenizer.make(merges:)`). Only the trainer makes
/// them, so every rule names tokens defined before it and `left + right` spells `merged`.
public struct LearnedMerges: Equatable, Sendable {
    /// One merge rule: the tokens `left` then `right` become `merged` (ids).
    public struct Rule: Equatable, Sendable {
        public var left: Int
        public var right: Int
        public var merged: Int

        init(left: Int, right: Int, merged: Int) {
            self.left = left
            self.right = right
            self.merged = merged
        }
    }

    public var rules: [Rule]
    /// The bytes of each learned token; token i has id `ByteTokenizer.baseVocabularySize + i`.
    public var tokens: [[UInt8]]

    init(rules: [Rule] = [], tokens: [[UInt8]] = []) {
        self.rules = rules
        self.tokens = tokens
    }

    /// No merges: the plain byte tokenizer.
    public static let none = LearnedMerges()
}
