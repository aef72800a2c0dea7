/// Why `selected_layers` cannot select parameters of a model. Descriptions read as sentences for the user
/// and say what a valid entry looks like.
public enum ParameterSelectionError: Error, Equatable, CustomStringConvertible {
    /// The list is empty, so nothing would be trained.
    case nothingSelected
    /// An entry is the empty string, which as a substring would select every parameter.
    case emptyEntry(index: Int)
    /// An entry is part of no GPT-2 parameter name and of no Llama/Mistral one; `layers` is the model's depth.
    case unmatchedEntry(entry: String, layers: Int)
    /// Llama/Mistral-form entries name some but not all of `q_proj`, `k_proj` and `v_proj` of `layer`, which
    /// GPT-2 stores as one fused tensor.
    case partOfFusedAttention(entries: [String], layer: Int)

    public var description: String {
        switch self {
        case .nothingSelected:
            return "selected_layers is empty, so no parameter would be trained; list at least one entry, or set use_selective to false"
        case .emptyEntry(let index):
            return "selected_layers entry \(index) is the empty string, which would select every parameter; set use_selective to false to train them all"
        case .unmatchedEntry(let entry, let layers):
            let last = layers - 1
            return "selected_layers entry \"\(entry)\" is part of no parameter name of this GPT-2 model (layers 0–\(last)); "
                + "an entry is a substring of a GPT-2 name, such as transformer.h.\(last).mlp.c_proj.weight, mlp, c_attn, "
                + "attn.c_proj, ln_1, h.\(last)., wte, ln_f, bias, or of a Llama/Mistral name standing for its GPT-2 counterpart, "
                + "such as down_proj, up_proj, o_proj, self_attn, input_layernorm, layers.\(last)., embed_tokens, norm (docs/selective.md)"
        case .partOfFusedAttention(let entries, let layer):
            let quoted = entries.map { "\"\($0)\"" }.joined(separator: ", ")
            return "selected_layers \(quoted) name only part of layer \(layer)'s q_proj, k_proj and v_proj, which GPT-2 stores as "
                + "one tensor, transformer.h.\(layer).attn.c_attn.weight; select all three, or c_attn"
        }
    }
}
