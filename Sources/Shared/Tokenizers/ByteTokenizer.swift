import Foundation

/// The tokenizer of models trained from scratch: id b is byte b (0…255), then the special tokens the
/// chat template needs (docs/contracts.md, "Chat template") as ids 256…259, then any merges learned from
/// the training data (`BPETrainer`) as ids 260, 261, ….
///
/// It is written as an ordinary `tokenizer.json` that `tokenizers` loads natively and gives the same
/// ids: a BPE model whose vocabulary maps the byte-level scalar of byte b (`ByteEncoding`) to b and lists
/// the specials and learned tokens at their ids, the ByteLevel pre-tokenizer and decoder, and the specials
/// as added tokens. (Listing the specials in the vocabulary is what keeps them at 256…259 when learned
/// tokens follow: `tokenizers` gives an added token missing from the vocabulary the next free id.)
public enum ByteTokenizer {
    /// The special tokens, in id order from 256: end of text first.
    public static let specialTokens = ["<|endoftext|>", "<|system|>", "<|user|>", "<|assistant|>"]

    /// The bytes and the special tokens: the ids before any learned token.
    public static var baseVocabularySize: Int { 256 + specialTokens.count }

    /// The number of ids with `merges`.
    public static func vocabularySize(merges: LearnedMerges = .none) -> Int { baseVocabularySize + merges.tokens.count }

    /// The special tokens' roles for `transformers`: `<|endoftext|>` (id 256) is all of them, as in GPT-2.
    public static var roles: SpecialTokens { SpecialTokens(endOfText: .init(content: specialTokens[0], id: 256)) }

    /// The tokenizer itself, identical to loading `json(merges:)`.
    public static func make(merges: LearnedMerges = .none) -> ByteLevelBPETokenizer {
        let texts = tokens(merges)
        let vocabulary = Dictionary(uniqueKeysWithValues: texts.enumerated().map { ($1, $0) })
        // Only `BPETrainer` makes merges, and its rules name tokens it defined: an error here could only be a bug.
        return try! ByteLevelBPETokenizer(vocabulary: vocabulary, merges: mergePairs(merges, texts: texts),
                                          addedTokens: addedTokens, source: "byte tokenizer")
    }

    /// Every token's text in id order: byte-level scalars for bytes and learned tokens, the specials as
    /// they are.
    private static func tokens(_ merges: LearnedMerges) -> [String] {
        (0..<256).map { byteLevel([UInt8($0)]) } + specialTokens + merges.tokens.map(byteLevel)
    }

    private static func byteLevel(_ bytes: [UInt8]) -> String {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar(ByteEncoding.scalars[Int($0)])! }))
    }

    /// The rules as pairs of token texts (`texts`: `tokens(merges)`), in rank order.
    private static func mergePairs(_ merges: LearnedMerges, texts: [String]) -> [(String, String)] {
        merges.rules.map { (texts[$0.left], texts[$0.right]) }
    }

    private static var addedTokens: [AddedToken] {
        specialTokens.enumerated().map { AddedToken(content: $1, id: 256 + $0, special: true) }
    }

    /// The `tokenizer.json` text, laid out like the files `tokenizers` writes (vocabulary in id order,
    /// merges as pairs).
    public static func json(merges: LearnedMerges = .none) -> String {
        let added = addedTokens.map {
            "    {\"id\": \($0.id), \"content\": \(quoted($0.content)), \"single_word\": false, \"lstrip\": false, "
                + "\"rstrip\": false, \"normalized\": false, \"special\": true}"
        }
        let texts = tokens(merges)
        let vocabulary = texts.enumerated().map { "      \(quoted($1)): \($0)" }
        let pairs = mergePairs(merges, texts: texts).map { "      [\(quoted($0)), \(quoted($1))]" }
        return """
            {
              "version": "1.0",
              "truncation": null,
              "padding": null,
              "added_tokens": [
            \(added.joined(separator: ",\n"))
              ],
              "normalizer": null,
              "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
              "post_processor": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
              "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
              "model": {
                "type": "BPE",
                "dropout": null,
                "unk_token": null,
                "continuing_subword_prefix": null,
                "end_of_word_suffix": null,
                "fuse_unk": false,
                "byte_fallback": false,
                "ignore_merges": false,
                "vocab": {
            \(vocabulary.joined(separator: ",\n"))
                },
                "merges": [\(pairs.isEmpty ? "" : "\n" + pairs.joined(separator: ",\n") + "\n    ")]
              }
            }

            """
    }

    /// Writes `json(merges:)` to `path`, replacing any file there.
    public static func write(to path: String, merges: LearnedMerges = .none) throws {
        let text = json(merges: merges)
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw TokenizerError.unwritable(file: path, reason: error.localizedDescription)
        }
    }

    /// A JSON string literal; byte-level scalars and the specials are all printable, so only `"` and `\`
    /// need escapes.
    private static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
