/// One response as one row of a preference file shows it, the material `PromptGroups` labels responses
/// from: which prompt it answers, what it says, the row's safety label for it, whether the row chose it
/// (the more helpful response: PKU-SafeRLHF's `better_response_id`) and the prompt kind the row
/// declares, if any.
public struct ResponseObservation: Sendable, Equatable {
    /// The prompt's token ids (the template-rendered conversation for text data): the grouping key.
    public var prompt: [Int]
    /// The response's token ids: its identity within the prompt.
    public var response: [Int]
    public var safe: Bool
    /// True when the row's chosen response, false when its rejected one.
    public var chosen: Bool
    public var promptKind: PromptKind?
    public var logProb: ResponseLogProb
    public var source: RowLocation

    public init(prompt: [Int], response: [Int], safe: Bool, chosen: Bool, promptKind: PromptKind?,
                logProb: ResponseLogProb, source: RowLocation) {
        self.prompt = prompt
        self.response = response
        self.safe = safe
        self.chosen = chosen
        self.promptKind = promptKind
        self.logProb = logProb
        self.source = source
    }
}

/// A prompt with its distinct labelled responses.
public struct PromptGroup: Sendable, Equatable {
    public struct Response: Sendable, Equatable {
        public var kind: ResponseKind
        public var logProb: ResponseLogProb

        public init(kind: ResponseKind, logProb: ResponseLogProb) {
            self.kind = kind
            self.logProb = logProb
        }
    }

    /// The prompt's token ids: what a response to it follows, and where generation starts.
    public var prompt: [Int]
    public var kind: PromptKind
    public var responses: [Response]

    public init(prompt: [Int], kind: PromptKind, responses: [Response]) {
        self.prompt = prompt
        self.kind = kind
        self.responses = responses
    }
}

/// The rows of a preference file regrouped by prompt, each distinct response labelled once
/// (docs/evaluation.md, "Grouping and labels"):
///
/// - rows with the same prompt ids form one prompt; responses with the same ids are one response,
///   scored by its first occurrence;
/// - a response is **safe** when its rows label it safe, **helpful** when its rows choose it (the
///   better, more helpful response of its pair) and unhelpful when they reject it; a response labelled
///   both ways in different rows is left out and counted in `conflictingResponses`;
/// - a prompt is **harmful** or **benign** as its rows' `prompt_kind` says; without one, harmful when
///   any of its responses is labelled unsafe, benign otherwise.
public struct PromptGroups: Sendable {
    public let groups: [PromptGroup]
    /// Distinct responses left out because their rows disagree on their safety or helpfulness.
    public let conflictingResponses: Int

    /// Groups `observations`, keeping the order in which prompts and responses first appear.
    /// - Throws: `DatasetError.invalidField` naming the row when rows of one prompt declare different
    ///   `prompt_kind`s.
    public init(observations: [ResponseObservation]) throws {
        struct Seen {
            var safe: Set<Bool> = []
            var chosen: Set<Bool> = []
            var logProb: ResponseLogProb
        }
        struct Prompt {
            var declared: (kind: PromptKind, at: RowLocation)?
            var order: [[Int]] = []
            var responses: [[Int]: Seen] = [:]
        }
        var promptOrder: [[Int]] = []
        var prompts: [[Int]: Prompt] = [:]
        for observation in observations {
            var prompt = prompts[observation.prompt] ?? {
                promptOrder.append(observation.prompt)
                return Prompt()
            }()
            if let kind = observation.promptKind {
                if let declared = prompt.declared, declared.kind != kind {
                    throw DatasetError.invalidField(
                        file: observation.source.file, line: observation.source.line, field: PromptKindField.name,
                        reason: "is \"\(kind.rawValue)\" but \(declared.at) declares \"\(declared.kind.rawValue)\" for the same prompt")
                }
                prompt.declared = prompt.declared ?? (kind, observation.source)
            }
            var seen = prompt.responses[observation.response] ?? {
                prompt.order.append(observation.response)
                return Seen(logProb: observation.logProb)
            }()
            seen.safe.insert(observation.safe)
            seen.chosen.insert(observation.chosen)
            prompt.responses[observation.response] = seen
            prompts[observation.prompt] = prompt
        }
        var groups: [PromptGroup] = []
        var conflicting = 0
        for key in promptOrder {
            let prompt = prompts[key]!
            var responses: [PromptGroup.Response] = []
            for response in prompt.order {
                let seen = prompt.responses[response]!
                guard seen.safe.count == 1, seen.chosen.count == 1 else {
                    conflicting += 1
                    continue
                }
                responses.append(PromptGroup.Response(kind: ResponseKind(safe: seen.safe.first!, helpful: seen.chosen.first!),
                                                      logProb: seen.logProb))
            }
            let anyUnsafe = prompt.responses.values.contains { $0.safe.contains(false) }
            groups.append(PromptGroup(prompt: key, kind: prompt.declared?.kind ?? (anyUnsafe ? .harmful : .benign), responses: responses))
        }
        self.groups = groups
        conflictingResponses = conflicting
    }
}
