/// Learns byte-level BPE merges from a corpus, for the byte tokenizer of a model trained from scratch on
/// one domain (`ByteTokenizer.make(merges:)`).
///
/// Why: with bytes alone a response of the bundled benchmark is ~140 tokens; with 764 merges learned
/// from its train split it is ~48. A small model then sees whole words, learns its text in a third of
/// the positions and writes coherent sentences after minutes of SFT (BENCHMARKS.md, "A tokenizer
/// learned from the train split").
///
/// The classic algorithm (Sennrich et al., 2016) on the pieces GPT-2's pattern splits text into, so the
/// merges never cross a piece boundary and `ByteLevelBPETokenizer` applies them exactly as `tokenizers`
/// would: count every adjacent pair of symbols over the distinct pieces, weighted by how often each piece
/// occurs; merge the most frequent pair everywhere (ties: the pair of smaller left id, then smaller right
/// id, so the result depends on the corpus alone); repeat until the vocabulary is full or no pair occurs
/// `minimumFrequency` times. A merge whose bytes already name a token (the same bytes reached by another
/// split) reuses that token's id, as `tokenizers`' vocabulary is keyed by the token's text.
///
/// Pair counts are kept up to date by visiting only the pieces that hold the merged pair; choosing the
/// next pair scans the counts, so training costs O(merges × distinct pairs), seconds for the benchmark.
public enum BPETrainer {
    /// Why training cannot run.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case vocabularySizeOutOfRange(Int)
        case minimumFrequencyOutOfRange(Int)

        public var description: String {
            switch self {
            case .vocabularySizeOutOfRange(let size):
                return "vocabulary size \(size) is outside \(ByteTokenizer.baseVocabularySize)...\(BPETrainer.maximumVocabularySize) "
                    + "(the 256 bytes and \(ByteTokenizer.specialTokens.count) special tokens come first)"
            case .minimumFrequencyOutOfRange(let count):
                return "minimum pair frequency \(count) is below 1"
            }
        }
    }

    /// The largest vocabulary it learns: ids must fit the merge table's 32-bit halves, and a model's
    /// embedding grows with the vocabulary, so more is never what a model trained from scratch wants.
    public static let maximumVocabularySize = 65_536

    /// Pairs rarer than this are not merged: a pair seen once is a quirk of one text, not a word.
    public static let defaultMinimumFrequency = 2

    /// Learns merges from `texts` until the vocabulary (bytes, special tokens, learned tokens) holds
    /// `vocabularySize` ids or no pair occurs `minimumFrequency` times; also says how many distinct
    /// pieces the texts held.
    public static func train<Texts: Sequence<String>>(texts: Texts, vocabularySize: Int,
                                                      minimumFrequency: Int = defaultMinimumFrequency)
        throws -> (merges: LearnedMerges, distinctPieces: Int)
    {
        guard (ByteTokenizer.baseVocabularySize...maximumVocabularySize).contains(vocabularySize) else {
            throw Failure.vocabularySizeOutOfRange(vocabularySize)
        }
        guard minimumFrequency >= 1 else { throw Failure.minimumFrequencyOutOfRange(minimumFrequency) }
        var corpus = PieceCorpus(texts: texts)
        var merges = LearnedMerges()
        var idsByBytes: [[UInt8]: Int] = [:]
        var tokenBytes: [[UInt8]] = (0..<256).map { [UInt8($0)] }
        tokenBytes += ByteTokenizer.specialTokens.map { Array($0.utf8) }  // never merged: not in any piece
        while ByteTokenizer.baseVocabularySize + merges.tokens.count < vocabularySize,
              let (pair, count) = corpus.mostFrequentPair(), count >= minimumFrequency {
            let bytes = tokenBytes[Int(pair.left)] + tokenBytes[Int(pair.right)]
            let merged: Int
            if let existing = idsByBytes[bytes] {
                merged = existing
            } else {
                merged = tokenBytes.count
                tokenBytes.append(bytes)
                idsByBytes[bytes] = merged
                merges.tokens.append(bytes)
            }
            merges.rules.append(LearnedMerges.Rule(left: Int(pair.left), right: Int(pair.right), merged: merged))
            corpus.merge(pair, into: Int32(merged))
        }
        return (merges, corpus.distinctPieces)
    }
}

