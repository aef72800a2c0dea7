import Foundation
import Shared

/// One line of `generate`'s output (docs/evaluation.md):
/// `{"prompt":…,"completion":…,"completion_ids":[…],"stop":…}` in this order, then any `extra` fields,
/// and a newline.
enum CompletionLine {
    static func encode(prompt: String, generation: Generation, tokenizer: PairTokenizer, extra: [(String, String)] = []) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        func encoded<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        var fields = [
            "\"prompt\":" + (try encoded(prompt)),
            "\"completion\":" + (try encoded(tokenizer.tokenizer.decode(generation.ids))),
            "\"completion_ids\":" + (try encoded(generation.ids)),
            "\"stop\":" + (try encoded(generation.stop.rawValue)),
        ]
        for (key, value) in extra { fields.append((try encoded(key)) + ":" + (try encoded(value))) }
        return Data(("{" + fields.joined(separator: ",") + "}\n").utf8)
    }
}
