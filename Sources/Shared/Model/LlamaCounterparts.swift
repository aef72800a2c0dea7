/// The parameter names of a Llama/Mistral model (HF `LlamaForCausalLM`, `MistralForCausalLM`: the
/// architecture the reference's `selected_layers` recipes were written for), each paired with the GPT-2
/// module that does its job, so an entry such as `down_proj` can select GPT-2 tensors (docs/selective.md).
///
/// The pairing is module for module; the GPT-2 module's every tensor (weight and bias) stands for the
/// Llama parameter:
///
/// | Llama/Mistral parameter | GPT-2 module |
/// | --- | --- |
/// | `model.embed_tokens.weight`, `lm_head.weight` | `transformer.wte` (GPT-2's head is tied to it) |
/// | `model.layers.{i}.self_attn.{q,k,v}_proj.weight` | `transformer.h.{i}.attn.c_attn` (fused: one tensor for all three) |
/// | `model.layers.{i}.self_attn.o_proj.weight` | `transformer.h.{i}.attn.c_proj` |
/// | `model.layers.{i}.mlp.{gate,up}_proj.weight` | `transformer.h.{i}.mlp.c_fc` (the MLP's input projection) |
/// | `model.layers.{i}.mlp.down_proj.weight` | `transformer.h.{i}.mlp.c_proj` (the MLP's output projection) |
/// | `model.layers.{i}.input_layernorm.weight` | `transformer.h.{i}.ln_1` |
/// | `model.layers.{i}.post_attention_layernorm.weight` | `transformer.h.{i}.ln_2` |
/// | `model.norm.weight` | `transformer.ln_f` |
///
/// `transformer.wpe` has no counterpart: Llama's rotary position embedding has no parameters.
enum LlamaCounterparts {
    /// One Llama/Mistral parameter and its GPT-2 module.
    struct Counterpart: Equatable {
        /// The parameter's HF name, as `named_parameters()` gives it.
        let name: String
        /// The GPT-2 module's name prefix: its tensors are the layout's names that start with `module + "."`.
        let module: String
        /// For `q_proj`, `k_proj` and `v_proj`: the layer whose fused `attn.c_attn` holds this projection
        /// as a third of its columns, which whole-tensor selection cannot separate.
        let fusedAttentionLayer: Int?
    }

    /// Every parameter of a Llama/Mistral model with `layers` decoder layers, in `named_parameters()` order.
    static func all(layers: Int) -> [Counterpart] {
        var names = [Counterpart(name: "model.embed_tokens.weight", module: "transformer.wte", fusedAttentionLayer: nil)]
        for i in 0..<layers {
            let llama = "model.layers.\(i).", gpt2 = "transformer.h.\(i)."
            for projection in ["q_proj", "k_proj", "v_proj"] {
                names.append(Counterpart(name: llama + "self_attn.\(projection).weight", module: gpt2 + "attn.c_attn", fusedAttentionLayer: i))
            }
            names.append(Counterpart(name: llama + "self_attn.o_proj.weight", module: gpt2 + "attn.c_proj", fusedAttentionLayer: nil))
            names.append(Counterpart(name: llama + "mlp.gate_proj.weight", module: gpt2 + "mlp.c_fc", fusedAttentionLayer: nil))
            names.append(Counterpart(name: llama + "mlp.up_proj.weight", module: gpt2 + "mlp.c_fc", fusedAttentionLayer: nil))
            names.append(Counterpart(name: llama + "mlp.down_proj.weight", module: gpt2 + "mlp.c_proj", fusedAttentionLayer: nil))
            names.append(Counterpart(name: llama + "input_layernorm.weight", module: gpt2 + "ln_1", fusedAttentionLayer: nil))
            names.append(Counterpart(name: llama + "post_attention_layernorm.weight", module: gpt2 + "ln_2", fusedAttentionLayer: nil))
        }
        names.append(Counterpart(name: "model.norm.weight", module: "transformer.ln_f", fusedAttentionLayer: nil))
        names.append(Counterpart(name: "lm_head.weight", module: "transformer.wte", fusedAttentionLayer: nil))
        return names
    }
}
