/// GPT-2's pre-tokenization: splits text into the pieces that BPE then encodes one by one, exactly as
/// the regular expression
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// does under `tokenizers`' Oniguruma (first alternative that matches wins; classes in `ScalarClass`).
/// A hand-written scanner over UTF-8: one pass, no backtracking beyond one scalar.
///
/// Consequences worth knowing: contractions are lowercase only (`'S` is punctuation then a letter); a
/// run of spaces before a word leaves its last space to the word (`"  a"` → `" "`, `" a"`); a run at
/// the end of the text stays whole.
enum GPT2PreTokenizer {
    private static let apostrophe = UInt8(ascii: "'"), space = UInt8(ascii: " ")

    /// Calls `piece` with the byte range of each piece of `bytes[range]`, in order; the pieces cover
    /// the range exactly. `bytes` must be valid UTF-8 and `range` must start and end on scalars.
    static func split(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, piece: (Range<Int>) -> Void) {
        let end = range.upperBound
        let classes = ScalarClass.basicPlane
        var start = range.lowerBound
        while start < end {
            let stop = pieceEnd(bytes, from: start, end: end, classes: classes)
            piece(start..<stop)
            start = stop
        }
    }

    /// Where the piece starting at `start` ends.
    @inline(__always)
    private static func pieceEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int,
                                 classes: UnsafePointer<UInt8>) -> Int {
        let first = bytes[start]
        // 's 't 're 've 'm 'll 'd
        if first == apostrophe, start + 1 < end {
            switch bytes[start + 1] {
            case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
                return start + 2
            case UInt8(ascii: "r"), UInt8(ascii: "v"):
                if start + 2 < end, bytes[start + 2] == UInt8(ascii: "e") { return start + 3 }
            case UInt8(ascii: "l"):
                if start + 2 < end, bytes[start + 2] == UInt8(ascii: "l") { return start + 3 }
            default:
                break
            }
        }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: a run of one class, after at most one space.
        var runStart = start
        var (scalar, length) = UTF8Scalars.decode(bytes, at: start)
        var kind = ScalarClass.of(scalar, basicPlane: classes)
        if first == space, start + 1 < end {
            let next = UTF8Scalars.decode(bytes, at: start + 1)
            let nextKind = ScalarClass.of(next.value, basicPlane: classes)
            if nextKind != .whitespace {
                runStart = start + 1
                (scalar, length, kind) = (next.value, next.length, nextKind)
            }
        }
        if kind != .whitespace {
            var index = runStart + length
            while index < end {
                let next = UTF8Scalars.decode(bytes, at: index)
                guard ScalarClass.of(next.value, basicPlane: classes) == kind else { break }
                index += next.length
            }
            return index
        }
        // `\s+(?!\S)` then `\s+`: a whitespace run, less its last scalar when a non-space follows and
        // the run is longer than one scalar.
        var index = start + length
        var lastStart = start
        while index < end {
            let next = UTF8Scalars.decode(bytes, at: index)
            guard ScalarClass.of(next.value, basicPlane: classes) == .whitespace else { break }
            lastStart = index
            index += next.length
        }
        if index < end, lastStart > start { return lastStart }
        return index
    }
}
