import Foundation

/// Reads a Hugging Face `tokenizer.json` of a byte-level BPE model (GPT-2's kind) into a
/// `ByteLevelBPETokenizer`, refusing, with the file and field named, anything whose ids would differ
/// from `tokenizers`' `encode(text).ids`: other models, normalizers, pre-tokenizers other than
/// ByteLevel, post-processors that add tokens, truncation, padding, BPE dropout.
///
/// The file is untrusted: every field is type-checked, ids are range-checked, merges must name
/// vocabulary tokens, and added tokens must carry the ids `tokenizers` itself assigns them.
public enum TokenizerFile {
    public static let fileName = "tokenizer.json"

    /// Loads the `tokenizer.json` at `path`.
    public static func load(path: String) throws -> ByteLevelBPETokenizer {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TokenizerError.unreadable(file: path, reason: error.localizedDescription)
        }
        return try parse(data, file: path)
    }

    /// Parses the contents of a `tokenizer.json`; `file` names it in errors.
    public static func parse(_ data: Data, file: String) throws -> ByteLevelBPETokenizer {
        let root: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw TokenizerError.invalidJSON(file: file, reason: "the top level is not an object")
            }
            root = object
        } catch let error as TokenizerError {
            throw error
        } catch {
            throw TokenizerError.invalidJSON(file: file, reason: error.localizedDescription)
        }
        let fields = Fields(file: file)
        for name in ["truncation", "padding", "normalizer"] where !fields.isNull(root[name]) {
            throw TokenizerError.unsupported(file: file, field: name, reason: "only null is supported")
        }
        var options = ByteLevelBPETokenizer.Options()
        try readPreTokenizer(root, fields, into: &options)
        try checkPostProcessor(root["post_processor"], fields, field: "post_processor")
        if !fields.isNull(root["decoder"]) {
            let type = try fields.string(fields.object(root["decoder"], "decoder")["type"], "decoder.type")
            guard type == "ByteLevel" else {
                throw TokenizerError.unsupported(file: file, field: "decoder.type", reason: "\"\(type)\" is not supported; only ByteLevel or null")
            }
        }

        let model = try fields.object(root["model"], "model")
        if let type = model["type"] {
            let name = try fields.string(type, "model.type")
            guard name == "BPE" else {
                throw TokenizerError.unsupported(file: file, field: "model.type", reason: "model type \"\(name)\" is not supported; only BPE")
            }
        }
        if !fields.isNull(model["dropout"]) {
            guard try fields.number(model["dropout"], "model.dropout") == 0 else {
                throw TokenizerError.unsupported(file: file, field: "model.dropout", reason: "BPE dropout is not supported")
            }
        }
        for name in ["continuing_subword_prefix", "end_of_word_suffix"] where !fields.isNull(model[name]) {
            guard try fields.string(model[name], "model.\(name)").isEmpty else {
                throw TokenizerError.unsupported(file: file, field: "model.\(name)", reason: "only null is supported")
            }
        }
        if try fields.bool(model["byte_fallback"], "model.byte_fallback", default: false) {
            throw TokenizerError.unsupported(file: file, field: "model.byte_fallback", reason: "byte fallback is not supported")
        }
        options.ignoreMerges = try fields.bool(model["ignore_merges"], "model.ignore_merges", default: false)
        options.fuseUnknown = try fields.bool(model["fuse_unk"], "model.fuse_unk", default: false)
        if !fields.isNull(model["unk_token"]) { options.unknownToken = try fields.string(model["unk_token"], "model.unk_token") }

        let vocabulary = try readVocabulary(model["vocab"], fields, field: "model.vocab")
        let merges = try readMerges(model["merges"], fields)
        let added = try readAddedTokens(root["added_tokens"], vocabulary: vocabulary, fields)
        return try ByteLevelBPETokenizer(vocabulary: vocabulary, merges: merges, addedTokens: added,
                                         options: options, source: file)
    }

    private static func readPreTokenizer(_ root: [String: Any], _ fields: Fields,
                                         into options: inout ByteLevelBPETokenizer.Options) throws {
        guard !fields.isNull(root["pre_tokenizer"]) else {
            throw TokenizerError.unsupported(file: fields.file, field: "pre_tokenizer", reason: "a ByteLevel pre-tokenizer is required")
        }
        let pre = try fields.object(root["pre_tokenizer"], "pre_tokenizer")
        let type = try fields.string(pre["type"], "pre_tokenizer.type")
        guard type == "ByteLevel" else {
            throw TokenizerError.unsupported(file: fields.file, field: "pre_tokenizer.type", reason: "\"\(type)\" is not supported; only ByteLevel")
        }
        options.addPrefixSpace = try fields.bool(pre["add_prefix_space"], "pre_tokenizer.add_prefix_space")
        options.useRegex = try fields.bool(pre["use_regex"], "pre_tokenizer.use_regex", default: true)
    }

    /// Accepts post-processors that add nothing to a single text: none, ByteLevel (offsets only),
    /// TemplateProcessing whose `single` template is just `$A` (as transformers writes for GPT-2), and
    /// Sequences of those.
    private static func checkPostProcessor(_ value: Any?, _ fields: Fields, field: String) throws {
        guard !fields.isNull(value) else { return }
        let processor = try fields.object(value, field)
        let type = try fields.string(processor["type"], "\(field).type")
        switch type {
        case "ByteLevel":
            return
        case "TemplateProcessing":
            guard let single = processor["single"] as? [Any] else {
                throw TokenizerError.invalidField(file: fields.file, field: "\(field).single", reason: "is not an array")
            }
            let onlyText = single.count == 1 && ((single[0] as? [String: Any])?["Sequence"] as? [String: Any])?["id"] as? String == "A"
            guard onlyText else {
                throw TokenizerError.unsupported(file: fields.file, field: "\(field).single",
                                                 reason: "the template adds tokens around the text, which `tokenize` must not do")
            }
        case "Sequence":
            guard let list = processor["processors"] as? [Any] else {
                throw TokenizerError.invalidField(file: fields.file, field: "\(field).processors", reason: "is not an array")
            }
            for (index, item) in list.enumerated() { try checkPostProcessor(item, fields, field: "\(field).processors[\(index)]") }
        default:
            throw TokenizerError.unsupported(file: fields.file, field: "\(field).type",
                                             reason: "\"\(type)\" is not supported; only ByteLevel, a TemplateProcessing that adds nothing, or null")
        }
    }

    /// A `{token: id}` object, as in `model.vocab` and `vocab.json`.
    static func readVocabulary(_ value: Any?, _ fields: Fields, field: String) throws -> [String: Int] {
        let object = try fields.object(value, field)
        var vocabulary: [String: Int] = [:]
        vocabulary.reserveCapacity(object.count)
        for (token, id) in object {
            guard let id = Fields.integer(id) else {
                throw TokenizerError.invalidField(file: fields.file, field: "\(field).\(token)", reason: "is not an integer id")
            }
            vocabulary[token] = id
        }
        return vocabulary
    }

    /// `model.merges`: `"left right"` strings (older files) or `[left, right]` pairs (newer ones).
    private static func readMerges(_ value: Any?, _ fields: Fields) throws -> [(String, String)] {
        guard let list = value as? [Any] else {
            throw value == nil ? TokenizerError.missingField(file: fields.file, field: "model.merges")
                               : TokenizerError.invalidField(file: fields.file, field: "model.merges", reason: "is not an array")
        }
        return try list.enumerated().map { index, entry in
            if let text = entry as? String {
                let parts = text.split(separator: " ", omittingEmptySubsequences: false)
                if parts.count == 2 { return (String(parts[0]), String(parts[1])) }
            } else if let pair = entry as? [Any], pair.count == 2, let left = pair[0] as? String, let right = pair[1] as? String {
                return (left, right)
            }
            throw TokenizerError.invalidMerge(file: fields.file, index: index + 1,
                                              reason: "expected \"left right\" (one space) or [\"left\", \"right\"]")
        }
    }

    /// `added_tokens`, checked against the ids `tokenizers` assigns on loading: the vocabulary's id when
    /// the content is in it, otherwise the next free id after the vocabulary's size, in list order.
    private static func readAddedTokens(_ value: Any?, vocabulary: [String: Int], _ fields: Fields) throws -> [AddedToken] {
        guard !fields.isNull(value) else { return [] }
        guard let list = value as? [Any] else {
            throw TokenizerError.invalidField(file: fields.file, field: "added_tokens", reason: "is not an array")
        }
        var tokens: [AddedToken] = []
        var assigned: [String: Int] = [:]
        for (index, entry) in list.enumerated() {
            let path = "added_tokens[\(index)]"
            let object = try fields.object(entry, path)
            let content = try fields.string(object["content"], "\(path).content")
            guard !content.isEmpty else {
                throw TokenizerError.invalidField(file: fields.file, field: "\(path).content", reason: "is empty")
            }
            guard assigned[content] == nil else {
                throw TokenizerError.invalidField(file: fields.file, field: "\(path).content",
                                                  reason: "repeats the added token \"\(content)\"")
            }
            guard let id = Fields.integer(object["id"]) else {
                throw TokenizerError.invalidField(file: fields.file, field: "\(path).id", reason: "is not an integer id")
            }
            let expected: Int
            if let inVocabulary = vocabulary[content] {
                expected = inVocabulary
            } else if let largest = assigned.values.max(), largest >= vocabulary.count || vocabulary.isEmpty {
                expected = largest + 1
            } else {
                expected = vocabulary.count
            }
            guard id == expected else {
                throw TokenizerError.addedTokenIDMismatch(file: fields.file, token: content, id: id, expected: expected)
            }
            assigned[content] = id
            let special = try fields.bool(object["special"], "\(path).special", default: false)
            tokens.append(AddedToken(
                content: content, id: id,
                singleWord: try fields.bool(object["single_word"], "\(path).single_word", default: false),
                leftStrip: try fields.bool(object["lstrip"], "\(path).lstrip", default: false),
                rightStrip: try fields.bool(object["rstrip"], "\(path).rstrip", default: false),
                normalized: try fields.bool(object["normalized"], "\(path).normalized", default: !special),
                special: special))
        }
        return tokens
    }
}

