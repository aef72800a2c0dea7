/// Byte-level BPE, the GPT-2 family's tokenizer, giving exactly the ids of Hugging Face `tokenizers`
/// for the same `tokenizer.json` (`encode(text).ids`).
///
/// The pipeline: added tokens are cut out of the text (`AddedTokenSplitter`); each stretch between them
/// gets a leading space if `addPrefixSpace` and it has none, is split by GPT-2's pattern
/// (`GPT2PreTokenizer`, unless `useRegex` is off), and each piece's UTF-8 bytes, one symbol per byte
/// (`ByteEncoding`), are merged by rank (`BPEMergeTable`). Pieces' ids are cached (`PreTokenCache`).
///
/// `decode` inverts `encode` (added tokens decode to their own text) except where the file itself makes
/// encoding lossy, as `tokenizers` does: lstrip/rstrip added tokens swallow whitespace, `addPrefixSpace`
/// adds a space, bytes missing from the vocabulary become the unknown token or vanish. GPT-2's files and
/// the byte tokenizer have none of these.
///
/// Invariants after `init`: every vocabulary and added-token id is in `0..<vocabularySize` and names one
/// token; every merge's two sides and result are in the vocabulary. Immutable apart from the
/// lock-protected cache, so one instance serves any number of threads.
public final class ByteLevelBPETokenizer: Tokenizer {
    /// The settings of `tokenizer.json` that change ids, with `tokenizers`' defaults.
    public struct Options: Equatable, Sendable {
        /// ByteLevel `add_prefix_space`: prepend a space to each stretch that lacks one.
        public var addPrefixSpace: Bool
        /// ByteLevel `use_regex`: split with GPT-2's pattern (otherwise a stretch is one piece).
        public var useRegex: Bool
        /// BPE `ignore_merges`: a piece that is itself in the vocabulary is taken whole.
        public var ignoreMerges: Bool
        /// BPE `unk_token`: stands for bytes missing from the vocabulary (otherwise they are dropped).
        public var unknownToken: String?
        /// BPE `fuse_unk`: consecutive unknown bytes give one unknown token.
        public var fuseUnknown: Bool

        public init(addPrefixSpace: Bool = false, useRegex: Bool = true, ignoreMerges: Bool = false,
                    unknownToken: String? = nil, fuseUnknown: Bool = false) {
            self.addPrefixSpace = addPrefixSpace
            self.useRegex = useRegex
            self.ignoreMerges = ignoreMerges
            self.unknownToken = unknownToken
            self.fuseUnknown = fuseUnknown
        }
    }

    /// Ids above this are refused when loading: a guard against absurd files, far above real vocabularies.
    public static let maximumID = 1 << 24

    /// One more than the largest id of the vocabulary and the added tokens.
    public let vocabularySize: Int
    public let options: Options
    public let addedTokens: [AddedToken]
    /// Number of merge rules.
    public let mergeCount: Int

    private let byteIDs: [Int32]                      // (256) id of each byte's symbol; -1 if missing
    private let unknownID: Int32?
    private let merges: BPEMergeTable
    private let splitter: AddedTokenSplitter
    private let wholePieces: [PreTokenCache.Key: Int]  // byte-level vocabulary by bytes, for `ignoreMerges`
    private let idsByToken: [PreTokenCache.Key: Int]   // token strings' UTF-8 → id, added tokens first
    private let tokenBytes: [[UInt8]?]                // (vocabularySize) what `decode` writes for each id
    private let cache = PreTokenCache(capacity: 16_384)

