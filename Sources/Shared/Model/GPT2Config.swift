/// A GPT-2 architecture as Hugging Face's `config.json` (`GPT2Config`) describes it.
///
/// Keys are mapped once, here, to HF's names; absent optional keys take HF's defaults. `validate()`
/// rejects what this implementation cannot run exactly (other activations, untied heads, cross attention)
/// with a sentence that says why, so a model never trains with silently different semantics.
public struct GPT2Config: Codable, Equatable, Sendable {
    public var layers: Int
    public var heads: Int
    public var embedding: Int
    public var positions: Int
    public var vocabulary: Int
    public var layerNormEpsilon: Float
    /// Width of the MLP's hidden layer; HF's `n_inner`, `null` meaning 4 × `n_embd`.
    public var inner: Int?
    public var activation: String
    public var tieWordEmbeddings: Bool
    public var scaleAttentionWeights: Bool
    public var scaleAttentionByInverseLayerIndex: Bool
    public var addCrossAttention: Bool
    public var bosTokenID: Int?
    public var eosTokenID: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case layers = "n_layer"
        case heads = "n_head"
        case embedding = "n_embd"
        case positions = "n_positions"
        case vocabulary = "vocab_size"
        case layerNormEpsilon = "layer_norm_epsilon"
        case inner = "n_inner"
        case activation = "activation_function"
        case tieWordEmbeddings = "tie_word_embeddings"
        case scaleAttentionWeights = "scale_attn_weights"
        case scaleAttentionByInverseLayerIndex = "scale_attn_by_inverse_layer_idx"
        case addCrossAttention = "add_cross_attention"
        case bosTokenID = "bos_token_id"
        case eosTokenID = "eos_token_id"
        case modelType = "model_type"
    }

    public init(
        layers: Int, heads: Int, embedding: Int, positions: Int, vocabulary: Int,
        layerNormEpsilon: Float = 1e-5, bosTokenID: Int? = nil, eosTokenID: Int? = nil
    ) {
        self.layers = layers
        self.heads = heads
        self.embedding = embedding
        self.positions = positions
        self.vocabulary = vocabulary
        self.layerNormEpsilon = layerNormEpsilon
        self.inner = nil
        self.activation = "gelu_new"
        self.tieWordEmbeddings = true
        self.scaleAttentionWeights = true
        self.scaleAttentionByInverseLayerIndex = false
        self.addCrossAttention = false
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let type = try c.decodeIfPresent(String.self, forKey: .modelType), type != "gpt2" {
            throw ModelError.unsupportedConfig("model_type is \"\(type)\"; only \"gpt2\" is supported")
        }
        layers = try c.decode(Int.self, forKey: .layers)
        heads = try c.decode(Int.self, forKey: .heads)
        embedding = try c.decode(Int.self, forKey: .embedding)
        positions = try c.decode(Int.self, forKey: .positions)
        vocabulary = try c.decode(Int.self, forKey: .vocabulary)
        layerNormEpsilon = try c.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? 1e-5
        inner = try c.decodeIfPresent(Int.self, forKey: .inner)
        activation = try c.decodeIfPresent(String.self, forKey: .activation) ?? "gelu_new"
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? true
        scaleAttentionWeights = try c.decodeIfPresent(Bool.self, forKey: .scaleAttentionWeights) ?? true
        scaleAttentionByInverseLayerIndex =
            try c.decodeIfPresent(Bool.self, forKey: .scaleAttentionByInverseLayerIndex) ?? false
        addCrossAttention = try c.decodeIfPresent(Bool.self, forKey: .addCrossAttention) ?? false
        bosTokenID = try c.decodeIfPresent(Int.self, forKey: .bosTokenID)
        eosTokenID = try c.decodeIfPresent(Int.self, forKey: .eosTokenID)
        try validate()
    }

    /// Writes every key `transformers.GPT2Config` needs to rebuild this exact architecture, with the
    /// dropout rates at zero (this trainer does not use dropout, so a reloaded model behaves the same).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("gpt2", forKey: .modelType)
        try c.encode(layers, forKey: .layers)
        try c.encode(heads, forKey: .heads)
        try c.encode(embedding, forKey: .embedding)
        try c.encode(positions, forKey: .positions)
        try c.encode(vocabulary, forKey: .vocabulary)
        try c.encode(layerNormEpsilon, forKey: .layerNormEpsilon)
        try c.encode(inner, forKey: .inner)
        try c.encode(activation, forKey: .activation)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try c.encode(scaleAttentionWeights, forKey: .scaleAttentionWeights)
        try c.encode(scaleAttentionByInverseLayerIndex, forKey: .scaleAttentionByInverseLayerIndex)
        try c.encode(addCrossAttention, forKey: .addCrossAttention)
        try c.encode(bosTokenID, forKey: .bosTokenID)
        try c.encode(eosTokenID, forKey: .eosTokenID)
        var extra = encoder.container(keyedBy: ExtraKeys.self)
        try extra.encode(["GPT2LMHeadModel"], forKey: .architectures)
        try extra.encode(positions, forKey: .nCtx)
        try extra.encode(0.0, forKey: .attnPdrop)
        try extra.encode(0.0, forKey: .embdPdrop)
        try extra.encode(0.0, forKey: .residPdrop)
        try extra.encode(0.02, forKey: .initializerRange)
        try extra.encode(false, forKey: .reorderAndUpcastAttn)
        try extra.encode("float32", forKey: .torchDtype)
    }

    enum ExtraKeys: String, CodingKey {
        case architectures
        case nCtx = "n_ctx"
        case attnPdrop = "attn_pdrop"
        case embdPdrop = "embd_pdrop"
        case residPdrop = "resid_pdrop"
        case initializerRange = "initializer_range"
        case reorderAndUpcastAttn = "reorder_and_upcast_attn"
        case torchDtype = "torch_dtype"
    }

    /// Width of the MLP's hidden layer.
    public var mlpWidth: Int { inner ?? 4 * embedding }
    /// Width of one attention head.
    public var headWidth: Int { embedding / heads }

    /// Throws `ModelError.unsupportedConfig` for sizes that cannot form a model and for HF options
    /// whose semantics this implementation does not reproduce.
    public func validate() throws {
        func fail(_ reason: String) -> ModelError { .unsupportedConfig(reason) }
        // Sizes from a file or the network are bounded first, so that no product below can overflow.
        let sizes = ["n_layer": layers, "n_head": heads, "n_embd": embedding, "n_positions": positions, "vocab_size": vocabulary,
                     "n_inner": inner ?? 0]
        if let (name, value) = sizes.sorted(by: { $0.key < $1.key }).first(where: { $0.value > 1 << 40 }) {
            throw fail("\(name) is \(value), beyond any model this implementation runs")
        }
        guard layers >= 1 else { throw fail("n_layer must be at least 1, got \(layers)") }
        guard heads >= 1 else { throw fail("n_head must be at least 1, got \(heads)") }
        guard embedding >= 1, embedding % heads == 0 else {
            throw fail("n_embd (\(embedding)) must be a positive multiple of n_head (\(heads))")
        }
        guard positions >= 1 else { throw fail("n_positions must be at least 1, got \(positions)") }
        guard vocabulary >= 1 else { throw fail("vocab_size must be at least 1, got \(vocabulary)") }
        guard mlpWidth >= 1 else { throw fail("n_inner must be at least 1, got \(mlpWidth)") }
        guard layerNormEpsilon.isFinite, layerNormEpsilon > 0 else {
            throw fail("layer_norm_epsilon must be a positive number, got \(layerNormEpsilon)")
        }
        guard activation == "gelu_new" else {
            throw fail("activation_function \"\(activation)\" is not supported; only \"gelu_new\" (GPT-2's tanh GELU) is")
        }
        guard tieWordEmbeddings else {
            throw fail("tie_word_embeddings is false; untied language-model heads are unsupported")
        }
        guard scaleAttentionWeights, !scaleAttentionByInverseLayerIndex else {
            throw fail("attention must be scaled by 1/sqrt(head_dim) only (scale_attn_weights true, scale_attn_by_inverse_layer_idx false)")
        }
        guard !addCrossAttention else { throw fail("add_cross_attention is not supported") }
        guard let count = ParameterLayout.parameterCount(of: self), count <= Int(Int32.max) * 8 else {
            throw fail("the model would have more parameters than this implementation addresses (\(Int(Int32.max) * 8))")
        }
    }
}