extension TokenizerFile {
    /// Typed access to JSON values with errors naming the file and field.
    struct Fields {
        let file: String

        func isNull(_ value: Any?) -> Bool { value == nil || value is NSNull }

        /// Whether a parsed JSON value is `true` or `false` (JSONSerialization gives NSNumbers for
        /// numbers and booleans alike, and `1 is Bool` holds for them).
        static func isBool(_ value: Any?) -> Bool {
            guard let number = value as? NSNumber else { return false }
            return type(of: number) == type(of: NSNumber(value: true))
        }

        /// A JSON integer (not a boolean, not a fraction).
        static func integer(_ value: Any?) -> Int? {
            guard !isBool(value) else { return nil }
            return value as? Int
        }

        func object(_ value: Any?, _ field: String) throws -> [String: Any] {
            guard let value else { throw TokenizerError.missingField(file: file, field: field) }
            guard let object = value as? [String: Any] else {
                throw TokenizerError.invalidField(file: file, field: field, reason: "is not an object")
            }
            return object
        }

        func string(_ value: Any?, _ field: String) throws -> String {
            guard let value else { throw TokenizerError.missingField(file: file, field: field) }
            guard let string = value as? String else {
                throw TokenizerError.invalidField(file: file, field: field, reason: "is not a string")
            }
            return string
        }

        func number(_ value: Any?, _ field: String) throws -> Double {
            guard let value else { throw TokenizerError.missingField(file: file, field: field) }
            guard !Self.isBool(value), let number = value as? Double else {
                throw TokenizerError.invalidField(file: file, field: field, reason: "is not a number")
            }
            return number
        }

        func bool(_ value: Any?, _ field: String, default fallback: Bool? = nil) throws -> Bool {
            if isNull(value), let fallback { return fallback }
            guard let value else { throw TokenizerError.missingField(file: file, field: field) }
            guard Self.isBool(value), let bool = value as? Bool else {
                throw TokenizerError.invalidField(file: file, field: field, reason: "is not true or false")
            }
            return bool
        }
    }
}
