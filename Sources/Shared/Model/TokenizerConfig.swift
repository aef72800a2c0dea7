/// A model directory's `tokenizer_config.json`, what `AutoTokenizer` reads beside the tokenizer files:
/// the class to build, the special tokens, and the chat template `apply_chat_template` renders.
///
/// Written so that `transformers` tokenizes and decodes as this project does: no BOS is added
/// (`add_bos_token` false, as the chat template adds none) and decoding keeps spaces as they are
/// (`clean_up_tokenization_spaces` false, since our `decode` inverts `encode` exactly).
public struct TokenizerConfig: Codable, Equatable, Sendable {
    public static let fileName = "tokenizer_config.json"

    public var tokenizerClass: String
    public var bosToken: String
    public var eosToken: String
    public var unkToken: String
    public var padToken: String
    /// The longest input the model takes (`n_positions`); nil when the model is not known.
    public var modelMaxLength: Int?
    public var addBosToken: Bool
    public var cleanUpTokenizationSpaces: Bool
    /// Jinja source (`ChatTemplate.jinja`).
    public var chatTemplate: String

    enum CodingKeys: String, CodingKey {
        case tokenizerClass = "tokenizer_class"
        case bosToken = "bos_token"
        case eosToken = "eos_token"
        case unkToken = "unk_token"
        case padToken = "pad_token"
        case modelMaxLength = "model_max_length"
        case addBosToken = "add_bos_token"
        case cleanUpTokenizationSpaces = "clean_up_tokenization_spaces"
        case chatTemplate = "chat_template"
    }

    /// The configuration of a tokenizer of class `tokenizerClass` with `tokens`, for a model of
    /// `maxLength` positions.
    public init(tokenizerClass: String, tokens: SpecialTokens, maxLength: Int?) {
        self.tokenizerClass = tokenizerClass
        bosToken = tokens.bos.content
        eosToken = tokens.eos.content
        unkToken = tokens.unk.content
        padToken = tokens.pad.content
        modelMaxLength = maxLength
        addBosToken = false
        cleanUpTokenizationSpaces = false
        chatTemplate = ChatTemplate.jinja
    }
}
