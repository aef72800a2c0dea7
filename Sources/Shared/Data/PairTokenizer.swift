import Foundation

/// Turns text pairs into tokenized pairs (docs/contracts.md, "Chat template"): the prompt text and each
/// response text are tokenized separately and concatenated, so the prompt ids are exactly those
/// generation starts from, and the mask is 1 exactly on the response's ids.
///
/// Text is split at each occurrence of the eos token, whose id is put in directly; the pieces between
/// are encoded by the tokenizer. For a tokenizer that treats eos as an added token (GPT-2's
/// `<|endoftext|>`) this equals encoding the whole text; for one that does not, eos is still one id.
public struct PairTokenizer: Sendable {
    public let tokenizer: any Tokenizer
    public let template: ChatTemplate
    public let eosID: Int

    /// - Throws: `DatasetError.noEndOfSequenceToken` if the template's eos is not one token of `tokenizer`.
    public init(tokenizer: any Tokenizer, template: ChatTemplate) throws {
        guard let id = tokenizer.id(ofToken: template.eosToken) else {
            throw DatasetError.noEndOfSequenceToken(
                directory: "tokenizer", reason: "\"\(template.eosToken)\" is not a single token of it")
        }
        self.tokenizer = tokenizer
        self.template = template
        self.eosID = id
    }

    /// The tokenizer at `path` (a `tokenizer.json`, or a directory as `TokenizerLoader` reads it) with
    /// the template whose eos the directory names (`ChatTemplate.endOfSequence`); for a file, its
    /// directory is searched for the eos.
    public static func load(path: String) throws -> (tokenizer: PairTokenizer, eos: ChatTemplate.EndOfSequence) {
        let tokenizer = try TokenizerLoader.load(path: path)
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let directory = isDirectory.boolValue ? path : (path as NSString).deletingLastPathComponent
        let (template, eos) = try ChatTemplate.forModel(directory: directory.isEmpty ? "." : directory, tokenizer: tokenizer)
        return (try PairTokenizer(tokenizer: tokenizer, template: template), eos)
    }

    /// The ids of a prompt conversation, ending with the assistant header's.
    public func promptIDs(_ messages: [ChatMessage]) -> [Int] { encode(template.prompt(messages)) }

    /// The ids of one response, ending with eos.
    public func responseIDs(_ content: String) -> [Int] { encode(template.response(content)) }

    /// The tokenized pair of `row`: prompt ids then each response's ids, mask true on the response's.
    public func pair(_ row: PreferenceRow) throws -> TokenizedPair {
        let prompt = promptIDs(row.prompt)
        let chosen = responseIDs(row.chosen), rejected = responseIDs(row.rejected)
        let promptMask = [Bool](repeating: false, count: prompt.count)
        return try TokenizedPair(
            chosenIDs: prompt + chosen, chosenMask: promptMask + [Bool](repeating: true, count: chosen.count),
            rejectedIDs: prompt + rejected, rejectedMask: promptMask + [Bool](repeating: true, count: rejected.count),
            chosenSafe: row.chosenSafe, rejectedSafe: row.rejectedSafe, source: row.source)
    }

    /// `text`'s ids, each eos occurrence as `eosID` and the text between encoded by the tokenizer.
    public func encode(_ text: String) -> [Int] {
        let bytes = Array(text.utf8), eos = Array(template.eosToken.utf8)
        var ids: [Int] = []
        var pieceStart = 0, index = 0
        func flush(upTo end: Int) {
            // Both ends lie on scalar boundaries: eos starts and ends on one, and UTF-8 is self-synchronizing.
            if end > pieceStart { ids += tokenizer.encode(String(decoding: bytes[pieceStart..<end], as: UTF8.self)) }
        }
        while !eos.isEmpty, index + eos.count <= bytes.count {
            if bytes[index] == eos[0], bytes[index..<(index + eos.count)].elementsEqual(eos) {
                flush(upTo: index)
                ids.append(eosID)
                index += eos.count
                pieceStart = index
            } else {
                index += 1
            }
        }
        flush(upTo: bytes.count)
        return ids
    }

    /// The tokenized pairs of `rows`, in order: text rows through `tokenizer`, tokenized rows as they are.
    /// - Throws: `DatasetError.tokenizerRequired` for a text row when `tokenizer` is nil.
    public static func pairs(_ rows: [DatasetRow], tokenizer: PairTokenizer?) throws -> [TokenizedPair] {
        try rows.map { row in
            switch row {
            case .tokenized(let pair):
                return pair
            case .text(let text):
                guard let tokenizer else { throw DatasetError.tokenizerRequired(file: text.source.file) }
                return try tokenizer.pair(text)
            }
        }
    }
}
