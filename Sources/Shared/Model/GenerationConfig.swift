/// A model directory's `generation_config.json`, the defaults of `model.generate`: greedy decoding,
/// as `bfpo-worker generate` does, that stops at eos or when the context is full, padding with eos.
///
/// No `transformers_version` is written: nothing here comes from a `transformers` release, and the
/// key is optional. Reading takes `transformers`' defaults for the keys it omits when they have their
/// default (`max_length` 20, `do_sample` false).
public struct GenerationConfig: Codable, Equatable, Sendable {
    public static let fileName = "generation_config.json"

    public var bosTokenID: Int?
    public var eosTokenID: Int?
    public var padTokenID: Int?
    /// Prompt plus generated tokens: the model's `n_positions`.
    public var maxLength: Int
    public var doSample: Bool

    enum CodingKeys: String, CodingKey {
        case bosTokenID = "bos_token_id"
        case eosTokenID = "eos_token_id"
        case padTokenID = "pad_token_id"
        case maxLength = "max_length"
        case doSample = "do_sample"
    }
}

extension GenerationConfig {
    /// The ids of `config.json` where it has them, as `transformers` takes them from the model's
    /// configuration, else those of `tokens`; pad is eos (`SpecialTokens`).
    public init(config: GPT2Config, tokens: SpecialTokens?) {
        bosTokenID = config.bosTokenID ?? tokens?.bos.id
        eosTokenID = config.eosTokenID ?? tokens?.eos.id
        padTokenID = tokens?.pad.id ?? eosTokenID
        maxLength = config.positions
        doSample = false
    }
}

extension GenerationConfig {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        bosTokenID = try c.decodeIfPresent(Int.self, forKey: .bosTokenID)
        eosTokenID = try c.decodeIfPresent(Int.self, forKey: .eosTokenID)
        padTokenID = try c.decodeIfPresent(Int.self, forKey: .padTokenID)
        maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength) ?? 20
        doSample = try c.decodeIfPresent(Bool.self, forKey: .doSample) ?? false
    }
}