/// A pair of adjacent symbols (token ids).
private struct SymbolPair: Hashable {
    var left: Int32
    var right: Int32

    /// The tie-break order: smaller left id, then smaller right id.
    func precedes(_ other: SymbolPair) -> Bool { (left, right) < (other.left, other.right) }
}

/// The distinct pieces of a corpus as symbol sequences, how often each occurs, and the weighted count of
/// every adjacent pair with the pieces that hold it (pieces that no longer hold it are skipped lazily).
private struct PieceCorpus {
    private var symbols: [[Int32]] = []
    private var occurrences: [Int] = []
    private var pairCounts: [SymbolPair: Int] = [:]
    private var holders: [SymbolPair: [Int]] = [:]

    var distinctPieces: Int { symbols.count }

    /// Splits every text under GPT-2's pattern, then counts each distinct piece's pairs once, weighted by
    /// how often the piece occurs.
    init<Texts: Sequence<String>>(texts: Texts) {
        var pieceIndex: [[UInt8]: Int] = [:]
        for var text in texts {
            text.withUTF8 { bytes in
                GPT2PreTokenizer.split(bytes, 0..<bytes.count) { range in
                    let piece = Array(bytes[range])
                    if let index = pieceIndex[piece] {
                        occurrences[index] += 1
                    } else {
                        pieceIndex[piece] = symbols.count
                        symbols.append(piece.map { Int32($0) })
                        occurrences.append(1)
                    }
                }
            }
        }
        for index in symbols.indices { count(piece: index, by: occurrences[index], registering: true) }
    }

    /// The most frequent pair and its count; ties go to the pair that precedes.
    func mostFrequentPair() -> (SymbolPair, Int)? {
        var best: (SymbolPair, Int)?
        for (pair, count) in pairCounts {
            guard let current = best else {
                best = (pair, count)
                continue
            }
            if count > current.1 || (count == current.1 && pair.precedes(current.0)) { best = (pair, count) }
        }
        return best
    }

    /// Replaces every occurrence of `pair`, left to right, by `merged` in the pieces that hold it.
    mutating func merge(_ pair: SymbolPair, into merged: Int32) {
        let pieces = holders.removeValue(forKey: pair) ?? []
        var visited = Set<Int>()
        for index in pieces where visited.insert(index).inserted {
            let old = symbols[index]
            guard zip(old, old.dropFirst()).contains(where: { $0 == pair.left && $1 == pair.right }) else { continue }
            count(piece: index, by: -occurrences[index])
            var new: [Int32] = []
            new.reserveCapacity(old.count)
            var position = 0
            while position < old.count {
                if position + 1 < old.count, old[position] == pair.left, old[position + 1] == pair.right {
                    new.append(merged)
                    position += 2
                } else {
                    new.append(old[position])
                    position += 1
                }
            }
            symbols[index] = new
            count(piece: index, by: occurrences[index], registering: true)
        }
        pairCounts[pair] = nil
    }

    /// Adds `weight` to the count of each adjacent pair of piece `index` (dropping counts that reach 0);
    /// `registering` also records the piece as a holder of each pair.
    private mutating func count(piece index: Int, by weight: Int, registering: Bool = false) {
        let piece = symbols[index]
        guard piece.count >= 2 else { return }
        for position in 0..<(piece.count - 1) {
            let pair = SymbolPair(left: piece[position], right: piece[position + 1])
            let updated = pairCounts[pair, default: 0] + weight
            pairCounts[pair] = updated > 0 ? updated : nil
            if registering { holders[pair, default: []].append(index) }
        }
    }
}