    /// Builds the tokenizer from a model's vocabulary and merges (byte-level strings) and its added tokens.
    ///
    /// - Parameters:
    ///   - merges: in rank order; a pair listed twice keeps its later rank.
    ///   - source: names the file in errors.
    /// - Throws: `TokenizerError` when an id is out of range or names two tokens, or a merge or the
    ///   unknown token refers to a token the vocabulary lacks.
    public init(vocabulary: [String: Int], merges mergeList: [(String, String)], addedTokens: [AddedToken],
                options: Options = Options(), source: String = "tokenizer") throws {
        var owners: [Int: String] = [:]
        var byBytes: [PreTokenCache.Key: Int] = [:]
        let ordered = vocabulary.sorted { $0.value != $1.value ? $0.value < $1.value : $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        for (token, id) in ordered {
            guard (0..<Self.maximumID).contains(id) else { throw TokenizerError.idOutOfRange(file: source, token: token, id: id) }
            if let first = owners[id] { throw TokenizerError.duplicateID(file: source, id: id, first: first, second: token) }
            owners[id] = token
            byBytes[PreTokenCache.Key(bytes: Array(token.utf8))] = id
        }
        for token in addedTokens {
            guard (0..<Self.maximumID).contains(token.id) else {
                throw TokenizerError.idOutOfRange(file: source, token: token.content, id: token.id)
            }
            if let owner = owners[token.id], owner != token.content {
                throw TokenizerError.duplicateID(file: source, id: token.id, first: owner, second: token.content)
            }
            owners[token.id] = token.content
        }
        func id(of token: String, merge: Int) throws -> Int32 {
            guard let id = byBytes[PreTokenCache.Key(bytes: Array(token.utf8))] else {
                throw TokenizerError.invalidMerge(file: source, index: merge, reason: "\"\(token)\" is not in the vocabulary")
            }
            return Int32(id)
        }
        var table = BPEMergeTable()
        for (rank, (left, right)) in mergeList.enumerated() {
            table.insert(left: try id(of: left, merge: rank + 1), right: try id(of: right, merge: rank + 1),
                         merged: try id(of: left + right, merge: rank + 1), rank: rank)
        }
        if let unknown = options.unknownToken {
            guard let id = byBytes[PreTokenCache.Key(bytes: Array(unknown.utf8))] else {
                throw TokenizerError.invalidField(file: source, field: "model.unk_token",
                                                  reason: "names \"\(unknown)\", which is not in the vocabulary")
            }
            unknownID = Int32(id)
        } else {
            unknownID = nil
        }

        let size = (owners.keys.max() ?? -1) + 1
        var decoded = [[UInt8]?](repeating: nil, count: size)
        var whole: [PreTokenCache.Key: Int] = [:]
        for (token, id) in vocabulary {
            // The ByteLevel decoder: a token's scalars stand for bytes; one that is not byte-level text
            // is written as its own UTF-8.
            if let bytes = ByteEncoding.decode(token) {
                decoded[id] = bytes
                whole[PreTokenCache.Key(bytes: bytes)] = id
            } else {
                decoded[id] = Array(token.utf8)
            }
        }
        var tokenIDs = byBytes
        for token in addedTokens {
            decoded[token.id] = Array(token.content.utf8)  // so that decoding inverts encoding
            tokenIDs[PreTokenCache.Key(bytes: Array(token.content.utf8))] = token.id
        }
        byteIDs = ByteEncoding.scalars.map { scalar in
            byBytes[PreTokenCache.Key(bytes: Array(String(Unicode.Scalar(scalar)!).utf8))].map(Int32.init) ?? -1
        }
        vocabularySize = size
        self.options = options
        self.addedTokens = addedTokens
        mergeCount = mergeList.count
        merges = table
        splitter = AddedTokenSplitter(tokens: addedTokens)
        wholePieces = options.ignoreMerges ? whole : [:]
        idsByToken = tokenIDs
        tokenBytes = decoded
    }

    public func encode(_ text: String) -> [Int] {
        var text = text
        return text.withUTF8 { encode(utf8: $0) }
    }

    /// The ids of the text in `bytes`, which must be valid UTF-8.
    func encode(utf8 bytes: UnsafeBufferPointer<UInt8>) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(bytes.count / 3 + 1)
        if splitter.isEmpty {
            if !bytes.isEmpty { encodeStretch(bytes, 0..<bytes.count, into: &ids) }
            return ids
        }
        for piece in splitter.split(bytes) {
            switch piece {
            case .token(let id): ids.append(id)
            case .text(let range): encodeStretch(bytes, range, into: &ids)
            }
        }
        return ids
    }

    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids where id >= 0 && id < tokenBytes.count {
            if let token = tokenBytes[id] { bytes.append(contentsOf: token) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func id(ofToken token: String) -> Int? {
        idsByToken[PreTokenCache.Key(bytes: Array(token.utf8))]
    }

    /// Encodes the text between two added tokens (never empty).
    private func encodeStretch(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into ids: inout [Int]) {
        if options.addPrefixSpace, bytes[range.lowerBound] != UInt8(ascii: " ") {
            let prefixed = [UInt8(ascii: " ")] + bytes[range]
            prefixed.withUnsafeBufferPointer { encodeStretch($0, 0..<$0.count, into: &ids) }
            return
        }
        if options.useRegex {
            GPT2PreTokenizer.split(bytes, range) { encodePiece(bytes, $0, into: &ids) }
        } else {
            encodePiece(bytes, range, into: &ids)
        }
    }

    /// Encodes one pre-token: a single known byte directly, others through the cache and BPE.
    @inline(__always)
    private func encodePiece(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into ids: inout [Int]) {
        if range.count == 1 {
            let id = byteIDs[Int(bytes[range.lowerBound])]
            if id >= 0 {
                ids.append(Int(id))
                return
            }
        }
        guard range.count <= PreTokenCache.longestKey else {
            ids.append(contentsOf: bytePairEncode(UnsafeBufferPointer(rebasing: bytes[range])))
            return
        }
        let key = PreTokenCache.Key(bytes: Array(bytes[range]))
        if let hit = cache.ids(for: key) {
            ids.append(contentsOf: hit)
            return
        }
        let result = bytePairEncode(UnsafeBufferPointer(rebasing: bytes[range]))
        cache.store(result, for: key)
        ids.append(contentsOf: result)
    }

    /// BPE on one pre-token's bytes.
    private func bytePairEncode(_ piece: UnsafeBufferPointer<UInt8>) -> [Int] {
        if options.ignoreMerges, let id = wholePieces[PreTokenCache.Key(bytes: Array(piece))] { return [id] }
        var symbols: [Int32] = []
        symbols.reserveCapacity(piece.count)
        var afterUnknown = false
        for byte in piece {
            let id = byteIDs[Int(byte)]
            if id >= 0 {
                symbols.append(id)
                afterUnknown = false
            } else if let unknownID {
                // `tokenizers` drops unknown symbols when there is no unknown token.
                if !(options.fuseUnknown && afterUnknown) { symbols.append(unknownID) }
                afterUnknown = true
            }
        }
        merges.merge(&symbols)
        return symbols.map { Int($0) }
    }
}
