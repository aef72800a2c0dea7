/// The chat template as the Jinja source `transformers` keeps in `tokenizer_config.json`'s
/// `chat_template`, so `apply_chat_template` on a model directory we write gives exactly the text this
/// project trained on.
extension ChatTemplate {
    /// Renders, with `transformers`' variables (`messages`, `eos_token`, `add_generation_prompt`), what
    /// `prompt` and `turn` render: an empty system turn first unless the conversation opens with one,
    /// each turn as `<|role|>\n{content}{eos}\n`, and with `add_generation_prompt` the `<|assistant|>\n`
    /// header generation starts from. It is one line of expression blocks, so `transformers`'
    /// `trim_blocks`/`lstrip_blocks` have no whitespace to change.
    public static let jinja =
        #"{% if not messages or messages[0]['role'] != 'system' %}{{ '<|system|>\n' + eos_token + '\n' }}{% endif %}"#
        + #"{% for message in messages %}{{ '<|' + message['role'] + '|>\n' + message['content'] + eos_token + '\n' }}{% endfor %}"#
        + #"{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"#
}
