/// A model directory's `special_tokens_map.json`: the special tokens again, where older `transformers`
/// versions and other tools (and `ChatTemplate.endOfSequence`) look for them.
///
/// We write each token as a string; `transformers` writes `{"content": …, "lstrip": …}` objects, which
/// are read too.
public struct SpecialTokensMap: Codable, Equatable, Sendable {
    public static let fileName = "special_tokens_map.json"

    public var bosToken: String
    public var eosToken: String
    public var unkToken: String
    public var padToken: String

    enum CodingKeys: String, CodingKey {
        case bosToken = "bos_token"
        case eosToken = "eos_token"
        case unkToken = "unk_token"
        case padToken = "pad_token"
    }

    public init(_ tokens: SpecialTokens) {
        bosToken = tokens.bos.content
        eosToken = tokens.eos.content
        unkToken = tokens.unk.content
        padToken = tokens.pad.content
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func token(_ key: CodingKeys) throws -> String {
            if let text = try? c.decode(String.self, forKey: key) { return text }
            return try c.decode(AddedTokenObject.self, forKey: key).content
        }
        bosToken = try token(.bosToken)
        eosToken = try token(.eosToken)
        unkToken = try token(.unkToken)
        padToken = try token(.padToken)
    }

    /// `transformers`' form of a token: its text and how it is matched (not used here).
    private struct AddedTokenObject: Decodable {
        let content: String
    }
}
