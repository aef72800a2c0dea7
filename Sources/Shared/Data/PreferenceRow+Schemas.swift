import Foundation

/// Reading a `PreferenceRow` from each text schema of `DatasetFormat`, as the reference repository's
/// `apply_chat_template` (task "bfpo") reads them, with every field type- and range-checked.
extension PreferenceRow {
    /// PKU-SafeRLHF: chosen = `response_{better_response_id}`. Both ids must be 0 or 1;
    /// `safer_response_id` is checked but not used (the labels carry safety).
    public init(pkuSafeRLHF record: JSONRecord) throws {
        let prompt = try record.string("prompt")
        let responses = [try record.string("response_0"), try record.string("response_1")]
        let safe = [try record.label("is_response_0_safe"), try record.label("is_response_1_safe")]
        let better = try record.integer("better_response_id", in: 0...1)
        _ = try record.integer("safer_response_id", in: 0...1)
        self.init(prompt: [.user(prompt)], chosen: responses[better], rejected: responses[1 - better],
                  chosenSafe: safe[better], rejectedSafe: safe[1 - better], source: record.source)
    }

    /// UltraFeedback-binarized: the prompt is every message of `chosen` but the last, which must equal
    /// the same messages of `rejected`; each list's last message is its assistant response. Both
    /// responses count as safe. The dataset's `prompt` string is ignored in favour of the message lists,
    /// which also carry earlier turns.
    public init(ultraFeedback record: JSONRecord) throws {
        func split(_ field: String) throws -> (prompt: [ChatMessage], response: String) {
            let messages = try record.messages(field)
            guard let last = messages.last else { throw record.invalid(field, "is an empty message list") }
            guard last.role == .assistant else {
                throw record.invalid(field, "must end with an assistant message, not a \(last.role.rawValue) message")
            }
            guard messages.count >= 2 else { throw record.invalid(field, "has no message before the response") }
            return (Array(messages.dropLast()), last.content)
        }
        let chosen = try split("chosen"), rejected = try split("rejected")
        if chosen.prompt != rejected.prompt {
            let index = zip(chosen.prompt, rejected.prompt).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(chosen.prompt.count, rejected.prompt.count)
            throw record.invalid("rejected", "differs from \"chosen\" before the response, at element \(index); both must answer the same conversation")
        }
        self.init(prompt: chosen.prompt, chosen: chosen.response, rejected: rejected.response,
                  chosenSafe: true, rejectedSafe: true, source: record.source)
    }

    /// The reference repository's red-teaming file: chosen = `modeloutput{better_modelout}`, where
    /// `better_modelout` is 1 or 2 (an integer, or the string "1" or "2", which the reference's
    /// `f"modeloutput{id}"` and `3 - int(id)` also accept).
    public init(redTeaming record: JSONRecord) throws {
        let prompt = try record.string("prompt")
        let outputs = [try record.string("modeloutput1"), try record.string("modeloutput2")]
        let safe = [try record.label("is_modelout1_safe"), try record.label("is_modelout2_safe")]
        let raw = try record.value("better_modelout")
        let better: Int
        if let number = JSONRecord.integer(raw), number == 1 || number == 2 {
            better = number - 1
        } else if let text = raw as? String, text == "1" || text == "2" {
            better = text == "1" ? 0 : 1
        } else {
            throw record.invalid("better_modelout", "must be 1 or 2 (modeloutput1 or modeloutput2), not \(JSONRecord.describe(raw))")
        }
        self.init(prompt: [.user(prompt)], chosen: outputs[better], rejected: outputs[1 - better],
                  chosenSafe: safe[better], rejectedSafe: safe[1 - better], source: record.source)
    }

    /// The generic text form; `system`, when present, becomes the conversation's system message.
    public init(text record: JSONRecord) throws {
        let system = try record.optionalString("system")
        let prompt = try record.string("prompt")
        let chosen = try record.string("chosen"), rejected = try record.string("rejected")
        let chosenSafe = try record.label("is_chosen_safe"), rejectedSafe = try record.label("is_rejected_safe")
        self.init(prompt: (system.map { [ChatMessage.system($0)] } ?? []) + [.user(prompt)], chosen: chosen,
                  rejected: rejected, chosenSafe: chosenSafe, rejectedSafe: rejectedSafe, source: record.source)
    }
}
