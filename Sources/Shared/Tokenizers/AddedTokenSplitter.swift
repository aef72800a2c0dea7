/// Cuts text into added tokens and the stretches between them, as `tokenizers`' added vocabulary does
/// (rules in `AddedToken`): first the tokens with `normalized == false` over the whole text, then the
/// `normalized` ones inside each remaining stretch (no normalizer is supported, so the stretch's text is
/// unchanged).
///
/// Matching runs on bytes with a trie: at each position the longest token wins, the leftmost position
/// first, and matching resumes after the match even when `singleWord` then discards it.
struct AddedTokenSplitter: Sendable {
    /// One part of the text: a stretch for pre-tokenization and BPE, or an added token's id.
    enum Piece: Equatable {
        case text(Range<Int>)
        case token(Int)
    }

    private let raw: Trie
    private let normalized: Trie

    init(tokens: [AddedToken]) {
        raw = Trie(tokens.filter { !$0.normalized })
        normalized = Trie(tokens.filter { $0.normalized })
    }

    var isEmpty: Bool { raw.tokens.isEmpty && normalized.tokens.isEmpty }

    /// The pieces of `bytes` in order; text pieces are never empty and start and end on scalars.
    func split(_ bytes: UnsafeBufferPointer<UInt8>) -> [Piece] {
        guard !bytes.isEmpty else { return [] }
        var first: [Piece] = []
        raw.split(bytes, 0..<bytes.count, into: &first)
        if normalized.tokens.isEmpty { return first }
        var pieces: [Piece] = []
        for piece in first {
            if case .text(let range) = piece {
                normalized.split(bytes, range, into: &pieces)
            } else {
                pieces.append(piece)
            }
        }
        return pieces
    }
}

extension AddedTokenSplitter {
    /// A byte trie over a set of added tokens, with `tokenizers`' `find_matches` on top.
    private struct Trie: Sendable {
        struct Node: Sendable {
            var children: [(byte: UInt8, node: Int32)] = []
            var token: Int32 = -1  // index into `tokens` of the token ending here
        }

        let tokens: [AddedToken]
        private var nodes: [Node] = [Node()]
        /// Bytes that start some token: positions starting with another byte are skipped at once.
        private var startsToken = [Bool](repeating: false, count: 256)

        init(_ tokens: [AddedToken]) {
            self.tokens = tokens
            for (index, token) in tokens.enumerated() {
                var node = 0
                for byte in token.content.utf8 {
                    if let child = nodes[node].children.first(where: { $0.byte == byte }) {
                        node = Int(child.node)
                    } else {
                        nodes.append(Node())
                        nodes[node].children.append((byte, Int32(nodes.count - 1)))
                        node = nodes.count - 1
                    }
                }
                // A later token with the same content replaces an earlier one, as in `tokenizers`.
                if node != 0 { nodes[node].token = Int32(index) }
                if let first = token.content.utf8.first { startsToken[Int(first)] = true }
            }
        }

        /// The longest token starting at `start` within `end`, as (token index, end of match).
        private func longestMatch(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int, end: Int) -> (Int, Int)? {
            var node = 0
            var best: (Int, Int)?
            var index = start
            while index < end {
                let byte = bytes[index]
                guard let child = nodes[node].children.first(where: { $0.byte == byte }) else { break }
                node = Int(child.node)
                index += 1
                if nodes[node].token >= 0 { best = (Int(nodes[node].token), index) }
            }
            return best
        }

        /// Appends the pieces of `bytes[range]`; boundaries (`singleWord`, stripping) look no further than
        /// the range, like `find_matches` on one split.
        func split(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into pieces: inout [Piece]) {
            var textStart = range.lowerBound  // start of the text not yet emitted
            var position = range.lowerBound   // where the search resumes
            while position < range.upperBound {
                guard startsToken[Int(bytes[position])],
                      let (index, matchEnd) = longestMatch(bytes, at: position, end: range.upperBound)
                else {
                    position += 1
                    continue
                }
                let token = tokens[index]
                var start = position, stop = matchEnd
                position = matchEnd
                if token.singleWord {
                    let wordBefore = start > range.lowerBound
                        && ScalarClass.isWordCharacter(UTF8Scalars.decode(bytes, before: start).value)
                    let wordAfter = stop < range.upperBound
                        && ScalarClass.isWordCharacter(UTF8Scalars.decode(bytes, at: stop).value)
                    if wordBefore || wordAfter { continue }
                }
                if token.leftStrip {
                    var newStart = start
                    while newStart > range.lowerBound {
                        let previous = UTF8Scalars.decode(bytes, before: newStart)
                        guard ScalarClass.isWhitespace(previous.value) else { break }
                        newStart = previous.start
                    }
                    start = max(newStart, textStart)
                }
                if token.rightStrip {
                    while stop < range.upperBound {
                        let next = UTF8Scalars.decode(bytes, at: stop)
                        guard ScalarClass.isWhitespace(next.value) else { break }
                        stop += next.length
                    }
                }
                if textStart < start { pieces.append(.text(textStart..<start)) }
                pieces.append(.token(token.id))
                textStart = stop
            }
            if textStart < range.upperBound { pieces.append(.text(textStart..<range.upperBound)) }
        }
    }
}
