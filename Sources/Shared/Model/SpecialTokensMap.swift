/// A model directory's `special_tokens_map.json`: the special tokens again, where older `transformers`
/// versions and other tools (and `ChatTemplate.endOfSequence`) look for them.
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
}
